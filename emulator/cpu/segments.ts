/**
 * Protected-mode segmentation: descriptor fetch, segment-register loads with their
 * privilege and type checks, and far jmp/call/ret including call gates (SDM vol. 3 ch. 3, 5).
 */
import type { Cpu } from './cpu';
import {
  ATTR_DB, ATTR_L, ATTR_P, ATTR_S, ATTR_TYPE_ACCESSED, ATTR_TYPE_CODE, ATTR_TYPE_EC, ATTR_TYPE_WR, ATTR_UNUSABLE,
  CS, DS, ES, FS, GS, LDTR, NP, SS, SS_VEC, SYS_CALL_GATE, SYS_CALL_GATE16, SYS_LDT, SYS_TSS_AVAIL, SYS_TSS16_AVAIL, TR,
} from './constants';
import { CpuFault, gp, np } from './fault';
import { peek, push, setSp, stackCommit } from './ops/stack';

/** A descriptor as read from a table: attributes in the API layout, 64-bit base for system descriptors. */
export interface Descriptor {
  lo: number;
  hi: number;
  baseLo: number;
  baseHi: number;
  limit: number;
  attr: number;
  dpl: number;
  /** Linear address of the descriptor (for setting the accessed/busy bits). */
  addrLo: number;
  addrHi: number;
}

export function attrDpl(attr: number): number { return (attr >> 5) & 3; }

/** Reads the descriptor for a selector; throws fault(selector & ~3) when it is outside the table. */
export function readDescriptor(cpu: Cpu, sel: number, vector = 13, ext = 0): Descriptor {
  const ti = (sel & 4) !== 0;
  let baseLo: number, baseHi: number, limit: number;
  if (ti) {
    if (cpu.segAttr[LDTR] & ATTR_UNUSABLE || cpu.segSel[LDTR] === 0) throw new CpuFault(vector, (sel & 0xfffc) | ext);
    baseLo = cpu.segBaseLo[LDTR]; baseHi = cpu.segBaseHi[LDTR]; limit = cpu.segLimit[LDTR];
  } else { baseLo = cpu.gdtBaseLo; baseHi = cpu.gdtBaseHi; limit = cpu.gdtLimit; }
  const off = sel & 0xfff8;
  if (off + 7 > limit) throw new CpuFault(vector, (sel & 0xfffc) | ext);
  const aLo = cpu.addLinear(baseLo, baseHi, off), aHi = cpu.eaHi;
  const lo = cpu.sysRead(aLo, aHi, 4);
  const a2 = cpu.addLinear(aLo, aHi, 4);
  const hi = cpu.sysRead(a2, cpu.eaHi, 4);
  return decodeDescriptor(lo, hi, aLo, aHi);
}

export function decodeDescriptor(lo: number, hi: number, addrLo = 0, addrHi = 0): Descriptor {
  const base = ((lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000)) | 0;
  let limit = (lo & 0xffff) | (hi & 0xf0000);
  const attr = (hi >>> 8) & 0xf0ff;
  if (attr & 0x8000) limit = limit * 4096 + 4095; // G
  return { lo, hi, baseLo: base, baseHi: 0, limit, attr, dpl: attrDpl(attr), addrLo, addrHi };
}

/** Reads the upper 8 bytes of a 16-byte system descriptor (long mode) into baseHi. */
function readSystemHigh(cpu: Cpu, d: Descriptor): void {
  const a = cpu.addLinear(d.addrLo, d.addrHi, 8);
  d.baseHi = cpu.sysRead(a, cpu.eaHi, 4);
}

function setAccessed(cpu: Cpu, d: Descriptor): void {
  if (!(d.attr & ATTR_S) || (d.attr & ATTR_TYPE_ACCESSED)) return;
  d.attr |= ATTR_TYPE_ACCESSED;
  const a = cpu.addLinear(d.addrLo, d.addrHi, 4);
  cpu.sysWrite(a, cpu.eaHi, 4, d.hi | 0x100);
}

