/**
 * Writable page tables (xen/arch/x86/pv/ro-page-fault.c ptwr_do_page_fault, traps.c fixup_page_fault; Xen
 * 4.17): with VMASST_TYPE_writable_pagetables enabled, a guest-kernel write that faults on a present,
 * read-only mapping of one of its own L1 page tables is emulated, and the new entry goes through the same
 * validation as mmu_update (mod_l1_entry). An invalid entry leaves everything as it was and the #PF reaches
 * the guest.
 *
 * Emulation here: instead of an x86 emulator, the one faulting instruction is executed on the core with the
 * page temporarily writable, then every L1 entry it changed is put back and re-applied through
 * modL1Entry (so references and U/_PAGE_GUEST_KERNEL adjustments are exactly those of mmu_update). If any
 * entry is refused, memory and registers are restored and the fault is reflected.
 */
import { Reg } from '../../cpu/api-types';
import type { Hypervisor } from '../hypervisor';
import type { Vcpu } from '../vcpu';
import { guestKernelMode } from './bounce';
import { _PAGE_PRESENT, _PAGE_RW } from './layout';
import { guestL1Slot, modL1Entry, ownedByDomain, pteMfn, readPte, writePte } from './mmu';
import { PgType, pvDomainStateOf } from './state';

/** VMASST_TYPE_writable_pagetables. */
const VMASST_WRITABLE_PAGETABLES = 2n;
const PFEC_P = 1, PFEC_W = 2, PFEC_RSVD = 8, PFEC_I = 16;

/** True when the #PF at `cr2` was a page-table write that has now been emulated. */
export function ptwrFault(_hv: Hypervisor, v: Vcpu, cr2: bigint, errorCode: number): boolean {
  const d = v.domain;
  const s = pvDomainStateOf(d);
  if (((d.vmAssist >> VMASST_WRITABLE_PAGETABLES) & 1n) !== 1n || !guestKernelMode(v)) return false;
  if ((errorCode & (PFEC_RSVD | PFEC_I)) || (errorCode & (PFEC_P | PFEC_W)) !== (PFEC_P | PFEC_W)) return false;
  const slot = guestL1Slot(v, cr2);
  if (!slot) return false;
  const pte = readPte(d, slot.mfn, slot.idx);
  if ((pte.lo & (_PAGE_PRESENT | _PAGE_RW)) !== _PAGE_PRESENT) return false;
  const target = pteMfn(pte.lo, pte.hi);
  if (!ownedByDomain(s, target) || s.typeCount[target] === 0 || s.type[target] !== PgType.L1) return false;

  const cpu = v.cpu;
  const base = target * 4096;
  const before = d.mem.bytes.slice(base, base + 4096);
  const regs = Array.from({ length: 16 }, (_, r) => cpu.getReg(r as Reg));
  const rip = cpu.rip, rflags = cpu.rflags;
  const restore = (): void => {
    d.mem.writeBytes(base, before);
    regs.forEach((val, r) => cpu.setReg(r as Reg, val));
    cpu.rip = rip;
    cpu.rflags = rflags;
  };
  // Execute the write with the page writable for this one instruction.
  writePte(d, slot.mfn, slot.idx, { lo: pte.lo | _PAGE_RW, hi: pte.hi });
  cpu.flushTlb();
  const r = cpu.step();
  writePte(d, slot.mfn, slot.idx, pte);
  cpu.flushTlb();
  if (r.kind === 'exception' || r.kind === 'triple-fault') { restore(); return false; }

  const after = d.mem.bytes.slice(base, base + 4096);
  const changed: number[] = [];
  for (let i = 0; i < 512; i++) {
    for (let b = 0; b < 8; b++) if (after[i * 8 + b] !== before[i * 8 + b]) { changed.push(i); break; }
  }
  // Put the old entries back, then apply each new one the way mod_l1_entry would.
  d.mem.writeBytes(base, before);
  const dv = new DataView(after.buffer);
  for (const i of changed) {
    const nw = { lo: dv.getInt32(i * 8, true), hi: dv.getInt32(i * 8 + 4, true) };
    if (modL1Entry(d, target, i, nw, false) < 0) {
      // Undo the entries already applied (their references) and the instruction.
      for (const j of changed) {
        if (j === i) break;
        modL1Entry(d, target, j, { lo: new DataView(before.buffer).getInt32(j * 8, true), hi: new DataView(before.buffer).getInt32(j * 8 + 4, true) }, false);
      }
      restore();
      return false;
    }
  }
  return true;
}
