/**
 * Test machines for the memory_op / vcpu_op / hvm_op suites: a Hypervisor with one hand-built domain.
 *
 * HVM/PVH: guest RAM plus four special pages (like boot/hvm-builder.ts), vCPU 0 started in a flat environment
 * (64-bit long mode or 32-bit protected mode, identity-mapped), and hypercalls made by real guest code
 * (`vmcall; ud2`) run through Hypervisor.run(), so the whole path is exercised: the trap, the dispatcher, the
 * handler, continuations re-executing the vmcall, and the trace.
 *
 * PV: machine memory with Xen frames first and the domain's frames above them (pfn i ↔ mfn BASE + i, shuffled
 * per page pair so p2m and m2p differ from the identity), and hypercalls made through dispatchHypercall() with
 * the argument registers of the PV ABI (the PV entry path itself belongs to other suites).
 */
import { Reg } from '../../../emulator/cpu/api-types';
import { setupFlatMode } from '../../../emulator/cpu/flat-setup';
import { PhysicalMemory } from '../../../emulator/memory/physical-memory';
import { maskAllVcpuInfo } from '../../../emulator/boot/hvm-builder';
import { Domain, DomainKind } from '../../../emulator/xen/domain';
import { dispatchHypercall, COMPAT_ARG_REGS, NATIVE_ARG_REGS } from '../../../emulator/xen/hypercall/dispatch';
import type { PreemptionPolicy } from '../../../emulator/xen/hypercall/preemption';
import { HYPERCALL_HANDLERS } from '../../../emulator/xen/hypercalls';
import { Hypervisor, MachineStop } from '../../../emulator/xen/hypervisor';
import { getProfile } from '../../../emulator/xen/profiles';
import { PvVcpuState } from '../../../emulator/xen/pv/state';
import { TraceBus, TraceEvent } from '../../../emulator/xen/trace';
import type { Vcpu } from '../../../emulator/xen/vcpu';

export const MiB = 1024 * 1024;
/** Where hypercall code is placed, and a scratch area for argument structs. */
export const CODE = 0x1000;
export const ARGS = 0x8000;
/** Page tables of the flat environment (64 KiB). */
export const PT_BASE = 0x200000;

export interface TestMachine {
  hv: Hypervisor;
  d: Domain;
  v: Vcpu;
  events: TraceEvent[];
}

export interface MachineOptions {
  profile?: string;
  vcpus?: number;
  memMiB?: number;
  preemption?: PreemptionPolicy;
  mode?: 'long64' | 'protected32';
  kind?: DomainKind;
  domid?: number;
  hv?: Hypervisor;
}

function newDomain(hv: Hypervisor, o: MachineOptions, kind: DomainKind, pvBits?: 64 | 32): Domain {
  return new Domain(o.domid ?? 1, {
    name: `test${o.domid ?? 1}`, kind, pvBits, memoryMiB: o.memMiB ?? 8, vcpus: o.vcpus ?? 2,
    profile: getProfile(o.profile ?? '4.17'), preemption: o.preemption ?? { kind: 'never' }, evtchnFifo: true,
    cmdline: '', maxEvtchnPort: 1023, handle: new Uint8Array(16),
  });
}

function withTrace(o: MachineOptions): { hv: Hypervisor; events: TraceEvent[] } {
  const events: TraceEvent[] = [];
  const hv = o.hv ?? new Hypervisor({ trace: new TraceBus() });
  hv.trace.subscribe((e) => events.push(e));
  return { hv, events };
}

/** An HVM (or PVH) domain whose vCPU 0 is in the requested mode at CPL 0 with paging. */
export function makeHvm(o: MachineOptions = {}): TestMachine {
  const { hv, events } = withTrace(o);
  const d = newDomain(hv, o, o.kind ?? 'hvm');
  const memMiB = o.memMiB ?? 8;
  const ramPages = memMiB * 256;
  d.mem = new PhysicalMemory(memMiB * MiB + 4 * 4096);
  d.populated = new Uint8Array(d.mem.pageCount).fill(1);
  d.totPages = ramPages;
  d.maxPages = ramPages;
  d.memoryMap = [
    { addr: 0n, size: BigInt(memMiB * MiB), type: 1 },
    { addr: BigInt(memMiB * MiB), size: 4n * 4096n, type: 2 },
  ];
  d.sharedInfoAddr = (ramPages + 2) * 4096;
  d.sharedInfoAbi = 'x86_64';
  maskAllVcpuInfo(d);
  hv.addDomain(d);
  hv.attachEventChannels(d);
  hv.startDomain(d);
  const v = d.vcpus[0];
  setupFlatMode(v.cpu, { mode: o.mode ?? 'long64', cpl: 0, pageTableBase: PT_BASE, paging: 'pae' });
  return { hv, d, v, events };
}

/** Machine frames below the domain's (Xen's: shared_info is frame 0). */
export const PV_XEN_FRAMES = 16;

