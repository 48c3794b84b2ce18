/**
 * System instructions: control/debug registers, descriptor tables, MSRs, CPUID, TSC, hlt,
 * cli/sti, pushf/popf, syscall/sysret, sysenter/sysexit, swapgs, software interrupts,
 * far transfers, segment loads, and the FPU/SSE "not available" exceptions.
 */
import type { Cpu } from '../cpu';
import {
  ATTR_DB, ATTR_L, CR0_EM, CR0_MP, CR0_NE, CR0_PE, CR0_PG, CR0_TS, CR0_WP, CR0_AM, CR0_CD, CR0_NW, CR0_ET,
  CR4_DE, CR4_FSGSBASE, DR6_BD, DR7_GD, CR4_OSFXSR, CR4_PAE, CR4_SUPPORTED, CR4_TSD, CR4_PCE, CS, DR6_FIXED1, DR7_FIXED1, EFER_LMA,
  EFER_LME, EFER_SCE, MAXPHYADDR, FS, GS, IF, IOPL_MASK, IOPL_SHIFT, LDTR, RF, SS, TR, VM, CR4_UMIP,
} from '../constants';
import { CpuFault, gp, nm, ud } from '../fault';
import type { Handler, Insn } from '../insn';
import { deliverEvent, EventKind, iret, writableFlags } from '../interrupts';
import { cpuidDefault, readMsr, readTsc, writeMsr } from '../msr-cpuid';
import { rdESized, wrESized } from '../operands';
import { farCall, farJump, farReturn, loadDataSegment, loadSegmentCache, loadSystemSegment, readDescriptor } from '../segments';
import { bigHi, bigLo, toBig } from '../state';
import { pop, push } from './stack';

function requireCpl0(cpu: Cpu, what: string): void {
  if (cpu.cpl !== 0) throw gp(0, `${what} at CPL ${cpu.cpl}`);
}

// ------------------------------------------------------------------ control and debug registers

/**
 * PAE paging loads the four PDPTEs when CR3 is written (or PAE paging is enabled); a present
 * entry with reserved bits set makes that write #GP(0) (SDM vol. 3 4.4.1).
 */
function checkPaePdptes(cpu: Cpu, cr3: number): void {
  const base = (cr3 & 0xffffffe0) >>> 0;
  for (let k = 0; k < 4; k++) {
    const pa = base + k * 8;
    if (pa + 8 > cpu.mem.size) continue;
    const lo = cpu.mem.view.getInt32(pa, true), hi = cpu.mem.view.getInt32(pa + 4, true);
    if ((lo & 1) && ((lo & 0x1e6) || (hi & ~((1 << (MAXPHYADDR - 32)) - 1)))) throw gp(0, `reserved bits in PDPTE ${k}`);
  }
}

function paePaging(cr0: number, cr4: number, efer: number): boolean {
  return (cr0 & CR0_PG) !== 0 && (cr4 & CR4_PAE) !== 0 && (efer & EFER_LMA) === 0;
}

const CR0_VALID = CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_ET | CR0_NE | CR0_WP | CR0_AM | CR0_NW | CR0_CD | CR0_PG;

