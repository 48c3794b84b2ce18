/**
 * The machine configuration shared by the CLI (`xen-guest run`), the debug adapter's launch request and
 * xl.cfg files (DESIGN.md launch contract). Every invalid value gets a message naming its field.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { RequestedGuestType } from '../boot/guest-kind';
import { DEFAULT_PREEMPTION, PreemptionPolicy, parsePreemption } from '../xen/hypercall/preemption';
import { PROFILE_NAMES, DEFAULT_PROFILE, isProfileName } from '../xen/profiles';
import { parseXlConfig, XlConfigError, XlValue } from './xl-config';

export interface MachineOptions {
  /** Path of the kernel ELF (or the HVM firmware image). */
  kernel: string;
  guestType?: RequestedGuestType;
  vcpus: number;
  memoryMiB: number;
  maxMemoryMiB?: number;
  /** Profile name (`4.17`) and build type. */
  xenVersion: string;
  xenDebug: boolean;
  preemption: PreemptionPolicy;
  domainFlags: { evtchnFifo: boolean };
  cmdline: string;
  name: string;
  /** xl.cfg on_poweroff/on_reboot/on_crash, kept for reporting. */
  onShutdown: Record<string, string>;
}

export const DEFAULTS = { vcpus: 1, memoryMiB: 64 } as const;
const GUEST_TYPES: readonly RequestedGuestType[] = ['pv', 'pv64', 'pv32', 'pvh', 'hvm'];
/** At most this many vCPUs (HVM_MAX_VCPUS is 128 in 4.17; we keep it small and deterministic). */
export const MAX_VCPUS = 128;

export class LaunchConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'LaunchConfigError';
  }
}

/** `4.17`, `xen-4.17`, `4.17-debug`, `4.17-release`. */
export function parseXenVersion(v: unknown): { name: string; debug: boolean } | string {
  if (v === undefined) return { name: DEFAULT_PROFILE, debug: false };
  if (typeof v !== 'string') return `xenVersion must be a string such as "4.17" or "4.17-debug" (got ${JSON.stringify(v)})`;
  const m = /^(?:xen-)?(\d+\.\d+)(?:[-:](debug|release))?$/.exec(v.trim());
  if (!m || !isProfileName(m[1])) return `xenVersion "${v}" is not a known profile; use one of ${PROFILE_NAMES.join(', ')}, optionally with -debug`;
  return { name: m[1], debug: m[2] === 'debug' };
}

function positiveInt(field: string, v: unknown, max: number, problems: string[]): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > max) {
    problems.push(`${field} must be an integer from 1 to ${max} (got ${JSON.stringify(v)})`);
    return undefined;
  }
  return n;
}

/**
 * Validates a launch-style object: { kernel | xlConfig, guestType, vcpus, memoryMiB, xenVersion, preemption,
 * domainFlags, cmdline, name }. Values from an xl.cfg file fill what the object leaves out.
 */