/** Loads the hidden part of a segment register directly. */
export function loadSegmentCache(cpu: Cpu, seg: number, sel: number, d: Descriptor | null): void {
  cpu.segSel[seg] = sel & 0xffff;
  if (d === null) {
    cpu.segBaseLo[seg] = 0; cpu.segBaseHi[seg] = 0; cpu.segLimit[seg] = 0;
    cpu.segAttr[seg] = ATTR_UNUSABLE;
  } else {
    cpu.segBaseLo[seg] = d.baseLo; cpu.segBaseHi[seg] = seg >= LDTR ? d.baseHi : 0;
    cpu.segLimit[seg] = d.limit;
    cpu.segAttr[seg] = d.attr;
  }
  if (seg === CS) cpu.cpl = sel & 3;
  cpu.updateMode();
}

/** mov/pop to a data segment register or SS, with the protected-mode checks. */
export function loadDataSegment(cpu: Cpu, seg: number, sel: number): void {
  sel &= 0xffff;
  if (!(cpu.cr0 & 1)) { realModeLoad(cpu, seg, sel); return; }
  if ((sel & 0xfffc) === 0) {
    // A null selector: fine for data segments; SS only at CPL < 3 in 64-bit mode.
    if (seg === SS && !(cpu.in64 && cpu.cpl !== 3 && (sel & 3) === cpu.cpl)) throw gp(0, 'null SS');
    loadSegmentCache(cpu, seg, sel, null);
    if (seg === SS) cpu.segAttr[SS] |= (cpu.cpl << 5);
    return;
  }
  const d = readDescriptor(cpu, sel);
  const rpl = sel & 3, dpl = d.dpl, cpl = cpu.cpl;
  if (!(d.attr & ATTR_S)) throw gp(sel & 0xfffc, 'system descriptor in a data segment register');
  if (seg === SS) {
    if (rpl !== cpl || dpl !== cpl || (d.attr & ATTR_TYPE_CODE) || !(d.attr & ATTR_TYPE_WR)) throw gp(sel & 0xfffc, 'bad SS');
    if (!(d.attr & ATTR_P)) throw new CpuFault(SS_VEC, sel & 0xfffc);
  } else {
    const code = (d.attr & ATTR_TYPE_CODE) !== 0;
    if (code && !(d.attr & ATTR_TYPE_WR)) throw gp(sel & 0xfffc, 'execute-only code segment');
    if (!code || !(d.attr & ATTR_TYPE_EC)) {
      if (Math.max(cpl, rpl) > dpl) throw gp(sel & 0xfffc, 'segment privilege');
    }
    if (!(d.attr & ATTR_P)) throw np(sel & 0xfffc);
  }
  setAccessed(cpu, d);
  loadSegmentCache(cpu, seg, sel, d);
}

function realModeLoad(cpu: Cpu, seg: number, sel: number): void {
  cpu.segSel[seg] = sel;
  cpu.segBaseLo[seg] = sel << 4;
  cpu.segBaseHi[seg] = 0;
  cpu.updateMode();
}

/** Checks a code-segment descriptor as a far jmp/call target. Returns the new CPL. */
function checkCodeTarget(cpu: Cpu, sel: number, d: Descriptor): number {
  const rpl = sel & 3, cpl = cpu.cpl;
  if (!(d.attr & ATTR_TYPE_CODE)) throw gp(sel & 0xfffc, 'far transfer to a non-code segment');
  if (d.attr & ATTR_TYPE_EC) { if (d.dpl > cpl) throw gp(sel & 0xfffc, 'conforming code DPL > CPL'); }
  else if (rpl > cpl || d.dpl !== cpl) throw gp(sel & 0xfffc, 'non-conforming code privilege');
  if (!(d.attr & ATTR_P)) throw np(sel & 0xfffc);
  if (cpu.longMode && (d.attr & ATTR_L) && (d.attr & ATTR_DB)) throw gp(sel & 0xfffc, 'L and D both set');
  return cpl;
}