export function writeCr(cpu: Cpu, n: number, lo: number, hi: number): void {
  switch (n) {
    case 0: {
      if (hi !== 0 || (lo & ~CR0_VALID)) throw gp(0, 'reserved CR0 bits');
      if ((lo & CR0_PG) && !(lo & CR0_PE)) throw gp(0, 'CR0.PG without PE');
      if ((lo & CR0_NW) && !(lo & CR0_CD)) throw gp(0, 'CR0.NW without CD');
      const enablingPaging = (lo & CR0_PG) && !(cpu.cr0 & CR0_PG);
      if (enablingPaging && (cpu.efer & EFER_LME) && !(cpu.cr4 & CR4_PAE)) throw gp(0, 'long mode needs CR4.PAE');
      if (!(lo & CR0_PG) && cpu.in64) throw gp(0, 'clearing CR0.PG in 64-bit mode');
      const loadPdptes = enablingPaging && !(cpu.efer & EFER_LME) && paePaging(lo, cpu.cr4, 0);
      if (loadPdptes) checkPaePdptes(cpu, cpu.cr3Lo);
      cpu.cr0 = lo | CR0_ET;
      // Long mode activates when paging is enabled with EFER.LME (and deactivates when it is disabled).
      if (enablingPaging && (cpu.efer & EFER_LME)) cpu.efer |= EFER_LMA;
      if (!(lo & CR0_PG)) cpu.efer &= ~EFER_LMA;
      cpu.updateMode();
      if (loadPdptes) cpu.loadPdptes();
      return;
    }
    case 2: cpu.cr2Lo = lo; cpu.cr2Hi = cpu.longMode ? hi : 0; return;
    case 3:
      if (paePaging(cpu.cr0, cpu.cr4, cpu.efer)) checkPaePdptes(cpu, lo);
      cpu.cr3Lo = lo; cpu.cr3Hi = cpu.longMode ? hi & 0xfffff : 0;
      if (paePaging(cpu.cr0, cpu.cr4, cpu.efer)) cpu.loadPdptes();
      cpu.flushTlb();
      return;
    case 4: {
      if (hi !== 0 || (lo & ~CR4_SUPPORTED)) throw gp(0, 'reserved or unsupported CR4 bits');
      if (cpu.longMode && !(lo & CR4_PAE)) throw gp(0, 'clearing CR4.PAE in long mode');
      const loadPdptes = !(cpu.cr4 & CR4_PAE) && paePaging(cpu.cr0, lo, cpu.efer);
      if (loadPdptes) checkPaePdptes(cpu, cpu.cr3Lo);
      cpu.cr4 = lo;
      cpu.updateMode();
      if (loadPdptes) cpu.loadPdptes();
      return;
    }
    case 8: if (hi !== 0 || (lo & ~15)) throw gp(0, 'reserved CR8 bits'); cpu.cr8 = lo; return;
    default: throw ud(`mov to CR${n}`);
  }
}

export function readCr(cpu: Cpu, n: number): [number, number] {
  switch (n) {
    case 0: return [cpu.cr0, 0];
    case 2: return [cpu.cr2Lo, cpu.cr2Hi];
    case 3: return [cpu.cr3Lo, cpu.cr3Hi];
    case 4: return [cpu.cr4, 0];
    case 8: return [cpu.cr8, 0];
    default: throw ud(`mov from CR${n}`);
  }
}

/** 0F 20 / 0F 22: mov r, CRn / mov CRn, r (always a register operand; 64-bit in 64-bit mode). */
export function movCr(toCr: boolean): Handler {
  return (cpu, i) => {
    const n = i.reg;
    // A nonexistent control register is #UD, which takes priority over the CPL check.
    if (n !== 0 && n !== 2 && n !== 3 && n !== 4 && n !== 8) throw ud(`mov ${toCr ? 'to' : 'from'} CR${n}`);
    requireCpl0(cpu, 'mov CR');
    const r = i.rm >= 0 ? i.rm : ((i.base >= 0 ? i.base : 0));
    if (cpu.trapEnabled('mov-cr') && cpu.trap('mov-cr', n | (toCr ? 0x100 : 0))) return;
    if (toCr) writeCr(cpu, n, cpu.regLo[r], cpu.in64 ? cpu.regHi[r] : 0);
    else {
      const [lo, hi] = readCr(cpu, n);
      cpu.regLo[r] = lo; cpu.regHi[r] = cpu.in64 ? hi : 0;
    }
  };
}

/** Recomputes guest DR0-3 data breakpoints (as watches) and whether execute breakpoints are armed. */
export function applyDr7(cpu: Cpu): void {
  cpu.watches = cpu.watches.filter((w) => w.guestDr < 0);
  const dr7 = cpu.drLo[7];
  let exec = 0;
  for (let n = 0; n < 4; n++) {
    if (!((dr7 >> (n * 2)) & 3)) continue;
    const rw = (dr7 >>> (16 + n * 4)) & 3;
    const len = [1, 2, 8, 4][(dr7 >>> (18 + n * 4)) & 3];
    if (rw === 0) { exec = 1; continue; }
    if (rw === 2) continue; // I/O breakpoints need CR4.DE; not modelled
    const addr = toBig(cpu.drLo[n], cpu.in64 ? cpu.drHi[n] : 0) & ~BigInt(len - 1);
    cpu.watches.push({ id: -1 - n, start: addr, end: addr + BigInt(len), physical: false, read: rw === 3, write: true, guestDr: n });
  }
  cpu.drExecActive = exec;
  cpu.attention = 1;
  cpu.rebuildWatchPages();
}

