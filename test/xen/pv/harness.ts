/**
 * Builds the PV test guests (test/xen/pv/guests/*.S) with gcc into out/test-guests/ and boots them on a
 * Hypervisor through the PV builder, with helpers to read symbols, poke guest memory and collect the trace.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseElf } from '../../../emulator/boot/elf';
import { decideGuestKind } from '../../../emulator/boot/guest-kind';
import { buildPvDomain } from '../../../emulator/boot/pv-builder';
import { Domain } from '../../../emulator/xen/domain';
import { Hypervisor, MachineStop } from '../../../emulator/xen/hypervisor';
import type { PreemptionPolicy } from '../../../emulator/xen/hypercall/preemption';
import { getProfile } from '../../../emulator/xen/profiles';
import { TraceBus, TraceEvent } from '../../../emulator/xen/trace';
import type { Vcpu } from '../../../emulator/xen/vcpu';

function repoRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no repository root above ${__dirname}`);
    dir = up;
  }
}

export const REPO = repoRoot();
const SRC = path.join(REPO, 'test/xen/pv/guests');
const OUT = path.join(REPO, 'out/test-guests');

export interface BuiltGuest { file: string; bytes: Uint8Array; symbols: Map<string, bigint> }
const built = new Map<string, BuiltGuest>();

/** Assembles test/xen/pv/guests/<name>.S (pv64-* with -m64, pv32-* with -m32). */
export function buildGuest(name: string): BuiltGuest {
  const hit = built.get(name);
  if (hit) return hit;
  const bits = name.startsWith('pv32') ? 32 : 64;
  fs.mkdirSync(OUT, { recursive: true });
  const file = path.join(OUT, `${name}.elf`);
  try {
    execFileSync('gcc', [
      `-m${bits}`, '-nostdlib', '-static', '-no-pie', `-I${SRC}`, `-Wl,-T,${path.join(SRC, `pv${bits}.ld`)}`,
      '-Wl,--build-id=none', '-Wl,--no-warn-rwx-segments', '-o', file, path.join(SRC, `${name}.S`),
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw new Error(`building ${name}.S failed:\n${(e as { stderr?: Buffer }).stderr?.toString() ?? String(e)}`);
  }
  const symbols = new Map<string, bigint>();
  for (const line of execFileSync('nm', [file]).toString().split('\n')) {
    const m = /^([0-9a-fA-F]+)\s+\S\s+(\S+)$/.exec(line.trim());
    if (m) symbols.set(m[2], BigInt(`0x${m[1]}`));
  }
  const g = { file, bytes: new Uint8Array(fs.readFileSync(file)), symbols };
  built.set(name, g);
  return g;
}

export interface BootOptions {
  memoryMiB?: number;
  maxMemoryMiB?: number;
  vcpus?: number;
  preemption?: PreemptionPolicy;
  cmdline?: string;
}

export interface PvMachine {
  hv: Hypervisor;
  d: Domain;
  v0: Vcpu;
  guest: BuiltGuest;
  events: TraceEvent[];
  sym(name: string): bigint;
  /** Guest-virtual write through vCPU 0's page tables (the debugger's view: ignores RO). */
  poke(va: bigint, bytes: Uint8Array): void;
  peek(va: bigint, len: number): Uint8Array;
  u64(va: bigint): bigint;
  u32(va: bigint): number;
  /** Machine address backing a guest-virtual address. */
  ma(va: bigint): number;
}

export function bootGuest(name: string, opts: BootOptions = {}): PvMachine {
  const guest = buildGuest(name);
  const elf = parseElf(guest.bytes);
  const kind = decideGuestKind(elf);
  if (kind.kind !== 'pv') throw new Error(`${name} is not a PV image`);
  const trace = new TraceBus();
  const events: TraceEvent[] = [];
  trace.subscribe((e) => events.push(e));
  const hv = new Hypervisor({ trace });
  const d = new Domain(1, {
    name, kind: 'pv', pvBits: kind.bitness, memoryMiB: opts.memoryMiB ?? 32, maxMemoryMiB: opts.maxMemoryMiB,
    vcpus: opts.vcpus ?? 1, profile: getProfile('4.17'), preemption: opts.preemption ?? { kind: 'auto' },
    evtchnFifo: true, cmdline: opts.cmdline ?? '', maxEvtchnPort: 1023, handle: new Uint8Array(16),
  });
  buildPvDomain(hv, d, elf, kind);
  const v0 = d.vcpus[0];
  const sym = (n: string): bigint => {
    const v = guest.symbols.get(n);
    if (v === undefined) throw new Error(`${name} has no symbol ${n}`);
    return v;
  };
  const peek = (va: bigint, len: number): Uint8Array => v0.cpu.readVirtual(va, len);
  const dv = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);
  return {
    hv, d, v0, guest, events, sym,
    poke: (va, bytes) => v0.cpu.writeVirtual(va, bytes),
    peek,
    u64: (va) => dv(peek(va, 8)).getBigUint64(0, true),
    u32: (va) => dv(peek(va, 4)).getUint32(0, true),
    ma: (va) => {
      const pa = v0.cpu.translateVirtual(va);
      if (pa === undefined) throw new Error(`0x${va.toString(16)} is not mapped`);
      return Number(pa);
    },
  };
}

/** Little-endian packing helpers. */
export function u64s(...vals: (bigint | number)[]): Uint8Array {
  const b = new Uint8Array(vals.length * 8);
  const dv = new DataView(b.buffer);
  vals.forEach((v, i) => dv.setBigUint64(i * 8, BigInt.asUintN(64, BigInt(v)), true));
  return b;
}

export function u32s(...vals: (bigint | number)[]): Uint8Array {
  const b = new Uint8Array(vals.length * 4);
  const dv = new DataView(b.buffer);
  vals.forEach((v, i) => dv.setUint32(i * 4, Number(BigInt.asUintN(32, BigInt(v))), true));
  return b;
}

/** One hypercall of a runner script: number and up to five arguments. */
export type Op = [nr: number, ...args: (bigint | number)[]];

/** Writes a script into a runner guest (pv64-runner / pv32-runner). */
export function writeScript(m: PvMachine, ops: Op[]): void {
  const bits = m.d.pvBits;
  const entry = bits === 64 ? 64 : 32;
  const bytes = new Uint8Array(ops.length * entry);
  ops.forEach(([nr, ...args], i) => {
    const words = [nr, ...args, 0, 0, 0, 0, 0].slice(0, 6);
    bytes.set(bits === 64 ? u64s(...words) : u32s(...words), i * entry);
  });
  m.poke(m.sym('script'), bytes);
  m.poke(m.sym('nops'), bits === 64 ? u64s(ops.length) : u32s(ops.length));
}

/** Return values of a runner script, signed (as the guest sees rax / eax). */
export function results(m: PvMachine, n: number): number[] {
  const out: number[] = [];
  const base = m.sym('results');
  for (let i = 0; i < n; i++) {
    out.push(m.d.pvBits === 64 ? Number(BigInt.asIntN(64, m.u64(base + BigInt(i * 8)))) : (m.u32(base + BigInt(i * 4)) | 0));
  }
  return out;
}

export const DOMID_SELF = 0x7ff0;

/** Machine address of the L1 entry mapping `va` in vCPU 0's kernel page tables (PV64 or PV32 PAE). */
export function l1eMa(m: PvMachine, va: bigint): number {
  const pv = m.v0.pv!;
  const mem = m.d.mem;
  const next = (ma: number): number => Number(mem.read64(ma) & 0xffffffffff000n);
  let table: number;
  if (m.d.pvBits === 64) {
    table = pv.kernelBaseMfn * 4096;
    table = next(table + Number((va >> 39n) & 511n) * 8);
    table = next(table + Number((va >> 30n) & 511n) * 8);
  } else {
    table = next(pv.kernelBaseMfn * 4096 + Number((va >> 30n) & 3n) * 8);
  }
  table = next(table + Number((va >> 21n) & 511n) * 8);
  return table + Number((va >> 12n) & 511n) * 8;
}

/** Machine address of the top-level entry for `va` (L4 for PV64). */
export function topEntryMa(m: PvMachine, slot: number): number {
  return m.v0.pv!.kernelBaseMfn * 4096 + slot * 8;
}

/** A readable MachineStop (the objects hold the whole machine). */
export function describeStop(stop: MachineStop): string {
  switch (stop.kind) {
    case 'vcpu': return `vcpu stop ${JSON.stringify(stop.reason, (_k, v: unknown) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v))}`;
    case 'event': return `event ${stop.event.kind} ${stop.event.name}`;
    case 'shutdown': return `shutdown ${stop.shutdown.reason}: ${stop.shutdown.detail ?? ''}`;
    case 'deadlock': return `deadlock: ${stop.detail}`;
    default: return stop.kind;
  }
}