/** Commits a new CS (with RPL = cpl) and RIP. */
function commitCs(cpu: Cpu, sel: number, d: Descriptor, cpl: number, ripLo: number, ripHi: number): void {
  setAccessed(cpu, d);
  loadSegmentCache(cpu, CS, (sel & 0xfffc) | cpl, d);
  cpu.ripLo = ripLo;
  cpu.ripHi = cpu.in64 ? ripHi : 0;
}

interface GateTarget { sel: number; offLo: number; offHi: number; params: number; gate32: boolean }

function readCallGate(cpu: Cpu, sel: number, d: Descriptor): GateTarget {
  const type = d.attr & 0xf;
  if (cpu.longMode ? type !== SYS_CALL_GATE : type !== SYS_CALL_GATE && type !== SYS_CALL_GATE16) {
    throw gp(sel & 0xfffc, 'unsupported system descriptor in a far transfer');
  }
  if (d.dpl < cpu.cpl || d.dpl < (sel & 3)) throw gp(sel & 0xfffc, 'call gate privilege');
  if (!(d.attr & ATTR_P)) throw np(sel & 0xfffc);
  let offLo = (d.lo & 0xffff) | (type === SYS_CALL_GATE ? d.hi & 0xffff0000 : 0);
  let offHi = 0;
  if (cpu.longMode) {
    const a = cpu.addLinear(d.addrLo, d.addrHi, 8);
    offHi = cpu.sysRead(a, cpu.eaHi, 4);
    const a2 = cpu.addLinear(d.addrLo, d.addrHi, 12);
    if ((cpu.sysRead(a2, cpu.eaHi, 4) >>> 8) & 0x1f) throw gp(sel & 0xfffc, 'bad upper half of a 64-bit call gate');
  }
  offLo |= 0;
  return { sel: d.lo >>> 16, offLo, offHi, params: d.hi & 0x1f, gate32: type === SYS_CALL_GATE };
}

/** Far jmp to sel:off (off lo/hi). */
export function farJump(cpu: Cpu, sel: number, offLo: number, offHi: number, size: number): void {
  sel &= 0xffff;
  if ((sel & 0xfffc) === 0) throw gp(0, 'far jump to a null selector');
  let d = readDescriptor(cpu, sel);
  if (d.attr & ATTR_S) {
    const cpl = checkCodeTarget(cpu, sel, d);
    const t = targetOffset(cpu, d, offLo, offHi, size);
    commitCs(cpu, sel, d, cpl, t, cpu.eaHi);
    return;
  }
  const g = readCallGate(cpu, sel, d);
  d = readDescriptor(cpu, g.sel);
  if (!(d.attr & ATTR_TYPE_CODE) || (!(d.attr & ATTR_TYPE_EC) && d.dpl !== cpu.cpl) || d.dpl > cpu.cpl) {
    throw gp(g.sel & 0xfffc, 'call gate target privilege');
  }
  if (!(d.attr & ATTR_P)) throw np(g.sel & 0xfffc);
  const t = targetOffset(cpu, d, g.offLo, g.offHi, g.gate32 ? (cpu.longMode ? 8 : 4) : 2);
  commitCs(cpu, g.sel, d, cpu.cpl, t, cpu.eaHi);
}

/** Validates the offset against the target segment (limit, or canonical for a 64-bit target). */
function targetOffset(cpu: Cpu, d: Descriptor, offLo: number, offHi: number, size: number): number {
  if (cpu.longMode && (d.attr & ATTR_L)) {
    if (size !== 8) offHi = 0;
    if (((offHi << 16) >> 16) !== offHi) throw gp(0, 'non-canonical far target');
    cpu.eaHi = offHi;
    return offLo;
  }
  if (size === 2) offLo &= 0xffff;
  if ((offLo >>> 0) > d.limit) throw gp(0, 'far target beyond the segment limit');
  cpu.eaHi = 0;
  return offLo;
}