/** 0F 21 / 0F 23: mov r, DRn / mov DRn, r. */
export function movDr(toDr: boolean): Handler {
  return (cpu, i) => {
    if (i.reg > 7) throw ud('DR8-15');
    requireCpl0(cpu, 'mov DR');
    if (cpu.drLo[7] & DR7_GD) {
      // General detect: the access faults with #DB, DR6.BD set and DR7.GD cleared for the handler.
      cpu.drLo[6] |= DR6_BD;
      cpu.drLo[7] &= ~DR7_GD;
      throw new CpuFault(1, -1, 0, 0, 'debug-register access with DR7.GD set');
    }
    let n = i.reg & 7;
    if (i.reg > 7) throw ud('DR8-15');
    if (n === 4 || n === 5) {
      if (cpu.cr4 & CR4_DE) throw ud('DR4/DR5 with CR4.DE');
      n += 2;
    }
    const r = i.rm;
    if (toDr) {
      let lo = cpu.regLo[r], hi = cpu.in64 ? cpu.regHi[r] : 0;
      if (n >= 6 && hi !== 0) throw gp(0, `reserved DR${n} bits`);
      if (n === 6) { lo = lo | DR6_FIXED1; hi = 0; }
      if (n === 7) { lo = (lo | DR7_FIXED1) & ~0xc000; hi = 0; }
      cpu.drLo[n] = lo; cpu.drHi[n] = hi;
      if (n <= 3 || n === 7) applyDr7(cpu);
    } else {
      cpu.regLo[r] = cpu.drLo[n]; cpu.regHi[r] = cpu.in64 ? cpu.drHi[n] : 0;
    }
  };
}

export const clts = (): Handler => (cpu) => { requireCpl0(cpu, 'clts'); cpu.cr0 &= ~CR0_TS; };

/** 0F 01 /6: lmsw (can set PE but never clear it). */
export const lmsw = (): Handler => (cpu, i) => {
  requireCpl0(cpu, 'lmsw');
  const v = rdESized(cpu, i, 2);
  writeCr(cpu, 0, (cpu.cr0 & ~0xe) | (v & 0xf) | (cpu.cr0 & CR0_PE), 0);
};

export const smsw = (): Handler => (cpu, i) => {
  if ((cpu.cr4 & CR4_UMIP) && cpu.cpl > 0) throw gp(0, 'smsw with UMIP');
  if (i.rm >= 0) { if (i.size === 8) { cpu.regLo[i.rm] = cpu.cr0; cpu.regHi[i.rm] = 0; } else cpu.setN(i.size, i.rm, cpu.cr0); }
  else wrESized(cpu, i, 2, cpu.cr0);
};

// ------------------------------------------------------------------ descriptor tables

/** lgdt / lidt: limit (2 bytes) then base (4 bytes, or 8 in 64-bit mode; 24 bits with a 16-bit operand). */
export function loadTableRegister(idt: boolean): Handler {
  return (cpu, i) => {
    requireCpl0(cpu, idt ? 'lidt' : 'lgdt');
    const a = i.ea(cpu, i), aHi = cpu.eaHi;
    const limit = cpu.rd16(a, aHi);
    const b = cpu.addLinear(a, aHi, 2);
    let baseLo: number, baseHi = 0;
    if (cpu.in64) { baseLo = cpu.rd64(b, cpu.eaHi); baseHi = cpu.tmpHi; }
    else { baseLo = cpu.rd32(b, cpu.eaHi); if (i.size === 2) baseLo &= 0xffffff; }
    if (cpu.in64 && ((baseHi << 16) >> 16) !== baseHi) throw gp(0, 'non-canonical descriptor-table base');
    if (idt) { cpu.idtBaseLo = baseLo; cpu.idtBaseHi = baseHi; cpu.idtLimit = limit; }
    else { cpu.gdtBaseLo = baseLo; cpu.gdtBaseHi = baseHi; cpu.gdtLimit = limit; }
  };
}

export function storeTableRegister(idt: boolean): Handler {
  return (cpu, i) => {
    if ((cpu.cr4 & CR4_UMIP) && cpu.cpl > 0) throw gp(0, 'sgdt/sidt with UMIP');
    const a = i.ea(cpu, i), aHi = cpu.eaHi;
    const b = cpu.addLinear(a, aHi, 2), bHi = cpu.eaHi;
    const baseLo = idt ? cpu.idtBaseLo : cpu.gdtBaseLo, baseHi = idt ? cpu.idtBaseHi : cpu.gdtBaseHi;
    // Check both parts are writable before writing either.
    if (cpu.in64) cpu.rdw64(b, bHi); else cpu.rdwN(4, b, bHi);
    cpu.wr16(a, aHi, idt ? cpu.idtLimit : cpu.gdtLimit);
    if (cpu.in64) cpu.wr64(b, bHi, baseLo, baseHi); else cpu.wr32(b, bHi, baseLo);
  };
}

