/**
 * Interrupt and exception delivery through the IDT (32-bit legacy gates and 64-bit gates
 * with IST), the double-fault and triple-fault rules, and iret (SDM vol. 3 ch. 6).
 */
import type { Cpu } from './cpu';
import { TripleFault } from './cpu';
import {
  AC, ATTR_L, ATTR_P, ATTR_S, ATTR_TYPE_CODE, ATTR_TYPE_EC, CS, IF, IOPL_MASK, NT, RF, SS, SYS_INT_GATE, SYS_INT_GATE16,
  SYS_TRAP_GATE, SYS_TRAP_GATE16, TF, VIF, VIP, VM, ID, ARITH_FLAGS, DF, IOPL_SHIFT,
} from './constants';
import { CpuFault, gp, vectorHasErrorCode } from './fault';
import { peek, push, setSp } from './ops/stack';
import {
  checkNewSs, checkReturnSs, Descriptor, loadSegmentCache, nullInaccessibleDataSegments, readDescriptor,
  restoreSegState, saveSegState, tssStack,
} from './segments';

export const enum EventKind {
  /** A fault: the return address is the faulting instruction. */
  Fault = 0,
  /** A trap (single-step, data breakpoint): the return address is the next instruction. */
  Trap = 1,
  /** An external interrupt: EXT set in error codes, return to the next instruction. */
  External = 2,
  /** int n / int3 / into: gate DPL checked against CPL. */
  Software = 3,
  /** int1 (icebp): like a trap but without the DPL check. */
  Icebp = 4,
}

const BENIGN = 0, CONTRIBUTORY = 1, PAGE_FAULT = 2;
function classOf(v: number): number {
  if (v === 14) return PAGE_FAULT;
  if (v === 0 || (v >= 10 && v <= 13)) return CONTRIBUTORY;
  return BENIGN;
}

/** Delivers an event, converting faults during delivery into #DF or a triple fault. */
export function deliverEvent(cpu: Cpu, vector: number, kind: EventKind, errorCode: number): void {
  try {
    deliverOnce(cpu, vector, kind, errorCode);
  } catch (e) {
    if (!(e instanceof CpuFault)) throw e;
    // A software interrupt that cannot be delivered faults on the int instruction itself.
    if (kind === EventKind.Software || kind === EventKind.Icebp) throw e;
    if (vector === 8) throw new TripleFault(8);
    const first = kind === EventKind.Fault || kind === EventKind.Trap ? classOf(vector) : BENIGN;
    const second = classOf(e.vector);
    if ((first === CONTRIBUTORY && second === CONTRIBUTORY) || (first === PAGE_FAULT && second !== BENIGN)) {
      deliverEvent(cpu, 8, EventKind.Fault, 0);
      return;
    }
    if (e.vector === 14) { cpu.cr2Lo = e.cr2Lo; cpu.cr2Hi = e.cr2Hi; }
    deliverEvent(cpu, e.vector, EventKind.Fault, e.errorCode);
  }
}

