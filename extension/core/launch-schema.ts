/**
 * The `xen-guest` launch schema, snippets and initial configuration: the single source of truth for
 * package.json's `contributes.debuggers` entry (a test checks package.json against debuggerContribution())
 * and for the extension's own validation before a session starts.
 */
import type { XenLaunchArguments } from '../../debug-adapter/protocol';
import type { JsonSchema } from './json-schema';

export const DEBUG_TYPE = 'xen-guest';

/** Xen version profiles (emulator/xen/profiles.ts PROFILE_NAMES; a test keeps the two equal). */
export const XEN_PROFILES = ['4.4', '4.5', '4.8', '4.17', '4.19', '4.21'] as const;
export const DEFAULT_XEN_PROFILE = '4.17';

export const KERNEL_REQUIRED = 'kernel (or xlConfig) is required: the guest ELF to boot';

/** One entry per XenLaunchArguments key: the mapped type makes a missing or extra key a compile error. */
type LaunchProperties = { readonly [K in keyof Required<XenLaunchArguments>]: JsonSchema };

export const LAUNCH_PROPERTIES: LaunchProperties = {
  kernel: {
    type: 'string',
    markdownDescription: 'Path of the guest kernel ELF to boot: a PV (Xen ELF notes), PVH (`PHYS32_ENTRY` note) or HVM image. '
      + 'Relative paths are resolved against the workspace folder. Required unless `xlConfig` names the kernel.',
    default: '${workspaceFolder}/build/guest.elf',
  },
  xlConfig: {
    type: 'string',
    markdownDescription: 'Path of an `xl.cfg` file. Its `type`, `memory`, `vcpus`, `kernel`, `cmdline`/`extra` and `name` are used; '
      + 'attributes set here override it.',
    default: '${workspaceFolder}/guest.cfg',
  },
  guestType: {
    type: 'string',
    enum: ['pv', 'pv64', 'pv32', 'pvh', 'hvm'],
    enumDescriptions: [
      'Paravirtualised; bitness from the ELF header.',
      '64-bit PV (xen-3.0-x86_64).',
      '32-bit PAE PV (xen-3.0-x86_32p).',
      'PVH: HVM container entered at the PHYS32_ENTRY note with hvm_start_info.',
      'HVM, firmware-style: 32-bit flat protected mode at the ELF entry (as XTF images expect).',
    ],
    markdownDescription: 'How to boot the kernel. Default: from the ELF notes (PV with Xen PV notes, PVH with only `PHYS32_ENTRY`, else HVM).',
  },
  vcpus: {
    type: 'integer', minimum: 1, maximum: 128, default: 1,
    markdownDescription: 'Number of vCPUs. Each appears as a thread named like `d1v0 (PV64)`.',
  },
  memoryMiB: {
    type: 'integer', minimum: 1, maximum: 2047, default: 64,
    markdownDescription: 'Guest memory in MiB (the domain\'s initial reservation; `XENMEM_*` calls can change it).',
  },
  xenVersion: {
    type: 'string',
    default: DEFAULT_XEN_PROFILE,
    anyOf: [
      {
        enum: [...XEN_PROFILES, ...XEN_PROFILES.map((p) => `${p}-debug`)],
        enumDescriptions: [
          ...XEN_PROFILES.map((p) => `Xen ${p} release build behaviour.`),
          ...XEN_PROFILES.map((p) => `Xen ${p} debug build (CONFIG_DEBUG) behaviour.`),
        ],
      },
      { pattern: '^(xen-)?\\d+\\.\\d+([-:](debug|release))?$' },
    ],
    errorMessage: 'use a Xen profile such as "4.17" or "4.17-debug"',
    markdownDescription: `Which Xen version the hypervisor behaves as (hypercall set, continuation encodings, errnos). Default \`${DEFAULT_XEN_PROFILE}\`.`,
  },
  preemption: {
    default: 'auto',
    anyOf: [
      {
        type: 'string',
        enum: ['never', 'always', 'auto'],
        enumDescriptions: [
          'Long hypercalls always run to completion.',
          'Preempt at every preemption point: every long hypercall becomes a continuation.',
          'Preempt the way Xen does: when an event or softirq is pending.',
        ],
      },
      { type: 'integer', minimum: 1 },
    ],
    errorMessage: 'use "never", "always", "auto" or a positive number of work units',
    markdownDescription: 'How often long-running hypercalls (e.g. `XENMEM_decrease_reservation`) are preempted and resumed as continuations: '
      + '`never`, `always`, `auto`, or every *N* units of work.',
  },
  cmdline: {
    type: 'string', maxLength: 1023, default: '',
    markdownDescription: 'Kernel command line (`start_info.cmd_line` / `hvm_start_info` cmdline).',
  },
  domainFlags: {
    type: 'object',
    additionalProperties: false,
    properties: {
      evtchnFifo: {
        type: 'boolean', default: true,
        markdownDescription: 'Offer the FIFO event channel ABI (`EVTCHNOP_init_control`). `false` leaves only 2-level event channels.',
      },
    },
    default: { evtchnFifo: true },
    markdownDescription: 'Domain creation flags.',
  },
  stopOnEntry: {
    type: 'boolean', default: false,
    markdownDescription: 'Stop at the guest\'s first instruction instead of running until a breakpoint.',
  },
  trace: {
    type: 'boolean', default: false,
    markdownDescription: 'Print every hypervisor trace event (hypercalls, continuations, upcalls, exceptions) to the Debug Console.',
  },
  disassemblyFlavor: {
    type: 'string', enum: ['intel', 'att'], enumDescriptions: ['Intel syntax.', 'AT&T syntax (as objdump and gdb print by default).'],
    default: 'intel',
    markdownDescription: 'Syntax of the Disassembly view.',
  },
  symbolFiles: {
    type: 'array', items: { type: 'string' }, default: [],
    markdownDescription: 'Extra ELF files with symbols and DWARF, e.g. the unstripped kernel when `kernel` is stripped.',
  },
};