/** Far call to sel:off. Pushes CS and the return RIP at the operand size; call gates may switch stacks. */
export function farCall(cpu: Cpu, sel: number, offLo: number, offHi: number, size: number): void {
  sel &= 0xffff;
  if ((sel & 0xfffc) === 0) throw gp(0, 'far call to a null selector');
  let d = readDescriptor(cpu, sel);
  const retLo = cpu.ripLo, retHi = cpu.ripHi, oldCs = cpu.segSel[CS];
  const spLo = cpu.regLo[4], spHi = cpu.regHi[4];
  if (d.attr & ATTR_S) {
    const cpl = checkCodeTarget(cpu, sel, d);
    const t = targetOffset(cpu, d, offLo, offHi, size), tHi = cpu.eaHi;
    try {
      push(cpu, size, oldCs);
      push(cpu, size, retLo, retHi);
    } catch (e) { cpu.regLo[4] = spLo; cpu.regHi[4] = spHi; throw e; }
    commitCs(cpu, sel, d, cpl, t, tHi);
    return;
  }
  const g = readCallGate(cpu, sel, d);
  if ((g.sel & 0xfffc) === 0) throw gp(0, 'call gate to a null selector');
  d = readDescriptor(cpu, g.sel);
  if (!(d.attr & ATTR_S) || !(d.attr & ATTR_TYPE_CODE) || d.dpl > cpu.cpl) throw gp(g.sel & 0xfffc, 'call gate target');
  if (!(d.attr & ATTR_P)) throw np(g.sel & 0xfffc);
  const gateSize = cpu.longMode ? 8 : g.gate32 ? 4 : 2;
  const t = targetOffset(cpu, d, g.offLo, g.offHi, gateSize), tHi = cpu.eaHi;
  if (!(d.attr & ATTR_TYPE_EC) && d.dpl < cpu.cpl) {
    callGateInner(cpu, g, d, gateSize, t, tHi, oldCs, retLo, retHi);
    return;
  }
  try {
    push(cpu, gateSize, oldCs);
    push(cpu, gateSize, retLo, retHi);
  } catch (e) { cpu.regLo[4] = spLo; cpu.regHi[4] = spHi; throw e; }
  commitCs(cpu, g.sel, d, cpu.cpl, t, tHi);
}

/** Call through a gate to a more privileged level: new stack from the TSS, parameters copied. */
function callGateInner(cpu: Cpu, g: GateTarget, d: Descriptor, size: number, tLo: number, tHi: number,
  oldCs: number, retLo: number, retHi: number): void {
  const newCpl = d.dpl;
  const oldSs = cpu.segSel[SS], oldSpLo = cpu.regLo[4], oldSpHi = cpu.regHi[4];
  const params: number[] = [];
  if (!cpu.longMode) for (let k = g.params - 1; k >= 0; k--) params.push(peek(cpu, size, k * size));
  const { ssSel, spLo, spHi } = tssStack(cpu, newCpl);
  // Snapshot segment state so a fault while pushing leaves everything as it was.
  const saved = saveSegState(cpu);
  try {
    if (cpu.longMode) {
      loadSegmentCache(cpu, SS, newCpl, null);
      cpu.segAttr[SS] |= newCpl << 5;
      cpu.cpl = newCpl;
      cpu.updateMode();
      cpu.regLo[4] = spLo; cpu.regHi[4] = spHi;
    } else {
      const sd = checkNewSs(cpu, ssSel, newCpl);
      cpu.cpl = newCpl;
      loadSegmentCache(cpu, SS, ssSel, sd);
      setSp(cpu, spLo, 0);
    }
    push(cpu, size, oldSs);
    push(cpu, size, oldSpLo, oldSpHi);
    for (const p of params) push(cpu, size, p);
    push(cpu, size, oldCs);
    push(cpu, size, retLo, retHi);
  } catch (e) {
    restoreSegState(cpu, saved);
    throw e;
  }
  commitCs(cpu, g.sel, d, newCpl, tLo, tHi);
}

