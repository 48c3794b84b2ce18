/**
 * Call stacks of a stopped vCPU: frame 0 from the core's registers, callers from the image's CFI (with the
 * reader's frame-pointer fallback), inlined subroutines as frames of their own. Each frame keeps the
 * FrameContext that locals, conditions and watch expressions are evaluated in.
 */
import type { Vcpu } from '../emulator/xen/vcpu';
import type { Arch, FrameContext, GuestSymbols, UnwoundFrame } from './symbols/model';
import { readRegister } from './scopes/registers';
import { readGuest, readGuestInto } from './memory';
import { DWARF_REGISTER_NAMES, dwarfToEmulatorRegister } from './symbols';

export interface GuestFrame {
  /** 0 = innermost. Inlined frames share their concrete frame's context. */
  index: number;
  pc: bigint;
  context: FrameContext;
  /** Function name (the inlined subroutine's for an inlined frame). */
  name: string;
  source?: { file: string; line: number; column: number };
  inlined: boolean;
}

const MAX_FRAMES = 64;

export function archOf(v: Vcpu): Arch {
  return v.cpu.mode === 'long64' ? 'x86_64' : 'i386';
}

/** Frame 0's context: every DWARF register read live from the core. */
export function innermostContext(v: Vcpu, arch: Arch = archOf(v)): FrameContext {
  const names = DWARF_REGISTER_NAMES[arch];
  return {
    arch,
    pc: v.cpu.rip,
    isReturnAddress: false,
    readRegister: (reg) => (names[reg] ? readRegister(v.cpu, names[reg])?.value : undefined),
    readMemory: (address, length) => {
      const b = readGuest(v, { space: 'virtual', address }, length);
      return b.length === length ? b : undefined;
    },
  };
}

/**
 * Frame 0's context frozen now: the registers and the stack from the stack pointer (as much as fits in `stack`,
 * a buffer the caller owns and must not reuse while the context is in use), so the stack can be unwound later,
 * after the guest ran on, for as far as those bytes reach. Other memory reads as unmapped.
 */
export function snapshotContext(v: Vcpu, stackBuffer: Uint8Array, arch: Arch = archOf(v)): FrameContext {
  // Straight from the core's GPRs (the hot path of the hypercall log); the pc column is RIP.
  const mask = arch === 'x86_64' ? (1n << 64n) - 1n : 0xffffffffn;
  const regs = DWARF_REGISTER_NAMES[arch].map((_n, i) => {
    const emu = dwarfToEmulatorRegister(arch, i);
    return emu === undefined ? v.cpu.rip & mask : v.cpu.getReg(emu) & mask;
  });
  const sp = regs[arch === 'x86_64' ? 7 : 4] ?? 0n;
  const stack = stackBuffer.subarray(0, readGuestInto(v, { space: 'virtual', address: sp }, stackBuffer));
  return {
    arch, pc: v.cpu.rip & mask, isReturnAddress: false,
    readRegister: (reg) => regs[reg],
    readMemory: (address, length) => {
      const off = address - sp;
      if (off < 0n || off + BigInt(length) > BigInt(stack.length)) return undefined;
      return stack.slice(Number(off), Number(off) + length);
    },
  };
}

function callerContext(inner: FrameContext, pc: bigint, regs: Map<number, bigint>): FrameContext {
  return { arch: inner.arch, pc, isReturnAddress: true, readRegister: (reg) => regs.get(reg), readMemory: inner.readMemory };
}

/** Unwinds a vCPU's stack (at most MAX_FRAMES concrete frames). Without symbols: frame 0 only. */
export function unwindStack(v: Vcpu, symbols: GuestSymbols | undefined, limit = MAX_FRAMES): GuestFrame[] {
  return unwindFrom(innermostContext(v), symbols, limit);
}

/** Unwinds from a frame-0 context (live, or a snapshot). */
export function unwindFrom(innermost: FrameContext, symbols: GuestSymbols | undefined, limit = MAX_FRAMES): GuestFrame[] {
  const frames: GuestFrame[] = [];
  let ctx = innermost;
  const seen = new Set<string>();
  for (let depth = 0; depth < limit; depth++) {
    const lookup = ctx.isReturnAddress ? ctx.pc - 1n : ctx.pc;
    const fn = safe(() => symbols?.functionAt(lookup));
    const src = safe(() => symbols?.sourceAt(lookup));
    const inl = safe(() => symbols?.inlinedAt(lookup)) ?? [];
    const sym = fn ? undefined : safe(() => symbols?.symbolAt(lookup));
    const concreteName = fn?.name ?? (sym ? (sym.offset === 0n ? sym.name : `${sym.name}+0x${(sym.offset + (ctx.isReturnAddress ? 1n : 0n)).toString(16)}`) : `0x${ctx.pc.toString(16)}`);
    // Inlined frames: the innermost shows the pc's own line, each outer one the call site of the one inside.
    let location = src ? { file: src.file, line: src.line, column: src.column } : undefined;
    for (const f of inl) {
      frames.push({ index: frames.length, pc: ctx.pc, context: ctx, name: f.name, source: location, inlined: true });
      location = f.callSite ? { ...f.callSite } : location;
    }
    frames.push({ index: frames.length, pc: ctx.pc, context: ctx, name: concreteName, source: location, inlined: false });
    if (!symbols) break;
    let up = safe(() => symbols.unwind(ctx));
    if (depth === 0 && !fn && (!up || !safe(() => symbols.functionAt(up!.pc - 1n)))) up = scanForReturn(ctx, symbols) ?? up;
    if (!up || up.pc === 0n) break;
    // A "return address" outside every known function and symbol is the end of the chain, not a frame.
    if (!safe(() => symbols.functionAt(up.pc - 1n)) && !safe(() => symbols.symbolAt(up.pc - 1n))) break;
    const key = `${up.pc}:${up.cfa}`;
    if (seen.has(key)) break;
    seen.add(key);
    ctx = callerContext(innermost, up.pc, up.registers);
  }
  return frames;
}

/**
 * Frame 0 in code without CFI or a frame pointer (an assembly stub such as the hypercall page, which pushes
 * rcx and r11 around its syscall): the first stack word that returns into a known C function is taken as the
 * return address. Only callee-saved registers the stub did not touch (all but the stack pointer) carry over.
 */
export function scanForReturn(ctx: FrameContext, symbols: GuestSymbols): UnwoundFrame | undefined {
  const word = ctx.arch === 'x86_64' ? 8 : 4;
  const spReg = ctx.arch === 'x86_64' ? 7 : 4;
  const sp = ctx.readRegister(spReg);
  if (sp === undefined) return undefined;
  for (let i = 0; i < 8; i++) {
    const at = sp + BigInt(i * word);
    const b = ctx.readMemory(at, word);
    if (!b) return undefined;
    let ret = 0n;
    for (let k = word - 1; k >= 0; k--) ret = (ret << 8n) | BigInt(b[k]);
    if (ret === 0n || !safe(() => symbols.functionAt(ret - 1n)) || !safe(() => symbols.sourceAt(ret - 1n))) continue;
    const cfa = at + BigInt(word);
    const registers = new Map<number, bigint>();
    const names = DWARF_REGISTER_NAMES[ctx.arch];
    for (let r = 0; r < names.length - 1; r++) {
      const v = ctx.readRegister(r);
      if (v !== undefined) registers.set(r, v);
    }
    registers.set(spReg, cfa);
    return { pc: ret, registers, cfa, method: 'frame-pointer' };
  }
  return undefined;
}

function safe<T>(f: () => T): T | undefined {
  try { return f(); } catch { return undefined; }
}