/** A PV domain with `pages` pseudo-physical pages (pfn i at mfn PV_XEN_FRAMES + (i ^ 1)). */
export function makePv(bits: 64 | 32, o: MachineOptions & { pages?: number; machinePages?: number } = {}): TestMachine {
  const { hv, events } = withTrace(o);
  const d = newDomain(hv, o, 'pv', bits);
  const pages = o.pages ?? 512;
  const machine = o.machinePages ?? 1024;
  d.mem = new PhysicalMemory(machine * 4096);
  d.m2p = new Int32Array(machine).fill(-1);
  d.p2m = new Int32Array(pages).fill(-1);
  for (let pfn = 0; pfn < pages; pfn++) {
    const mfn = PV_XEN_FRAMES + (pfn ^ 1);
    d.p2m[pfn] = mfn;
    d.m2p[mfn] = pfn;
  }
  d.totPages = pages;
  d.maxPages = pages + 64;
  d.sharedInfoAddr = 0;
  d.sharedInfoAbi = bits === 64 ? 'x86_64' : 'x86_32';
  d.memoryMap = [{ addr: 0n, size: BigInt(pages * 4096), type: 1 }];
  maskAllVcpuInfo(d);
  hv.addDomain(d);
  hv.attachEventChannels(d);
  for (const v of d.vcpus) v.pv = new PvVcpuState();
  hv.startDomain(d);
  return { hv, d, v: d.vcpus[0], events };
}

/** Writes bytes into guest memory (physical = virtual in these machines). */
export function poke(m: TestMachine, addr: number, bytes: Uint8Array | number[]): void {
  m.d.mem.writeBytes(addr, bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes));
}

/** Register value as the caller's ABI returns it: 64-bit signed, or the low 32 bits sign-extended. */
export function retOf(v: Vcpu, compat: boolean): bigint {
  const rax = v.cpu.getReg(Reg.RAX);
  return compat ? BigInt.asIntN(32, rax) : BigInt.asIntN(64, rax);
}

/**
 * HVM: runs `vmcall; ud2` at CODE on vCPU 0 with the hypercall number and arguments in the registers of the
 * current mode, until the #UD after the call. Returns the result and the machine stop.
 */
export function hcall(m: TestMachine, nr: number, args: bigint[], v: Vcpu = m.v, budget = 1_000_000): { ret: bigint; stop: MachineStop } {
  const cpu = v.cpu;
  const compat = cpu.mode !== 'long64';
  // vmcall; ud2 with #UD intercepted: run() returns right after the hypercall (and any continuations),
  // leaving the vCPU up (a `hlt` with interrupts off would take it down, as Xen's hvm_hlt does).
  poke(m, CODE, [0x0f, 0x01, 0xc1, 0x0f, 0x0b]);
  m.hv.interceptForDebugger(v, 1 << 6);
  cpu.rip = BigInt(CODE);
  cpu.setReg(Reg.RAX, BigInt(nr));
  const regs = compat ? COMPAT_ARG_REGS : NATIVE_ARG_REGS;
  args.forEach((a, i) => cpu.setReg(regs[i], BigInt.asUintN(64, a)));
  v.blocked = false;
  cpu.halted = false;
  const stop = m.hv.run(budget);
  return { ret: retOf(v, compat), stop };
}

/** PV: dispatches the hypercall directly with the PV ABI's argument registers (syscall / int 0x82 length 2). */
export function pvcall(m: TestMachine, nr: number, args: bigint[], v: Vcpu = m.v): bigint {
  const cpu = v.cpu;
  const compat = v.domain.pvBits === 32;
  cpu.rip = BigInt(CODE + 2);
  cpu.setReg(Reg.RAX, BigInt(nr));
  const regs = compat ? COMPAT_ARG_REGS : NATIVE_ARG_REGS;
  args.forEach((a, i) => cpu.setReg(regs[i], BigInt.asUintN(64, a)));
  dispatchHypercall(m.hv, v, HYPERCALL_HANDLERS, 2);
  return retOf(v, compat);
}

/** Little-endian helpers over guest memory. */
export const rd32 = (m: TestMachine, a: number): number => m.d.mem.read32(a);
export const rd64 = (m: TestMachine, a: number): bigint => m.d.mem.read64(a);
export const wr32 = (m: TestMachine, a: number, v: number): void => m.d.mem.write32(a, v);
export const wr64 = (m: TestMachine, a: number, v: bigint): void => m.d.mem.write64(a, v);
/** Writes a xen_ulong_t array (8 or 4 bytes per element). */
export function writeUlongs(m: TestMachine, a: number, values: readonly (number | bigint)[], size: 8 | 4): void {
  values.forEach((x, i) => (size === 8 ? wr64(m, a + i * 8, BigInt(x)) : wr32(m, a + i * 4, Number(x))));
}
export function readUlongs(m: TestMachine, a: number, n: number, size: 8 | 4): bigint[] {
  return Array.from({ length: n }, (_, i) => (size === 8 ? rd64(m, a + i * 8) : BigInt(rd32(m, a + i * 4))));
}

/** Events of one kind (and optionally name). */
export const eventsOf = (m: TestMachine, kind: TraceEvent['kind'], name?: string): TraceEvent[] =>
  m.events.filter((e) => e.kind === kind && (name === undefined || e.name === name));