export function resolveMachineOptions(raw: Record<string, unknown>, cwd = process.cwd()): MachineOptions {
  const problems: string[] = [];
  let fromXl: Partial<MachineOptions> = {};
  if (raw.xlConfig !== undefined) {
    if (typeof raw.xlConfig !== 'string' || raw.xlConfig === '') problems.push('xlConfig must be the path of an xl.cfg file');
    else {
      try { fromXl = readXlConfigFile(path.resolve(cwd, raw.xlConfig)); } catch (e) { problems.push(`xlConfig: ${(e as Error).message}`); }
    }
  }
  let kernel = fromXl.kernel;
  if (raw.kernel !== undefined) {
    if (typeof raw.kernel !== 'string' || raw.kernel === '') problems.push('kernel must be the path of a guest ELF file');
    else kernel = path.resolve(cwd, raw.kernel);
  }
  if (kernel === undefined && problems.length === 0) problems.push('kernel (or xlConfig) is required: the guest ELF to boot');
  else if (kernel !== undefined && !fs.existsSync(kernel)) problems.push(`kernel: file not found: ${kernel}`);

  let guestType = fromXl.guestType;
  if (raw.guestType !== undefined) {
    if (typeof raw.guestType !== 'string' || !GUEST_TYPES.includes(raw.guestType as RequestedGuestType)) {
      problems.push(`guestType must be one of ${GUEST_TYPES.join(', ')} (got ${JSON.stringify(raw.guestType)})`);
    } else guestType = raw.guestType as RequestedGuestType;
  }
  const vcpus = positiveInt('vcpus', raw.vcpus, MAX_VCPUS, problems) ?? fromXl.vcpus ?? DEFAULTS.vcpus;
  const memoryMiB = positiveInt('memoryMiB', raw.memoryMiB, 2047, problems) ?? fromXl.memoryMiB ?? DEFAULTS.memoryMiB;
  const maxMemoryMiB = positiveInt('maxMemoryMiB', raw.maxMemoryMiB, 2047, problems) ?? fromXl.maxMemoryMiB;
  if (maxMemoryMiB !== undefined && maxMemoryMiB < memoryMiB) problems.push(`maxMemoryMiB (${maxMemoryMiB}) is below memoryMiB (${memoryMiB})`);
  const xv = parseXenVersion(raw.xenVersion);
  if (typeof xv === 'string') problems.push(xv);
  const preemption = raw.preemption === undefined ? DEFAULT_PREEMPTION : parsePreemption(raw.preemption);
  if (typeof preemption === 'string') problems.push(preemption);
  let evtchnFifo = true;
  if (raw.domainFlags !== undefined) {
    if (typeof raw.domainFlags !== 'object' || raw.domainFlags === null || Array.isArray(raw.domainFlags)) {
      problems.push('domainFlags must be an object such as { "evtchnFifo": false }');
    } else {
      for (const [k, val] of Object.entries(raw.domainFlags)) {
        if (k !== 'evtchnFifo') problems.push(`domainFlags.${k} is not a known domain flag (known: evtchnFifo)`);
        else if (typeof val !== 'boolean') problems.push(`domainFlags.evtchnFifo must be true or false (got ${JSON.stringify(val)})`);
        else evtchnFifo = val;
      }
    }
  }
  const cmdline = raw.cmdline !== undefined ? String(raw.cmdline) : fromXl.cmdline ?? '';
  if (cmdline.length > 1023) problems.push(`cmdline is ${cmdline.length} characters; Xen's limit is 1023 (MAX_GUEST_CMDLINE - 1)`);
  const name = raw.name !== undefined ? String(raw.name) : fromXl.name ?? (kernel ? path.basename(kernel).replace(/\.elf$/, '') : 'guest');
  if (problems.length) throw new LaunchConfigError(problems);
  return {
    kernel: kernel!, guestType, vcpus, memoryMiB, maxMemoryMiB,
    xenVersion: (xv as { name: string }).name, xenDebug: (xv as { debug: boolean }).debug,
    preemption: preemption as PreemptionPolicy, domainFlags: { evtchnFifo }, cmdline, name,
    onShutdown: fromXl.onShutdown ?? {},
  };
}

/** Reads the keys xl.cfg shares with us; relative kernel paths are resolved against the file's directory. */
export function readXlConfigFile(file: string): Partial<MachineOptions> {
  let text: string;
  try { text = fs.readFileSync(file, 'utf8'); } catch (e) { throw new Error(`cannot read ${file}: ${(e as Error).message}`); }
  let cfg: Map<string, XlValue>;
  try { cfg = parseXlConfig(text, file); } catch (e) { if (e instanceof XlConfigError) throw e; throw e; }
  const dir = path.dirname(file);
  const str = (k: string): string | undefined => {
    const v = cfg.get(k);
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw new Error(`${file}: ${k} must be a string`);
    return v;
  };
  const num = (k: string): number | undefined => {
    const v = cfg.get(k);
    if (v === undefined) return undefined;
    if (typeof v !== 'number') throw new Error(`${file}: ${k} must be a number`);
    return v;
  };
  const out: Partial<MachineOptions> = {};
  let type = str('type');
  if (type === undefined && str('builder') === 'hvm') type = 'hvm';
  if (type !== undefined) {
    if (type !== 'pv' && type !== 'pvh' && type !== 'hvm') throw new Error(`${file}: type must be "pv", "pvh" or "hvm" (got "${type}")`);
    out.guestType = type;
  }
  const kernel = type === 'hvm' ? str('firmware_override') ?? str('kernel') : str('kernel');
  if (kernel !== undefined) out.kernel = path.resolve(dir, kernel);
  if (type === 'hvm' && kernel === undefined) throw new Error(`${file}: an HVM guest needs firmware_override (or kernel) naming the image to boot`);
  out.memoryMiB = num('memory');
  out.maxMemoryMiB = num('maxmem');
  out.vcpus = num('vcpus');
  const cmd = str('cmdline') ?? str('extra');
  if (cmd !== undefined) out.cmdline = cmd;
  const name = str('name');
  if (name !== undefined) out.name = name;
  out.onShutdown = {};
  for (const k of ['on_poweroff', 'on_reboot', 'on_crash', 'on_watchdog', 'on_soft_reset']) {
    const v = str(k);
    if (v !== undefined) out.onShutdown[k] = v;
  }
  return out;
}
