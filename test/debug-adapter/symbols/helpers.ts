/**
 * Shared helpers for the symbol reader tests: image paths, marker lines of the debuggee source, external
 * oracles (addr2line, objdump, gdb) and FrameContexts over the emulator's vCPU state.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { loadGuestSymbols } from '../../../debug-adapter/symbols';
import { FrameContext, GuestSymbols } from '../../../debug-adapter/symbols/model';
import { REPO_ROOT } from '../../bench/flat-elf-runner';

export { REPO_ROOT };
export const GUESTS = path.join(REPO_ROOT, 'out/sample-guests');
export const DEBUGGEE_SRC = path.join(REPO_ROOT, 'sample-guests/debuggee/debuggee.c');
export const DEBUGGEE_IMAGES = ['pv64-O0', 'pv64-Og', 'hvm64-O0', 'hvm64-Og', 'hvm32-O0', 'hvm32-Og'];

export function debuggeePath(variant: string): string {
  return path.join(GUESTS, 'debuggee', `debuggee-${variant}.elf`);
}

const loaded = new Map<string, GuestSymbols>();
export function load(file: string): GuestSymbols {
  let s = loaded.get(file);
  if (!s) { s = loadGuestSymbols(new Uint8Array(fs.readFileSync(file)), file); loaded.set(file, s); }
  return s;
}

/** The line of `/* @bp:<name> *\/` in the debuggee source. */
export function markerLine(name: string): number {
  const lines = fs.readFileSync(DEBUGGEE_SRC, 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes(`/* @bp:${name} */`));
  if (i < 0) throw new Error(`no marker @bp:${name}`);
  return i + 1;
}

export function hasTool(tool: string): boolean {
  try { execFileSync(tool, ['--version'], { stdio: 'ignore' }); return true; } catch { return false; }
}

export function run(tool: string, args: string[], input?: string): string {
  return execFileSync(tool, args, { encoding: 'utf8', input, maxBuffer: 64 * 1024 * 1024 });
}

export interface A2L { frames: { func: string; file: string; line: number }[] }

/** addr2line -f -i for many addresses at once (one process), in order. */
export function addr2line(image: string, addrs: bigint[]): A2L[] {
  // -a prints each address first, which separates the variable-length -i output.
  const out = run('addr2line', ['-a', '-f', '-i', '-e', image], addrs.map((a) => `0x${a.toString(16)}`).join('\n') + '\n');
  const res: A2L[] = [];
  let cur: A2L | undefined;
  const lines = out.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (/^0x[0-9a-f]+$/.test(l)) { cur = { frames: [] }; res.push(cur); continue; }
    if (!cur || l === '') continue;
    const loc = lines[++i] ?? '';
    const m = /^(.*):(\?|\d+)(?: \(discriminator \d+\))?$/.exec(loc);
    cur.frames.push({ func: l, file: m ? m[1] : '??', line: m && m[2] !== '?' ? Number(m[2]) : 0 });
  }
  return res;
}

/** Instruction addresses of a function from objdump -d. */
export function instructionAddresses(image: string, func: string): bigint[] {
  const out = run('objdump', ['-d', `--disassemble=${func}`, image]);
  const addrs: bigint[] = [];
  for (const l of out.split('\n')) {
    const m = /^\s*([0-9a-f]+):\t/.exec(l);
    if (m) addrs.push(BigInt(`0x${m[1]}`));
  }
  return addrs;
}

/** The library's frame helpers (also used by the session). */
export { callerFrame, vcpuFrame as cpuFrame } from '../../../debug-adapter/symbols/frames';

/** Reads a little-endian integer value from a located variable (memory, register or implicit value). */
export function readInt(sym: GuestSymbols, frame: FrameContext, name: string, size: number): bigint | string {
  const v = sym.variablesAt(frame.isReturnAddress ? frame.pc - 1n : frame.pc).find((x) => x.name === name);
  if (!v) return 'missing';
  const loc = v.locate(frame);
  const sign = (x: bigint) => BigInt.asIntN(size * 8, x);
  switch (loc.kind) {
    case 'memory': {
      const b = frame.readMemory(loc.address, size);
      if (!b) return 'unreadable';
      let x = 0n;
      for (let i = size - 1; i >= 0; i--) x = (x << 8n) | BigInt(b[i]);
      return sign(x);
    }
    case 'register': {
      const r = frame.readRegister(loc.reg);
      return r === undefined ? 'register-unknown' : sign(r);
    }
    case 'value': return sign(loc.value);
    default: return loc.kind;
  }
}
