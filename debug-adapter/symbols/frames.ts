/**
 * FrameContexts over a stopped vCPU and whole-stack unwinding, for the session. The vCPU is described
 * structurally (getReg with the emulator's ModRM numbering, rip, readVirtual), so nothing here imports the
 * emulator.
 */
import { Arch, FrameContext, GuestSymbols, UnwoundFrame } from './model';
import { archRegisters, dwarfToEmulatorRegister } from './registers';

/** What a stopped vCPU offers (the emulator's Cpu satisfies it). */
export interface VcpuRegisterSource {
  /** General-purpose register by the emulator's number (0 rax, 1 rcx, 2 rdx, 3 rbx, 4 rsp, 5 rbp, 6 rsi, 7 rdi, 8–15 r8–r15). */
  getReg(i: number): bigint;
  readonly rip: bigint;
  /** Throws when unmapped. */
  readVirtual(addr: bigint, len: number): Uint8Array;
}

/** The innermost frame of a stopped vCPU. i386 registers are cut to 32 bits. */
export function vcpuFrame(arch: Arch, cpu: VcpuRegisterSource): FrameContext {
  const mask = arch === 'i386' ? 0xffffffffn : 0xffffffffffffffffn;
  const pcReg = archRegisters(arch).pc;
  const pc = cpu.rip & mask;
  return {
    arch, pc, isReturnAddress: false,
    readRegister: (r) => {
      if (r === pcReg) return pc;
      const e = dwarfToEmulatorRegister(arch, r);
      return e === undefined ? undefined : cpu.getReg(e) & mask;
    },
    readMemory: (a, n) => {
      try { return cpu.readVirtual(a & mask, n); } catch { return undefined; }
    },
  };
}

/** The caller's frame from an unwind step (its pc is a return address). */
export function callerFrame(up: UnwoundFrame, inner: FrameContext): FrameContext {
  return {
    arch: inner.arch, pc: up.pc, isReturnAddress: true,
    readRegister: (r) => up.registers.get(r),
    readMemory: inner.readMemory,
  };
}

export interface StackFrame {
  frame: FrameContext;
  /** How this frame was reached from the one below it (undefined for the innermost). */
  method?: UnwoundFrame['method'];
  /** The pc to look up lines, functions and variables with (pc - 1 for caller frames). */
  lookupPc: bigint;
}

/**
 * Unwinds from `innermost` until the symbols find no caller, the stack pointer stops growing (a loop or a
 * corrupt stack), or `maxFrames` frames.
 */
export function unwindStack(sym: GuestSymbols, innermost: FrameContext, maxFrames = 64): StackFrame[] {
  const out: StackFrame[] = [{ frame: innermost, lookupPc: innermost.pc }];
  const sp = archRegisters(innermost.arch).sp;
  let frame = innermost;
  let lastCfa: bigint | undefined;
  while (out.length < maxFrames) {
    const up = sym.unwind(frame);
    if (!up) break;
    const spBefore = frame.readRegister(sp);
    if (lastCfa !== undefined && up.cfa <= lastCfa) break;
    if (spBefore !== undefined && up.cfa < spBefore) break;
    lastCfa = up.cfa;
    frame = callerFrame(up, frame);
    out.push({ frame, method: up.method, lookupPc: up.pc - 1n });
  }
  return out;
}