export function loadSystemSeg(tr: boolean): Handler {
  return (cpu, i) => {
    if (!(cpu.cr0 & CR0_PE)) throw ud('lldt/ltr in real mode');
    requireCpl0(cpu, tr ? 'ltr' : 'lldt');
    loadSystemSegment(cpu, tr ? TR : LDTR, rdESized(cpu, i, 2));
  };
}

export function storeSystemSeg(tr: boolean): Handler {
  return (cpu, i) => {
    if ((cpu.cr4 & CR4_UMIP) && cpu.cpl > 0) throw gp(0, 'sldt/str with UMIP');
    const v = cpu.segSel[tr ? TR : LDTR];
    if (i.rm >= 0) { if (i.size === 8) { cpu.regLo[i.rm] = v; cpu.regHi[i.rm] = 0; } else cpu.setN(i.size, i.rm, v); }
    else wrESized(cpu, i, 2, v);
  };
}

/** lar / lsl: ZF=1 and the access rights or limit when the selector is visible at this CPL. */
export function larLsl(lsl: boolean): Handler {
  return (cpu, i) => {
    const sel = rdESized(cpu, i, 2);
    cpu.materializeFlags();
    let ok = false;
    let value = 0;
    if ((sel & 0xfffc) !== 0) {
      try {
        const d = readDescriptor(cpu, sel);
        const type = d.attr & 0x1f;
        const conformingCode = (type & 0x1c) === 0x1c;
        const validSystem = lsl ? [1, 2, 3, 9, 11].includes(type) : [1, 2, 3, 4, 9, 11, 12].includes(type);
        if ((type & 0x10) || validSystem) {
          if (conformingCode || (d.dpl >= cpu.cpl && d.dpl >= (sel & 3))) {
            ok = true;
            value = lsl ? d.limit : d.hi & 0x00ffff00;
          }
        }
      } catch (e) { if (!(e instanceof CpuFault)) throw e; }
    }
    if (ok) {
      cpu.fmat |= 0x40;
      if (i.size === 8) { cpu.regLo[i.reg] = value; cpu.regHi[i.reg] = 0; } else cpu.setN(i.size, i.reg, value);
    } else cpu.fmat &= ~0x40;
  };
}

/** verr / verw. */
export function verify(write: boolean): Handler {
  return (cpu, i) => {
    const sel = rdESized(cpu, i, 2);
    cpu.materializeFlags();
    let ok = false;
    if ((sel & 0xfffc) !== 0) {
      try {
        const d = readDescriptor(cpu, sel);
        const code = (d.attr & 8) !== 0;
        const conforming = code && (d.attr & 4) !== 0;
        if ((d.attr & 0x10) && (write ? !code && (d.attr & 2) : !code || (d.attr & 2))) {
          ok = conforming || (d.dpl >= cpu.cpl && d.dpl >= (sel & 3));
        }
      } catch (e) { if (!(e instanceof CpuFault)) throw e; }
    }
    if (ok) cpu.fmat |= 0x40; else cpu.fmat &= ~0x40;
  };
}

// ------------------------------------------------------------------ MSRs, CPUID, TSC

export const rdmsr = (): Handler => (cpu) => {
  requireCpl0(cpu, 'rdmsr');
  const msr = cpu.regLo[1] >>> 0;
  if (cpu.trapEnabled('rdmsr') && cpu.trap('rdmsr', msr)) return;
  const v = readMsr(cpu, msr);
  cpu.set32(0, bigLo(v)); cpu.set32(2, bigHi(v));
};

export const wrmsr = (): Handler => (cpu) => {
  requireCpl0(cpu, 'wrmsr');
  const msr = cpu.regLo[1] >>> 0;
  if (cpu.trapEnabled('wrmsr') && cpu.trap('wrmsr', msr)) return;
  writeMsr(cpu, msr, toBig(cpu.regLo[0], cpu.regLo[2]));
};

