/**
 * Builds the fuzz-harness guests (test/xen/fuzz/guests/*.S) with gcc into out/test-guests/, and reads the
 * symbols the fuzzer needs from them: call sites, the hypercall page, and the pages it aims pointers at.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { threadId } from 'node:worker_threads';
import { parseElf } from '../../../emulator/boot/elf';
import { REPO_ROOT } from '../../bench/flat-elf-runner';

export type FuzzGuestType = 'hvm64' | 'hvm32' | 'pv64' | 'pv32';
export const FUZZ_GUEST_TYPES: readonly FuzzGuestType[] = ['hvm64', 'hvm32', 'pv64', 'pv32'];

/** Guest RAM of an HVM harness machine (the .S file is built for it). */
export const HVM_RAM_MIB = 8;
/** PV harness machines get a little more: the builder puts start_info, page tables and the p2m after the image. */
export const PV_RAM_MIB = 16;

const PV_VIRT_BASE = { pv64: 0xffffffff80000000n, pv32: 0xc0000000n } as const;

export interface HarnessImage {
  type: FuzzGuestType;
  elfPath: string;
  /** Symbol addresses (linear; for HVM also physical). */
  sym: Readonly<Record<string, bigint>>;
}

const HVM_SYMBOLS = [
  'fuzz_ready', 'fuzz_vmcall', 'fuzz_vmcall_ret', 'fuzz_pagecall', 'fuzz_pagecall_ret', 'fuzz_target', 'text_start',
  'text_end', 'hypercall_page', 'ro_page', 'hole_page', 'vars_page', 'vars_end', 'pt_start', 'pt_end', 'stack',
  'stack_top', 'scratch', 'scratch_end', 'scratch_guard', 'scratch_ro', 'bss_end',
];
const PV_SYMBOLS = [
  '_start', 'fuzz_ready', 'fuzz_trap', 'fuzz_trap_ret', 'fuzz_pagecall', 'fuzz_pagecall_ret', 'fuzz_target', 'start_info_ptr',
  'hypercall_page', 'vars_page', 'stack', 'stack_top', 'scratch', 'scratch_end',
];

function isStale(out: string, inputs: string[]): boolean {
  if (!fs.existsSync(out)) return true;
  const t = fs.statSync(out).mtimeMs;
  return inputs.some((f) => fs.statSync(f).mtimeMs > t);
}

/** The linker script of a PV harness: link at VIRT_BASE + offset, load at p_paddr = offset (PADDR_OFFSET 0). */
function pvLinkerScript(base: bigint): string {
  const b = `0x${base.toString(16)}`;
  return `ENTRY(_start)
PHDRS { text PT_LOAD FLAGS(5); data PT_LOAD FLAGS(6); note PT_NOTE FLAGS(4); }
SECTIONS {
  . = ${b};
  .text : AT(ADDR(.text) - ${b}) { *(.text .text.*) } :text
  .hypercall_page : AT(ADDR(.hypercall_page) - ${b}) { *(.hypercall_page) } :text
  .note.Xen : AT(ADDR(.note.Xen) - ${b}) { *(.note.Xen) } :text :note
  . = ALIGN(4096);
  .data : AT(ADDR(.data) - ${b}) { *(.data .data.*) } :data
  .bss : AT(ADDR(.bss) - ${b}) { *(.bss .bss.*) *(COMMON) } :data
  /DISCARD/ : { *(.note.GNU-stack) *(.note.gnu.property) *(.comment) *(.eh_frame) }
}
`;
}

/** Builds (if stale) and loads the harness image for one guest type. */
export function buildHarness(type: FuzzGuestType): HarnessImage {
  const srcDir = path.join(REPO_ROOT, 'test/xen/fuzz/guests');
  const outDir = path.join(REPO_ROOT, 'out/test-guests');
  fs.mkdirSync(outDir, { recursive: true });
  const out = path.join(outDir, `fuzz-${type}.elf`);
  const common = ['-nostdlib', '-static', '-no-pie', '-g', '-Wl,--build-id=none', '-Wl,-z,max-page-size=4096'];
  if (type === 'hvm64' || type === 'hvm32') {
    const src = path.join(srcDir, 'fuzz-hvm.S');
    if (isStale(out, [src])) {
      const tmp = `${out}.${process.pid}-${threadId}.tmp`;
      execFileSync('gcc', [
        type === 'hvm64' ? '-m64' : '-m32', ...(type === 'hvm64' ? ['-DHARNESS64'] : []), `-DRAM_MIB=${HVM_RAM_MIB}`,
        ...common, '-Wl,-Ttext=0x100000', '-o', tmp, src,
      ], { stdio: ['ignore', 'pipe', 'pipe'] });
      fs.renameSync(tmp, out);
    }
  } else {
    const src = path.join(srcDir, 'fuzz-pv.S');
    if (isStale(out, [src])) {
      const tmp = `${out}.${process.pid}-${threadId}.tmp`;
      const lds = path.join(outDir, `fuzz-${type}.${process.pid}-${threadId}.ld`);
      fs.writeFileSync(lds, pvLinkerScript(PV_VIRT_BASE[type]));
      execFileSync('gcc', [
        type === 'pv64' ? '-m64' : '-m32', type === 'pv64' ? '-DPV64' : '-DPV32',
        `-DVIRT_BASE=0x${PV_VIRT_BASE[type].toString(16)}`, ...common, `-Wl,-T,${lds}`, '-o', tmp, src,
      ], { stdio: ['ignore', 'pipe', 'pipe'] });
      fs.rmSync(lds);
      fs.renameSync(tmp, out);
    }
  }
  const elf = parseElf(new Uint8Array(fs.readFileSync(out)));
  const sym: Record<string, bigint> = {};
  for (const name of type.startsWith('hvm') ? HVM_SYMBOLS : PV_SYMBOLS) {
    const s = elf.symbol(name);
    if (!s) throw new Error(`${out}: no symbol ${name}`);
    sym[name] = s.value;
  }
  return { type, elfPath: out, sym };
}
