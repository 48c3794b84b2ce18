/**
 * Issue hypercalls from a real guest context without writing a guest for each case: boot the minimal HVM
 * image, put `vmcall; ud2` in guest RAM, set the argument registers and run. The vCPU can be in 32-bit
 * protected mode (compat ABI) or 64-bit long mode (flat identity-mapped page tables at 4 MiB).
 */
import { Reg } from '../../emulator/cpu/api-types';
import { setupFlatMode } from '../../emulator/cpu/flat-setup';
import { resolveMachineOptions } from '../../emulator/config/launch-options';
import { createMachine, Machine } from '../../emulator/machine';
import type { MachineStop } from '../../emulator/xen/hypervisor';
import { TraceBus, TraceEvent } from '../../emulator/xen/trace';
import { buildTestGuest } from './build-guest';

/** Where the harness places its code and scratch data (inside the guest's RAM, away from the image). */
export const CODE_AT = 0x300000;
export const SCRATCH = 0x310000;

export interface HarnessOptions {
  mode?: 'hvm32' | 'hvm64';
  xenVersion?: string;
  preemption?: unknown;
  memoryMiB?: number;
  vcpus?: number;
}

export interface Harness extends Machine {
  events: TraceEvent[];
  /** Executes one hypercall; returns rax (as the guest sees it: 32-bit for hvm32) and why the run stopped. */
  call(nr: number, args?: (number | bigint)[], budget?: number): { ret: bigint; stop: MachineStop };
  /** Writes bytes into guest RAM at a physical (= virtual, identity-mapped) address. */
  poke(addr: number, bytes: Uint8Array | number[]): void;
  peek(addr: number, len: number): Uint8Array;
  readonly mode: 'hvm32' | 'hvm64';
}

export function createHarness(opts: HarnessOptions = {}): Harness {
  const trace = new TraceBus();
  const events: TraceEvent[] = [];
  trace.subscribe((e) => events.push(e));
  const m = createMachine(resolveMachineOptions({
    kernel: buildTestGuest('hvm-smoke'), guestType: 'hvm', xenVersion: opts.xenVersion, preemption: opts.preemption,
    memoryMiB: opts.memoryMiB ?? 16, vcpus: opts.vcpus,
  }), { trace });
  const mode = opts.mode ?? 'hvm32';
  const cpu = m.domain.vcpus[0].cpu;
  if (mode === 'hvm64') setupFlatMode(cpu, { mode: 'long64', cpl: 0, pageTableBase: 0x400000, identityMapBytes: 8 << 20 });
  const mem = m.domain.mem;
  const regs = mode === 'hvm64' ? [Reg.RDI, Reg.RSI, Reg.RDX, Reg.R10, Reg.R8] : [Reg.RBX, Reg.RCX, Reg.RDX, Reg.RSI, Reg.RDI];
  return {
    ...m,
    events,
    mode,
    call(nr, args = [], budget = 100_000) {
      // vmcall; ud2 — the #UD is intercepted, so run() returns after the hypercall with the machine intact
      // (a `hlt` with interrupts off would take the vCPU down, as Xen's hvm_hlt does).
      mem.writeBytes(CODE_AT, new Uint8Array([0x0f, 0x01, 0xc1, 0x0f, 0x0b]));
      m.hv.interceptForDebugger(m.domain.vcpus[0], 1 << 6);
      cpu.rip = BigInt(CODE_AT);
      cpu.setReg(Reg.RAX, BigInt(nr));
      args.forEach((a, i) => cpu.setReg(regs[i], BigInt.asUintN(64, BigInt(a))));
      const v = m.domain.vcpus[0];
      v.blocked = false;
      cpu.halted = false;
      const stop = m.hv.run(budget);
      const raw = cpu.getReg(Reg.RAX);
      return { ret: mode === 'hvm32' ? BigInt.asIntN(32, raw) : BigInt.asIntN(64, raw), stop };
    },
    poke(addr, bytes) { mem.writeBytes(addr, Uint8Array.from(bytes)); },
    peek(addr, len) { return mem.readBytes(addr, len); },
  };
}
