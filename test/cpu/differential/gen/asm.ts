/**
 * A tiny x86 encoder for the generator: legacy prefixes, REX, opcode, ModRM/SIB/displacement and
 * immediate. It is deliberately independent of the emulator's opcode table (this is the oracle).
 */
import type { Bits } from '../test-case';

/** Byte-register numbers for AH, CH, DH, BH (encoded as 4..7 without REX). */
export const AH = 16, CH = 17, DH = 18, BH = 19;

/** A memory operand as produced by ItemGen.mem(). */
export interface Mem {
  mod: number;
  rm: number;
  sib?: number;
  dispSize: 0 | 1 | 2 | 4;
  disp: bigint;
  rexB: boolean;
  rexX: boolean;
  /** Needs an address-size (67) prefix. */
  asz67: boolean;
  /** Segment-override prefix byte, if any. */
  seg?: number;
  /** For RIP-relative operands: the wanted offset (segment-relative); the disp is fixed at encode time. */
  ripOffset?: bigint;
  /** Linear address the operand resolves to (for patches and documentation). */
  ea: bigint;
  /** Address-size in bits (16, 32, 64). */
  asz: number;
}

export interface Insn {
  /** Legacy prefixes (66, F2, F3, F0) as the template wants them; 67 and segment come from `rm`. */
  pfx?: number[];
  /** REX.W */
  w?: boolean;
  /** Emit a REX prefix even if no bit is needed (0x40). */
  rex?: boolean;
  op: number[];
  /** ModRM.reg: a register number (0..15, or AH..BH when `byteRegs`). */
  reg?: number;
  /** ModRM.reg as an opcode extension (/digit). */
  ext?: number;
  /** ModRM.rm: a register number or a memory operand. */
  rm?: number | Mem;
  /** Register in the low 3 bits of the last opcode byte. */
  opReg?: number;
  imm?: number[];
  /** reg/rm/opReg name byte registers (4..7 = SPL..DIL with REX, AH..BH as 16..19); 'rm': only rm does. */
  byteRegs?: boolean | 'rm';
  /** Put a REX prefix before the legacy prefixes (where the CPU ignores it). */
  strayRex?: number;
  /** VEX-encode: map 1=0F 2=0F38 3=0F3A, pp 0=none 1=66 2=F3 3=F2, vvvv register, L. `op` is the opcode byte. */
  vex?: { map: number; pp: number; vvvv: number; l?: number };
}

export class EncodeError extends Error {}

function isMem(x: number | Mem | undefined): x is Mem {
  return typeof x === 'object';
}

/** Encodes `insn` at linear address `pc`. `order` optionally permutes the legacy prefixes. */
export function encode(insn: Insn, bits: Bits, pc: bigint, order?: (xs: number[]) => number[]): number[] {
  const legacy = [...(insn.pfx ?? [])];
  const m = isMem(insn.rm) ? insn.rm : undefined;
  if (m?.asz67) legacy.push(0x67);
  if (m?.seg !== undefined) legacy.push(m.seg);
  const pre = order ? order(legacy) : legacy;

  let rex = 0;
  let needRex = !!insn.rex;
  let forbidRex = false;
  const byteReg = (r: number, field: 'reg' | 'rm'): number => {
    if (!insn.byteRegs || (insn.byteRegs === 'rm' && field !== 'rm')) return r;
    if (r >= AH) { forbidRex = true; return r - AH + 4; }
    if (r >= 4 && r <= 7) needRex = true;
    return r;
  };
  if (insn.w) rex |= 8;
  let regField = 0;
  if (insn.reg !== undefined) {
    const r = byteReg(insn.reg, 'reg');
    if (r >= 8) rex |= 4;
    regField = r & 7;
  } else if (insn.ext !== undefined) {
    regField = insn.ext;
  }
  let rmReg: number | undefined;
  if (insn.rm !== undefined && !m) {
    rmReg = byteReg(insn.rm as number, 'rm');
    if (rmReg >= 8) rex |= 1;
  }
  if (m) {
    if (m.rexB) rex |= 1;
    if (m.rexX) rex |= 2;
  }
  const op = [...insn.op];
  if (insn.opReg !== undefined) {
    const r = byteReg(insn.opReg, 'reg');
    if (r >= 8) rex |= 1;
    op[op.length - 1] |= r & 7;
  }
  if (rex !== 0) needRex = true;
  if (needRex && bits === 32 && !insn.vex) throw new EncodeError('REX in 32-bit mode');
  if (insn.vex && bits === 32 && (rex & 7) !== 0) throw new EncodeError('VEX.RXB in 32-bit mode');
  if (insn.vex && insn.vex.vvvv >= 8 && bits === 32) throw new EncodeError('VEX.vvvv in 32-bit mode');
  if (needRex && forbidRex) throw new EncodeError('AH..BH with REX');

  const out: number[] = [];
  if (insn.strayRex !== undefined) out.push(insn.strayRex);
  out.push(...pre);
  if (insn.vex) {
    const v = insn.vex;
    const r = (rex >> 2) & 1, x = (rex >> 1) & 1, b = rex & 1, w = (rex >> 3) & 1;
    const tail = (((~v.vvvv) & 15) << 3) | ((v.l ?? 0) << 2) | v.pp;
    if (v.map === 1 && !x && !b && !w) out.push(0xc5, ((r ^ 1) << 7) | tail);
    else out.push(0xc4, ((r ^ 1) << 7) | ((x ^ 1) << 6) | ((b ^ 1) << 5) | v.map, (w << 7) | tail);
  } else if (needRex) out.push(0x40 | rex);
  out.push(...op);
  if (insn.rm !== undefined) {
    if (m) {
      out.push((m.mod << 6) | (regField << 3) | m.rm);
      if (m.sib !== undefined) out.push(m.sib);
    } else {
      out.push(0xc0 | (regField << 3) | (rmReg! & 7));
    }
  }
  const dispAt = out.length;
  if (m) for (let i = 0; i < m.dispSize; i++) out.push(Number((m.disp >> BigInt(8 * i)) & 0xffn));
  if (insn.imm) out.push(...insn.imm);
  if (m?.ripOffset !== undefined) {
    const next = pc + BigInt(out.length);
    const d = m.ripOffset - next;
    const wrapped = BigInt.asIntN(m.asz === 32 ? 32 : 64, d);
    if (wrapped < -(1n << 31n) || wrapped >= 1n << 31n) throw new EncodeError('rip-relative out of range');
    for (let i = 0; i < 4; i++) out[dispAt + i] = Number((BigInt.asUintN(32, wrapped) >> BigInt(8 * i)) & 0xffn);
  }
  return out;
}

/** Size prefix / REX.W for an operand size with a 32-bit default. */
export function sizeFields(size: number): { pfx: number[]; w: boolean } {
  return size === 16 ? { pfx: [0x66], w: false } : { pfx: [], w: size === 64 };
}
