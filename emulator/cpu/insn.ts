/** The decoded-instruction record, cached by physical address. Fixed shape for V8. */
import type { Cpu } from './cpu';

export type Handler = (cpu: Cpu, i: Insn) => void;
/** Computes a memory operand's linear address; returns the low 32 bits, leaves the high ones in cpu.eaHi. */
export type EaFn = (cpu: Cpu, i: Insn) => number;

export const FAST_JCC = 1;
export const FAST_ALU32 = 2;
export const FAST_ALU64 = 3;
/** mov between registers (89/8B with mod = 3), 32- or 64-bit by `size`. */
export const FAST_MOV = 4;

export class Insn {
  exec: Handler;
  ea: EaFn;
  /** Length in bytes. */
  len = 0;
  /** Decode mode this record is valid for (0: 16-bit, 1: 32-bit, 2: 64-bit code). */
  modeKey = 0;
  /** Operand size in bytes (1, 2, 4, 8). */
  size = 4;
  /** Address size in bytes (2, 4, 8). */
  addrSize = 4;
  /** ModRM.reg with REX.R, or the register encoded in the opcode; 8-bit high registers are 16..19. */
  reg = 0;
  /** ModRM.rm register with REX.B when mod = 3 (8-bit high registers are 16..19), else -1. */
  rm = -1;
  /** Memory operand parts: base/index register (-1 for none), scale shift, displacement, segment. */
  base = -1;
  index = -1;
  scale = 0;
  disp = 0;
  dispHi = 0;
  seg = 3;
  /** Immediate (sign-extended to 64 bits as lo/hi where the form does that), and a second one. */
  imm = 0;
  immHi = 0;
  imm2 = 0;
  /**
   * Non-zero: the 64-bit hot loop runs this instruction through a direct (inlinable) path instead
   * of the exec call: FAST_JCC, or FAST_ALU32/FAST_ALU64 for register-register ALU forms (op in
   * `aluOp`, destination `fastDst`, source `fastSrc`). exec stays the reference and does the same.
   */
  fast = 0;
  aluOp = 0;
  fastDst = 0;
  fastSrc = 0;
  /** VEX.vvvv register operand. */
  vreg = 0;
  /** 0: none, 1: REP/REPE (F3), 2: REPNE (F2). */
  rep = 0;
  lock = false;
  /** Primary opcode (map << 8 | byte) for reports. */
  opcode = 0;
  /** Condition code for jcc/setcc/cmovcc, or a sub-operation selector. */
  cc = 0;
  /** Instruction spans two pages: never cached. */
  crossesPage = false;
  mnemonic = '';

  constructor(exec: Handler, ea: EaFn) {
    this.exec = exec;
    this.ea = ea;
  }
}