export const cpuid = (): Handler => (cpu) => {
  if (cpu.trapEnabled('cpuid') && cpu.trap('cpuid', cpu.regLo[0] >>> 0)) return;
  const leaf = cpu.regLo[0] >>> 0, sub = cpu.regLo[1] >>> 0;
  const r = cpu.hooks.cpuid?.(leaf, sub) ?? cpuidDefault(leaf, sub);
  cpu.set32(0, r[0]); cpu.set32(3, r[1]); cpu.set32(1, r[2]); cpu.set32(2, r[3]);
};

export function rdtsc(withAux: boolean): Handler {
  return (cpu) => {
    if ((cpu.cr4 & CR4_TSD) && cpu.cpl > 0) throw gp(0, 'rdtsc with CR4.TSD at CPL > 0');
    const t = readTsc(cpu);
    cpu.set32(0, bigLo(t)); cpu.set32(2, bigHi(t));
    if (withAux) cpu.set32(1, Number(cpu.msrTscAux & 0xffffffffn));
  };
}

export const rdpmc = (): Handler => (cpu) => {
  if (!(cpu.cr4 & CR4_PCE) && cpu.cpl > 0) throw gp(0, 'rdpmc at CPL > 0');
  throw gp(0, 'no performance counters are modelled');
};

// ------------------------------------------------------------------ interrupts, flags, halt

export const hlt = (): Handler => (cpu) => {
  requireCpl0(cpu, 'hlt');
  if (cpu.trapEnabled('hlt') && cpu.trap('hlt')) return;
  cpu.halted = true;
  cpu.attention = 1;
};

function iopl(cpu: Cpu): number { return (cpu.flags & IOPL_MASK) >> IOPL_SHIFT; }

export const cli = (): Handler => (cpu) => {
  if (cpu.cpl > iopl(cpu)) throw gp(0, 'cli with CPL > IOPL');
  cpu.flags &= ~IF;
};

export const sti = (): Handler => (cpu) => {
  if (cpu.cpl > iopl(cpu)) throw gp(0, 'sti with CPL > IOPL');
  if (!(cpu.flags & IF)) { cpu.shadow = 2; cpu.attention = 1; }
  cpu.flags |= IF;
};

/** pushf: VM and RF read as 0. */
export function pushf(size: number): Handler {
  return (cpu) => { push(cpu, size, cpu.getFlags() & ~(VM | RF) & (size === 2 ? 0xffff : -1)); };
}

/** popf: IOPL only at CPL 0, IF only when CPL <= IOPL (silently kept otherwise), RF cleared. */
export function popf(size: number): Handler {
  return (cpu) => {
    const v = pop(cpu, size);
    let mask = writableFlags(cpu) & ~RF;
    if (size === 2) mask &= 0xffff;
    cpu.setFlagsRaw((cpu.getFlags() & ~mask & ~RF) | (v & mask));
  };
}

/** int n (with an optional trap to the hypervisor), int3, into, int1. */
export function softInt(kind: 'int' | 'int3' | 'into' | 'int1'): Handler {
  return (cpu, i) => {
    if (kind === 'into' && !(cpu.getOF() === 1)) return;
    const vector = kind === 'int' ? i.imm & 0xff : kind === 'int3' ? 3 : kind === 'into' ? 4 : 1;
    if (cpu.trapEnabled('int') && cpu.trap('int', vector)) return;
    // int3/into/int1 raise trap-like exceptions: an intercepted one stops after the instruction.
    if (kind !== 'int' && (cpu.interceptExceptions >>> vector) & 1) {
      cpu.signal({ kind: 'exception', vector, rip: cpu.rip });
      return;
    }
    deliverEvent(cpu, vector, kind === 'int1' ? EventKind.Icebp : EventKind.Software, -1);
  };
}

export function iretOp(size: number): Handler {
  return (cpu) => { iret(cpu, size); };
}

// ------------------------------------------------------------------ fast system calls

function flatCode(cpu: Cpu, sel: number, dpl: number, long: boolean): void {
  loadSegmentCache(cpu, CS, sel, {
    lo: 0, hi: 0, baseLo: 0, baseHi: 0, limit: 0xffffffff, dpl, addrLo: 0, addrHi: 0,
    attr: 0x809b | (dpl << 5) | (long ? ATTR_L : ATTR_DB),
  });
}
function flatStack(cpu: Cpu, sel: number, dpl: number): void {
  loadSegmentCache(cpu, SS, sel, {
    lo: 0, hi: 0, baseLo: 0, baseHi: 0, limit: 0xffffffff, dpl, addrLo: 0, addrHi: 0,
    attr: 0xc093 | (dpl << 5),
  });
}