export function saveSegState(cpu: Cpu): { regs: number[]; cpl: number; sp: [number, number] } {
  const regs: number[] = [];
  for (let s = 0; s < 8; s++) regs.push(cpu.segSel[s], cpu.segBaseLo[s], cpu.segBaseHi[s], cpu.segLimit[s], cpu.segAttr[s]);
  return { regs, cpl: cpu.cpl, sp: [cpu.regLo[4], cpu.regHi[4]] };
}

export function restoreSegState(cpu: Cpu, s: { regs: number[]; cpl: number; sp: [number, number] }): void {
  for (let k = 0; k < 8; k++) {
    cpu.segSel[k] = s.regs[k * 5]; cpu.segBaseLo[k] = s.regs[k * 5 + 1]; cpu.segBaseHi[k] = s.regs[k * 5 + 2];
    cpu.segLimit[k] = s.regs[k * 5 + 3]; cpu.segAttr[k] = s.regs[k * 5 + 4];
  }
  cpu.cpl = s.cpl;
  cpu.regLo[4] = s.sp[0]; cpu.regHi[4] = s.sp[1];
  cpu.updateMode();
}

/** Stack for privilege level `cpl` from the current TSS (32-bit or 64-bit layout). */
export function tssStack(cpu: Cpu, cpl: number, ist = 0): { ssSel: number; spLo: number; spHi: number } {
  const attrType = cpu.segAttr[TR] & 0xf;
  const base = cpu.segBaseLo[TR], baseHi = cpu.segBaseHi[TR], limit = cpu.segLimit[TR];
  const read = (off: number, size: number): number => {
    if (off + size - 1 > limit) throw new CpuFault(10, cpu.segSel[TR] & 0xfffc);
    const a = cpu.addLinear(base, baseHi, off);
    return cpu.sysRead(a, cpu.eaHi, size);
  };
  if (cpu.longMode) {
    const off = ist ? 36 + (ist - 1) * 8 : 4 + cpl * 8;
    return { ssSel: 0, spLo: read(off, 4), spHi: read(off + 4, 4) };
  }
  if (attrType === SYS_TSS16_AVAIL || attrType === 3) {
    return { ssSel: read(4 + cpl * 4, 2), spLo: read(2 + cpl * 4, 2), spHi: 0 };
  }
  return { ssSel: read(8 + cpl * 8, 2), spLo: read(4 + cpl * 8, 4), spHi: 0 };
}

/** Validates the SS selector taken from a TSS for an inner-privilege transfer (#TS on failure). */
export function checkNewSs(cpu: Cpu, sel: number, cpl: number, ext = 0): Descriptor {
  if ((sel & 0xfffc) === 0) throw new CpuFault(10, ext);
  const d = readDescriptor(cpu, sel, 10, ext);
  if ((sel & 3) !== cpl || d.dpl !== cpl || !(d.attr & ATTR_S) || (d.attr & ATTR_TYPE_CODE) || !(d.attr & ATTR_TYPE_WR)) {
    throw new CpuFault(10, (sel & 0xfffc) | ext);
  }
  if (!(d.attr & ATTR_P)) throw new CpuFault(SS_VEC, (sel & 0xfffc) | ext);
  return d;
}