function deliverOnce(cpu: Cpu, vector: number, kind: EventKind, errorCode: number): void {
  if (!(cpu.cr0 & 1)) throw new TripleFault(vector); // real mode is not modelled
  // EXT: the event is external to the program (an interrupt or an exception being delivered).
  const ext = kind === EventKind.Software || kind === EventKind.Icebp ? 0 : 1;
  const software = kind === EventKind.Software;
  const pushError = (kind === EventKind.Fault) && vectorHasErrorCode(vector) && errorCode >= 0;
  // The return address: faults restart the instruction, everything else continues after it.
  const retLo = kind === EventKind.Fault ? cpu.curLo : cpu.ripLo;
  const retHi = kind === EventKind.Fault ? cpu.curHi : cpu.ripHi;
  const long = cpu.longMode;
  const entry = long ? 16 : 8;
  const idtErr = (vector << 3) | 2 | ext;
  if (vector * entry + entry - 1 > cpu.idtLimit) throw gp(idtErr, `IDT limit too small for vector ${vector}`);
  const ga = cpu.addLinear(cpu.idtBaseLo, cpu.idtBaseHi, vector * entry), gaHi = cpu.eaHi;
  const gLo = cpu.sysRead(ga, gaHi, 4);
  const a4 = cpu.addLinear(ga, gaHi, 4);
  const gHi = cpu.sysRead(a4, cpu.eaHi, 4);
  const type = (gHi >>> 8) & 0x1f;
  let offHi = 0;
  if (long) {
    if (type !== SYS_INT_GATE && type !== SYS_TRAP_GATE) throw gp(idtErr, `bad 64-bit IDT gate type ${type}`);
    const a8 = cpu.addLinear(ga, gaHi, 8);
    offHi = cpu.sysRead(a8, cpu.eaHi, 4);
  } else if (type !== SYS_INT_GATE && type !== SYS_TRAP_GATE && type !== SYS_INT_GATE16 && type !== SYS_TRAP_GATE16) {
    throw gp(idtErr, type === 5 ? 'task gates are not supported' : `bad IDT gate type ${type}`);
  }
  const gateDpl = (gHi >>> 13) & 3;
  if (software && gateDpl < cpu.cpl) throw gp(idtErr, `software interrupt ${vector} through a DPL${gateDpl} gate`);
  if (!(gHi & 0x8000)) throw new CpuFault(11, idtErr, 0, 0, `IDT gate ${vector} not present`);
  const gate16 = type === SYS_INT_GATE16 || type === SYS_TRAP_GATE16;
  const interruptGate = type === SYS_INT_GATE || type === SYS_INT_GATE16;
  const sel = gLo >>> 16;
  const offLo = gate16 ? gLo & 0xffff : (gLo & 0xffff) | (gHi & 0xffff0000);
  if ((sel & 0xfffc) === 0) throw gp(ext, 'IDT gate with a null code selector');
  const d = readDescriptor(cpu, sel, 13, ext);
  if (!(d.attr & ATTR_S) || !(d.attr & ATTR_TYPE_CODE) || d.dpl > cpu.cpl) throw gp((sel & 0xfffc) | ext, 'IDT gate target is not a usable code segment');
  if (!(d.attr & ATTR_P)) throw new CpuFault(11, (sel & 0xfffc) | ext);
  const conforming = (d.attr & ATTR_TYPE_EC) !== 0;
  const newCpl = conforming ? cpu.cpl : d.dpl;
  const flags = cpu.getFlags();
  const oldCs = cpu.segSel[CS], oldSs = cpu.segSel[SS];
  const oldSpLo = cpu.regLo[4], oldSpHi = cpu.regHi[4];
  const saved = saveSegState(cpu);

  try {
    if (long) {
      if (!(d.attr & ATTR_L)) throw gp((sel & 0xfffc) | ext, 'IDT gate target is not a 64-bit code segment');
      if (((offHi << 16) >> 16) !== offHi) throw gp(ext, 'non-canonical IDT gate target');
      const ist = gHi & 7;
      let spLo = oldSpLo, spHi = oldSpHi;
      if (newCpl < cpu.cpl || ist !== 0) {
        const s = tssStack(cpu, newCpl, ist);
        spLo = s.spLo; spHi = s.spHi;
      }
      if (newCpl < cpu.cpl) {
        loadSegmentCache(cpu, SS, newCpl, null);
        cpu.segAttr[SS] |= newCpl << 5;
      }
      cpu.cpl = newCpl;
      // 64-bit frames are pushed on a 16-byte aligned stack, in 64-bit mode semantics.
      loadSegmentCache(cpu, CS, (sel & 0xfffc) | newCpl, d);
      cpu.regLo[4] = spLo & ~15; cpu.regHi[4] = spHi;
      push(cpu, 8, oldSs);
      push(cpu, 8, oldSpLo, oldSpHi);
      push(cpu, 8, flags);
      push(cpu, 8, oldCs);
      push(cpu, 8, retLo, retHi);
      if (pushError) push(cpu, 8, errorCode);
      cpu.ripLo = offLo; cpu.ripHi = offHi;
    } else {
      const size = gate16 ? 2 : 4;
      if ((offLo >>> 0) > d.limit) throw gp(ext, 'IDT gate offset beyond the code segment limit');
      if (newCpl < cpu.cpl) {
        const s = tssStack(cpu, newCpl);
        const sd = checkNewSs(cpu, s.ssSel, newCpl, ext);
        cpu.cpl = newCpl;
        loadSegmentCache(cpu, SS, s.ssSel, sd);
        setSp(cpu, s.spLo, 0);
        push(cpu, size, oldSs);
        push(cpu, size, oldSpLo);
      }
      loadSegmentCache(cpu, CS, (sel & 0xfffc) | newCpl, d);
      push(cpu, size, flags);
      push(cpu, size, oldCs);
      push(cpu, size, retLo);
      if (pushError) push(cpu, size, errorCode);
      cpu.ripLo = offLo; cpu.ripHi = 0;
    }
  } catch (e) {
    restoreSegState(cpu, saved);
    cpu.regLo[4] = oldSpLo; cpu.regHi[4] = oldSpHi;
    throw e;
  }
  cpu.flags &= ~(TF | NT | RF | VM);
  if (interruptGate) cpu.flags &= ~IF;
  cpu.halted = false;
  cpu.updateMode();
}