/** `configurationAttributes.launch`: the properties plus "kernel or xlConfig". */
export const LAUNCH_ATTRIBUTES: JsonSchema = {
  properties: LAUNCH_PROPERTIES,
  anyOf: [{ required: ['kernel'] }, { required: ['xlConfig'] }],
  errorMessage: KERNEL_REQUIRED,
};

export const INITIAL_CONFIGURATION = {
  type: DEBUG_TYPE,
  request: 'launch',
  name: 'Debug Xen guest',
  kernel: '${command:PickGuestKernel}',
  stopOnEntry: true,
};

/** Snippet bodies write `${workspaceFolder}` as `^"\${workspaceFolder}…"` so the snippet engine leaves it alone. */
const ws = (rest: string): string => `^"\\\${workspaceFolder}/${rest}"`;

export const CONFIGURATION_SNIPPETS = [
  {
    label: 'Xen: debug a PV guest kernel',
    description: 'Boot a PV kernel ELF and stop at its first instruction',
    body: { type: DEBUG_TYPE, request: 'launch', name: 'Xen PV guest', kernel: ws('build/guest.elf'), guestType: 'pv', stopOnEntry: true },
  },
  {
    label: 'Xen: debug a PVH or HVM guest kernel',
    description: 'Boot a PVH/HVM image with more memory',
    body: { type: DEBUG_TYPE, request: 'launch', name: 'Xen HVM guest', kernel: ws('build/guest.elf'), guestType: 'hvm', memoryMiB: 128 },
  },
  {
    label: 'Xen: debug a guest from an xl.cfg',
    description: 'Take the kernel, memory, vCPUs and command line from xl.cfg',
    body: { type: DEBUG_TYPE, request: 'launch', name: 'Xen guest (xl.cfg)', xlConfig: ws('guest.cfg') },
  },
  {
    label: 'Xen: SMP guest with hypercall continuations',
    description: 'Two vCPUs, every long hypercall preempted, trace to the Debug Console',
    body: {
      type: DEBUG_TYPE, request: 'launch', name: 'Xen SMP guest', kernel: ws('build/guest.elf'),
      vcpus: 2, preemption: 'always', xenVersion: DEFAULT_XEN_PROFILE, trace: true,
    },
  },
];

/** Language ids that get gutter breakpoints: C, C++ and the ids common x86/GAS assembly extensions register. */
export const BREAKPOINT_LANGUAGES = ['c', 'cpp', 'asm', 'gas', 's', 'S', 'nasm', 'asm-intel-x86-generic', 'asm-collection', 'x86', 'x86_64'];

/** The whole `contributes.debuggers[0]` entry of package.json. */
export function debuggerContribution(): Record<string, unknown> {
  return {
    type: DEBUG_TYPE,
    label: 'Xen Guest',
    languages: ['c', 'cpp', 'asm'],
    program: './dist/cli.js',
    args: ['dap'],
    runtime: 'node',
    variables: { PickGuestKernel: 'xenGuest.pickGuestKernel' },
    strings: {
      unverifiedBreakpoints: 'The guest image has no line information for this location (build it with `-g`), '
        + 'or the source is not part of the kernel or `symbolFiles`.',
    },
    configurationAttributes: { launch: LAUNCH_ATTRIBUTES },
    initialConfigurations: [INITIAL_CONFIGURATION],
    configurationSnippets: CONFIGURATION_SNIPPETS,
  };
}