/** Far return (lret / retf imm16). */
export function farReturn(cpu: Cpu, size: number, imm: number): void {
  const ripLo = peek(cpu, size, 0), ripHi = size === 8 ? cpu.tmpHi : 0;
  const sel = peek(cpu, size, size) & 0xffff;
  if ((sel & 0xfffc) === 0) throw gp(0, 'far return to a null selector');
  const d = readDescriptor(cpu, sel);
  const rpl = sel & 3;
  if (!(d.attr & ATTR_S) || !(d.attr & ATTR_TYPE_CODE) || rpl < cpu.cpl) throw gp(sel & 0xfffc, 'far return privilege');
  if ((d.attr & ATTR_TYPE_EC) ? d.dpl > rpl : d.dpl !== rpl) throw gp(sel & 0xfffc, 'far return code segment DPL');
  if (!(d.attr & ATTR_P)) throw np(sel & 0xfffc);
  const t = targetOffset(cpu, d, ripLo, ripHi, size), tHi = cpu.eaHi;
  if (rpl === cpu.cpl) {
    stackCommit(cpu, 2 * size + imm);
    commitCs(cpu, sel, d, rpl, t, tHi);
    return;
  }
  // Return to an outer level: SS:rSP follow the parameters.
  const spLo = peek(cpu, size, 2 * size + imm), spHi = size === 8 ? cpu.tmpHi : 0;
  const ssSel = peek(cpu, size, 3 * size + imm) & 0xffff;
  let sd: Descriptor | null = null;
  if (!((ssSel & 0xfffc) === 0 && cpu.longMode && (d.attr & ATTR_L) && rpl !== 3)) sd = checkReturnSs(cpu, ssSel, rpl);
  commitCs(cpu, sel, d, rpl, t, tHi);
  loadSegmentCache(cpu, SS, ssSel, sd);
  if (sd === null) cpu.segAttr[SS] |= rpl << 5;
  setSp(cpu, spLo, spHi);
  stackCommit(cpu, imm);
  nullInaccessibleDataSegments(cpu);
}

/** The SS checks of a return to an outer privilege level (#GP on failure). */
export function checkReturnSs(cpu: Cpu, sel: number, rpl: number): Descriptor {
  if ((sel & 0xfffc) === 0) throw gp(0, 'null SS on return');
  const d = readDescriptor(cpu, sel);
  if ((sel & 3) !== rpl || d.dpl !== rpl || !(d.attr & ATTR_S) || (d.attr & ATTR_TYPE_CODE) || !(d.attr & ATTR_TYPE_WR)) {
    throw gp(sel & 0xfffc, 'bad SS on return');
  }
  if (!(d.attr & ATTR_P)) throw new CpuFault(SS_VEC, sel & 0xfffc);
  return d;
}

/** After a return to an outer level, data segments the new CPL may not use become null. */
export function nullInaccessibleDataSegments(cpu: Cpu): void {
  for (const s of [ES, DS, FS, GS]) {
    const a = cpu.segAttr[s];
    if (a & ATTR_UNUSABLE) continue;
    const conformingCode = (a & ATTR_TYPE_CODE) && (a & ATTR_TYPE_EC);
    if (!conformingCode && attrDpl(a) < cpu.cpl) {
      const keepBase = cpu.in64 && (s === FS || s === GS);
      const lo = cpu.segBaseLo[s], hi = cpu.segBaseHi[s];
      loadSegmentCache(cpu, s, 0, null);
      if (keepBase) { cpu.segBaseLo[s] = lo; cpu.segBaseHi[s] = hi; }
    }
  }
}

/** lldt / ltr. */
export function loadSystemSegment(cpu: Cpu, seg: typeof LDTR | typeof TR, sel: number): void {
  sel &= 0xffff;
  if ((sel & 0xfffc) === 0) {
    if (seg === TR) throw gp(0, 'ltr with a null selector');
    loadSegmentCache(cpu, LDTR, sel, null);
    return;
  }
  if (sel & 4) throw gp(sel & 0xfffc, 'system segment selector points into the LDT');
  const d = readDescriptor(cpu, sel);
  const type = d.attr & 0xf;
  if (d.attr & ATTR_S) throw gp(sel & 0xfffc, 'not a system descriptor');
  if (seg === LDTR ? type !== SYS_LDT : type !== SYS_TSS_AVAIL && type !== SYS_TSS16_AVAIL) {
    throw gp(sel & 0xfffc, seg === LDTR ? 'not an LDT descriptor' : 'not an available TSS');
  }
  if (!(d.attr & ATTR_P)) throw np(sel & 0xfffc);
  if (cpu.longMode) readSystemHigh(cpu, d);
  if (seg === TR) {
    // Mark the TSS busy in the GDT.
    d.attr |= 2;
    const a = cpu.addLinear(d.addrLo, d.addrHi, 4);
    cpu.sysWrite(a, cpu.eaHi, 4, d.hi | 0x200);
  }
  loadSegmentCache(cpu, seg, sel, d);
}

export { NP };
