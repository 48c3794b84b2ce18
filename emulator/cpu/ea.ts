/**
 * Effective-address computation for ModRM memory operands, specialised by addressing form at
 * decode time. Each returns the linear address's low 32 bits and leaves the high bits in
 * cpu.eaHi. Segment bases apply to FS/GS only in 64-bit mode; in 32-bit modes a flat
 * segment is a no-op and anything else goes through the limit-checking slow path.
 */
import type { Cpu } from './cpu';
import type { EaFn, Insn } from './insn';

function seg32(cpu: Cpu, i: Insn, off: number): number {
  if (cpu.in64) {
    if (i.seg >= 4) {
      const base = cpu.segBaseLo[i.seg];
      const lo = (off + base) | 0;
      cpu.eaHi = (cpu.segBaseHi[i.seg] + ((lo >>> 0) < (off >>> 0) ? 1 : 0)) | 0;
      return lo;
    }
    cpu.eaHi = 0;
    return off;
  }
  cpu.eaHi = 0;
  if ((cpu.segFlatMask >> i.seg) & 1) return off;
  return cpu.segmentLinear(i.seg, off, i.size);
}

function seg64(cpu: Cpu, i: Insn, lo: number, hi: number): number {
  cpu.eaSeg = i.seg;
  if (i.seg >= 4) {
    const base = cpu.segBaseLo[i.seg];
    const r = (lo + base) | 0;
    cpu.eaHi = (hi + cpu.segBaseHi[i.seg] + ((r >>> 0) < (lo >>> 0) ? 1 : 0)) | 0;
    return r;
  }
  cpu.eaHi = hi;
  return lo;
}

// 32-bit address size.
const ea32Disp: EaFn = (cpu, i) => seg32(cpu, i, i.disp);
const ea32Base: EaFn = (cpu, i) => seg32(cpu, i, (cpu.regLo[i.base] + i.disp) | 0);
const ea32BaseIndex: EaFn = (cpu, i) => seg32(cpu, i, (cpu.regLo[i.base] + (cpu.regLo[i.index] << i.scale) + i.disp) | 0);
const ea32Index: EaFn = (cpu, i) => seg32(cpu, i, ((cpu.regLo[i.index] << i.scale) + i.disp) | 0);

// 16-bit address size: the sum wraps at 64 KiB.
const ea16: EaFn = (cpu, i) => {
  let a = i.disp;
  if (i.base >= 0) a += cpu.regLo[i.base];
  if (i.index >= 0) a += cpu.regLo[i.index];
  return seg32(cpu, i, a & 0xffff);
};

// 64-bit address size.
const ea64Base: EaFn = (cpu, i) => {
  const b = cpu.regLo[i.base];
  const lo = (b + i.disp) | 0;
  const carry = (lo >>> 0) < (b >>> 0) ? 1 : 0;
  return seg64(cpu, i, lo, (cpu.regHi[i.base] + i.dispHi + carry) | 0);
};
const ea64BaseIndex: EaFn = (cpu, i) => {
  const s = i.scale;
  const xLo = cpu.regLo[i.index], xHi = cpu.regHi[i.index];
  const sLo = xLo << s;
  const sHi = s === 0 ? xHi : (xHi << s) | (xLo >>> (32 - s));
  const b = cpu.regLo[i.base];
  let lo = (b + sLo) | 0;
  let hi = (cpu.regHi[i.base] + sHi + ((lo >>> 0) < (b >>> 0) ? 1 : 0)) | 0;
  const l2 = (lo + i.disp) | 0;
  hi = (hi + i.dispHi + ((l2 >>> 0) < (lo >>> 0) ? 1 : 0)) | 0;
  lo = l2;
  return seg64(cpu, i, lo, hi);
};
const ea64Index: EaFn = (cpu, i) => {
  const s = i.scale;
  const xLo = cpu.regLo[i.index], xHi = cpu.regHi[i.index];
  const sLo = xLo << s;
  const sHi = s === 0 ? xHi : (xHi << s) | (xLo >>> (32 - s));
  const lo = (sLo + i.disp) | 0;
  return seg64(cpu, i, lo, (sHi + i.dispHi + ((lo >>> 0) < (sLo >>> 0) ? 1 : 0)) | 0);
};
const ea64Disp: EaFn = (cpu, i) => seg64(cpu, i, i.disp, i.dispHi);
/** RIP-relative: relative to the next instruction, which is what RIP holds while a handler runs. */
const ea64Rip: EaFn = (cpu, i) => {
  const r = cpu.ripLo;
  const lo = (r + i.disp) | 0;
  return seg64(cpu, i, lo, (cpu.ripHi + i.dispHi + ((lo >>> 0) < (r >>> 0) ? 1 : 0)) | 0);
};
/** RIP-relative with a 67 prefix: the address is truncated to 32 bits. */
const ea32Rip: EaFn = (cpu, i) => seg64(cpu, i, (cpu.ripLo + i.disp) | 0, 0);

export const eaNone: EaFn = () => { throw new Error('instruction has no memory operand'); };

/** Picks the EA function for a decoded memory operand. */
export function selectEa(i: Insn, ripRelative: boolean): EaFn {
  if (i.addrSize === 2) return ea16;
  if (i.addrSize === 8) {
    if (ripRelative) return ea64Rip;
    if (i.base >= 0) return i.index >= 0 ? ea64BaseIndex : ea64Base;
    return i.index >= 0 ? ea64Index : ea64Disp;
  }
  if (ripRelative) return ea32Rip;
  if (i.base >= 0) return i.index >= 0 ? ea32BaseIndex : ea32Base;
  return i.index >= 0 ? ea32Index : ea32Disp;
}

/**
 * Linear address of seg:offset for implicit operands (stack, string instructions), with
 * 64-bit offsets. Returns lo, hi in cpu.eaHi.
 */
export function linearOf(cpu: Cpu, seg: number, offLo: number, offHi: number, size: number): number {
  if (cpu.in64) {
    cpu.eaSeg = seg;
    if (seg >= 4) {
      const lo = (offLo + cpu.segBaseLo[seg]) | 0;
      cpu.eaHi = (offHi + cpu.segBaseHi[seg] + ((lo >>> 0) < (offLo >>> 0) ? 1 : 0)) | 0;
      return lo;
    }
    cpu.eaHi = offHi;
    return offLo;
  }
  cpu.eaHi = 0;
  if ((cpu.segFlatMask >> seg) & 1) return offLo;
  return cpu.segmentLinear(seg, offLo, size);
}