/** Flags an iret or popf may change, by CPL and IOPL (VM/VIF/VIP handled by the callers). */
export function writableFlags(cpu: Cpu): number {
  let mask = ARITH_FLAGS | TF | DF | NT | RF | AC | ID;
  const iopl = (cpu.flags & IOPL_MASK) >> IOPL_SHIFT;
  if (cpu.cpl === 0) mask |= IOPL_MASK;
  if (cpu.cpl <= iopl) mask |= IF;
  return mask;
}

function applyFlags(cpu: Cpu, value: number, size: number, extra: number): void {
  let mask = writableFlags(cpu) | extra;
  if (size === 2) mask &= 0xffff;
  const cur = cpu.getFlags();
  cpu.setFlagsRaw((cur & ~mask) | (value & mask));
}

/** iret / iretd / iretq. */
export function iret(cpu: Cpu, size: number): void {
  if (!(cpu.cr0 & 1)) throw gp(0, 'iret in real mode is not modelled');
  if (cpu.flags & NT) throw gp(0, cpu.longMode ? 'iret with NT set in IA-32e mode' : 'task return (iret with NT) is not supported');
  const ripLo = peek(cpu, size, 0), ripHi = size === 8 ? cpu.tmpHi : 0;
  const sel = peek(cpu, size, size) & 0xffff;
  const newFlags = peek(cpu, size, 2 * size);
  if (!cpu.longMode && (newFlags & VM) && cpu.cpl === 0) throw gp(0, 'iret to virtual-8086 mode is not supported');
  if ((sel & 0xfffc) === 0) throw gp(0, 'iret to a null selector');
  const d = readDescriptor(cpu, sel);
  const rpl = sel & 3;
  if (!(d.attr & ATTR_S) || !(d.attr & ATTR_TYPE_CODE) || rpl < cpu.cpl) throw gp(sel & 0xfffc, 'iret code segment');
  if ((d.attr & ATTR_TYPE_EC) ? d.dpl > rpl : d.dpl !== rpl) throw gp(sel & 0xfffc, 'iret code segment DPL');
  if (!(d.attr & ATTR_P)) throw new CpuFault(11, sel & 0xfffc);
  const to64 = cpu.longMode && (d.attr & ATTR_L) !== 0;
  let tLo = ripLo, tHi = ripHi;
  if (to64) {
    if (((tHi << 16) >> 16) !== tHi) throw gp(0, 'iret to a non-canonical RIP');
  } else {
    tHi = 0;
    if (size === 2) tLo &= 0xffff;
    if ((tLo >>> 0) > d.limit) throw gp(0, 'iret target beyond the code segment limit');
  }
  const popStack = rpl > cpu.cpl || cpu.in64;
  let spLo = 0, spHi = 0, ssSel = 0;
  let sd: Descriptor | null = null;
  if (popStack) {
    spLo = peek(cpu, size, 3 * size); spHi = size === 8 ? cpu.tmpHi : 0;
    ssSel = peek(cpu, size, 4 * size) & 0xffff;
    const nullOk = to64 && rpl !== 3 && (ssSel & 0xfffc) === 0;
    if (!nullOk) sd = checkReturnSs(cpu, ssSel, rpl);
  }
  const oldCpl = cpu.cpl;
  applyFlags(cpu, newFlags, size, oldCpl === 0 ? VIF | VIP : 0);
  loadSegmentCache(cpu, CS, sel, d);
  cpu.ripLo = tLo; cpu.ripHi = tHi;
  if (popStack) {
    loadSegmentCache(cpu, SS, ssSel, sd);
    if (sd === null) cpu.segAttr[SS] |= rpl << 5;
    if (cpu.in64 || size === 8) { cpu.regLo[4] = spLo; cpu.regHi[4] = spHi; } else setSp(cpu, spLo, 0);
    if (rpl > oldCpl) nullInaccessibleDataSegments(cpu);
  } else {
    // Same-level return outside 64-bit mode: just drop the frame.
    const newSp = (cpu.regLo[4] + 3 * size) | 0;
    setSp(cpu, newSp, cpu.regHi[4]);
  }
  cpu.shadow = 0;
}