export const syscall = (): Handler => (cpu) => {
  if (cpu.trapEnabled('syscall') && cpu.trap('syscall')) return;
  if (!(cpu.efer & EFER_SCE)) throw ud('syscall with EFER.SCE clear');
  const sel = Number((cpu.msrStar >> 32n) & 0xfffcn);
  if (cpu.longMode) {
    cpu.regLo[1] = cpu.ripLo; cpu.regHi[1] = cpu.ripHi;
    cpu.set32(11, cpu.getFlags() & ~RF);
    const target = cpu.in64 ? cpu.msrLstar : cpu.msrCstar;
    cpu.setFlagsRaw(cpu.getFlags() & ~Number(cpu.msrSfmask) & ~RF);
    flatCode(cpu, sel, 0, true);
    flatStack(cpu, sel + 8, 0);
    cpu.ripLo = bigLo(target); cpu.ripHi = bigHi(target);
  } else {
    cpu.set32(1, cpu.ripLo);
    cpu.setFlagsRaw(cpu.getFlags() & ~(VM | IF | RF));
    flatCode(cpu, sel, 0, false);
    flatStack(cpu, sel + 8, 0);
    cpu.ripLo = Number(cpu.msrStar & 0xffffffffn) | 0; cpu.ripHi = 0;
  }
};

export const sysret = (): Handler => (cpu, i) => {
  if (!(cpu.efer & EFER_SCE)) throw ud('sysret with EFER.SCE clear');
  if (cpu.cpl !== 0 || !(cpu.cr0 & CR0_PE)) throw gp(0, 'sysret outside CPL 0');
  const base = Number((cpu.msrStar >> 48n) & 0xffffn);
  const to64 = i.size === 8;
  if (to64 && ((cpu.regHi[1] << 16) >> 16) !== cpu.regHi[1]) throw gp(0, 'sysret to a non-canonical RIP');
  // RFLAGS from R11 with the reserved bits (and RF, VM) cleared: mask 0x3C7FD7 (SDM SYSRET).
  if (cpu.longMode) cpu.setFlagsRaw((cpu.regLo[11] & 0x3c7fd7 & ~(RF | VM)) | 2);
  else cpu.flags |= IF;
  flatCode(cpu, ((to64 ? base + 16 : base) & 0xfffc) | 3, 3, to64);
  flatStack(cpu, ((base + 8) & 0xfffc) | 3, 3);
  cpu.ripLo = cpu.regLo[1]; cpu.ripHi = to64 ? cpu.regHi[1] : 0;
};

export const sysenter = (): Handler => (cpu) => {
  if (cpu.trapEnabled('sysenter') && cpu.trap('sysenter')) return;
  const cs = Number(cpu.msrSysenterCs & 0xfffcn);
  if (!(cpu.cr0 & CR0_PE) || cs === 0) throw gp(0, 'sysenter with SYSENTER_CS = 0');
  cpu.setFlagsRaw(cpu.getFlags() & ~(VM | IF | RF));
  flatCode(cpu, cs, 0, cpu.longMode);
  flatStack(cpu, cs + 8, 0);
  const eip = cpu.msrSysenterEip, esp = cpu.msrSysenterEsp;
  cpu.ripLo = bigLo(eip); cpu.ripHi = cpu.in64 ? bigHi(eip) : 0;
  cpu.regLo[4] = bigLo(esp); cpu.regHi[4] = cpu.in64 ? bigHi(esp) : 0;
};

export const sysexit = (): Handler => (cpu, i) => {
  const cs = Number(cpu.msrSysenterCs & 0xfffcn);
  if (cpu.cpl !== 0 || !(cpu.cr0 & CR0_PE) || cs === 0) throw gp(0, 'sysexit outside CPL 0 or with SYSENTER_CS = 0');
  const to64 = i.size === 8;
  if (to64 && (((cpu.regHi[2] << 16) >> 16) !== cpu.regHi[2] || ((cpu.regHi[1] << 16) >> 16) !== cpu.regHi[1])) {
    throw gp(0, 'sysexit to a non-canonical address');
  }
  flatCode(cpu, ((to64 ? cs + 32 : cs + 16) & 0xfffc) | 3, 3, to64);
  flatStack(cpu, ((to64 ? cs + 40 : cs + 24) & 0xfffc) | 3, 3);
  cpu.ripLo = cpu.regLo[2]; cpu.ripHi = to64 ? cpu.regHi[2] : 0;
  cpu.regLo[4] = cpu.regLo[1]; cpu.regHi[4] = to64 ? cpu.regHi[1] : 0;
};

export const swapgs = (): Handler => (cpu) => {
  requireCpl0(cpu, 'swapgs');
  const k = cpu.msrKernelGsBase;
  cpu.msrKernelGsBase = toBig(cpu.segBaseLo[GS], cpu.segBaseHi[GS]);
  cpu.segBaseLo[GS] = bigLo(k); cpu.segBaseHi[GS] = bigHi(k);
  cpu.updateMode();
};

/** F3 0F AE /0-/3 (register forms): rdfsbase, rdgsbase, wrfsbase, wrgsbase. */
export function fsgsBase(write: boolean, gs: boolean): Handler {
  return (cpu, i) => {
    if (!(cpu.cr4 & CR4_FSGSBASE)) throw ud('FSGSBASE instructions with CR4.FSGSBASE clear');
    const s = gs ? GS : FS;
    const r = i.rm;
    if (write) {
      const lo = cpu.regLo[r], hi = i.size === 8 ? cpu.regHi[r] : 0;
      if (((hi << 16) >> 16) !== hi) throw gp(0, 'non-canonical segment base');
      cpu.segBaseLo[s] = lo; cpu.segBaseHi[s] = hi;
      cpu.updateMode();
    } else if (i.size === 8) { cpu.regLo[r] = cpu.segBaseLo[s]; cpu.regHi[r] = cpu.segBaseHi[s]; }
    else cpu.set32(r, cpu.segBaseLo[s]);
  };
}

// ------------------------------------------------------------------ cache/TLB maintenance, misc

export const invlpg = (): Handler => (cpu, i) => {
  requireCpl0(cpu, 'invlpg');
  const a = i.ea(cpu, i);
  if (cpu.trapEnabled('invlpg') && cpu.trap('invlpg')) return;
  void a; // the address was needed only for its faults (canonical, segment)
  cpu.flushTlbPage();
};

export const privilegedNop = (what: string): Handler => (cpu) => { requireCpl0(cpu, what); };

/** clflush: a read access check of the line, no other effect. */
export const clflush = (): Handler => (cpu, i) => { const a = i.ea(cpu, i); cpu.rd8(a, cpu.eaHi); };

/** ud2; with the Xen forced-emulation prefix (ud2; .ascii "xen") it can trap to the hypervisor. */
export const ud2 = (): Handler => (cpu) => {
  if (cpu.trapEnabled('ud-fep')) {
    try {
      const a = cpu.ripLo, h = cpu.ripHi;
      const x = cpu.rd8(a, h), e = cpu.rd8(cpu.addLinear(a, h, 1), cpu.eaHi), n = cpu.rd8(cpu.addLinear(a, h, 2), cpu.eaHi);
      if (x === 0x78 && e === 0x65 && n === 0x6e) {
        const lo = cpu.addLinear(a, h, 3);
        cpu.ripLo = lo; cpu.ripHi = cpu.eaHi;
        if (cpu.trap('ud-fep')) return;
        cpu.ripLo = a; cpu.ripHi = h;
      }
    } catch (e) { if (!(e instanceof CpuFault)) throw e; }
  }
  throw ud('ud2');
};

/** vmcall / vmmcall: only meaningful when the hypervisor traps them; otherwise #UD as without VMX/SVM. */
export function hypercallInsn(kind: 'vmcall' | 'vmmcall'): Handler {
  return (cpu) => {
    if (cpu.trapEnabled(kind) && cpu.trap(kind)) return;
    throw ud(`${kind} without a hypervisor trap`);
  };
}

/** x87 escape and wait: #NM when CR0.EM or CR0.TS says so, otherwise not implemented (#UD). */
export function x87(isWait: boolean): Handler {
  return (cpu) => {
    if (isWait) {
      if ((cpu.cr0 & CR0_TS) && (cpu.cr0 & CR0_MP)) throw nm();
      return;
    }
    if (cpu.cr0 & (CR0_EM | CR0_TS)) throw nm();
    throw ud('x87 instructions are not implemented');
  };
}

/** SSE/MMX: #UD when CR0.EM or !CR4.OSFXSR, #NM when CR0.TS, otherwise not implemented (#UD). */
export function sse(mnemonic: string): Handler {
  return (cpu) => {
    if ((cpu.cr0 & CR0_EM) || !(cpu.cr4 & CR4_OSFXSR)) throw ud(`${mnemonic} with CR0.EM or without CR4.OSFXSR`);
    if (cpu.cr0 & CR0_TS) throw nm();
    throw ud(`${mnemonic} (SSE) is not implemented`);
  };
}

// ------------------------------------------------------------------ segment registers and far transfers

/** 8E: mov Sreg, r/m16 (CS is #UD; SS arms the interrupt shadow). */
export const movSregFromE = (): Handler => (cpu, i) => {
  const seg = i.reg & 7;
  if (seg === CS || seg > 5) throw ud('mov to CS or a nonexistent segment register');
  loadDataSegment(cpu, seg, rdESized(cpu, i, 2));
  if (seg === SS) { cpu.shadow = 2; cpu.movSsShadow = true; cpu.attention = 1; }
};

/** 8C: mov r/m, Sreg (registers get the zero-extended selector, memory 16 bits). */
export const movEFromSreg = (): Handler => (cpu, i) => {
  const seg = i.reg & 7;
  if (seg > 5) throw ud('nonexistent segment register');
  const v = cpu.segSel[seg];
  if (i.rm >= 0) { if (i.size === 8) { cpu.regLo[i.rm] = v; cpu.regHi[i.rm] = 0; } else cpu.setN(i.size, i.rm, v); }
  else wrESized(cpu, i, 2, v);
};

export function pushSreg(seg: number): Handler {
  return (cpu, i) => { push(cpu, i.size, cpu.segSel[seg]); };
}

export function popSreg(seg: number): Handler {
  return (cpu, i) => {
    const sel = peekSel(cpu, i.size);
    loadDataSegment(cpu, seg, sel);
    pop(cpu, i.size);
    if (seg === SS) { cpu.shadow = 2; cpu.movSsShadow = true; cpu.attention = 1; }
  };
}

function peekSel(cpu: Cpu, size: number): number {
  const saveLo = cpu.regLo[4], saveHi = cpu.regHi[4];
  const v = pop(cpu, size);
  cpu.regLo[4] = saveLo; cpu.regHi[4] = saveHi;
  return v & 0xffff;
}

/** lds/les/lss/lfs/lgs r, m16:16|32|64. */
export function loadFarPointer(seg: number): Handler {
  return (cpu, i) => {
    const a = i.ea(cpu, i), aHi = cpu.eaHi;
    let lo: number, hi = 0;
    if (i.size === 8) { lo = cpu.rd64(a, aHi); hi = cpu.tmpHi; } else lo = cpu.rdN(i.size, a, aHi);
    const s = cpu.addLinear(a, aHi, i.size);
    const sel = cpu.rd16(s, cpu.eaHi);
    loadDataSegment(cpu, seg, sel);
    if (i.size === 8) { cpu.regLo[i.reg] = lo; cpu.regHi[i.reg] = hi; } else cpu.setN(i.size, i.reg, lo);
    if (seg === SS) { cpu.shadow = 2; cpu.movSsShadow = true; cpu.attention = 1; }
  };
}

/** Far pointer operand of jmp/call m16:16|32|64 (FF /3, FF /5). */
function readFarMem(cpu: Cpu, i: Insn): [number, number, number] {
  const a = i.ea(cpu, i), aHi = cpu.eaHi;
  let lo: number, hi = 0;
  if (i.size === 8) { lo = cpu.rd64(a, aHi); hi = cpu.tmpHi; } else lo = cpu.rdN(i.size, a, aHi);
  const s = cpu.addLinear(a, aHi, i.size);
  return [cpu.rd16(s, cpu.eaHi), lo, hi];
}

export const jmpFarPtr = (): Handler => (cpu, i) => { farJump(cpu, i.imm2, i.imm, 0, i.size); };
export const callFarPtr = (): Handler => (cpu, i) => { farCall(cpu, i.imm2, i.imm, 0, i.size); };
export const jmpFarMem = (): Handler => (cpu, i) => { const [s, lo, hi] = readFarMem(cpu, i); farJump(cpu, s, lo, hi, i.size); };
export const callFarMem = (): Handler => (cpu, i) => { const [s, lo, hi] = readFarMem(cpu, i); farCall(cpu, s, lo, hi, i.size); };
export function retFar(withImm: boolean): Handler {
  return (cpu, i) => { farReturn(cpu, i.size, withImm ? i.imm & 0xffff : 0); };
}

