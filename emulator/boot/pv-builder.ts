/**
 * The PV domain builder: what libxenguest (tools/libs/guest/xg_dom_core.c, xg_dom_x86.c) and Xen together
 * set up before a 64-bit or 32-bit PAE PV kernel's first instruction (fact sheet §6.1/§6.2, Xen 4.17).
 *
 * Machine memory model: d.mem is MACHINE memory. The low frames belong to Xen (shared_info, a zero page,
 * Xen's GDT page, the M2P table and the tables mapping it read-only at 0xFFFF800000000000 / 0xF5800000,
 * the GDT/LDT-area tables, and for PV32 one PDPTE page per vCPU); the guest's frames follow, so
 * mfn = pfn + (number of Xen frames) — a guest mixing up PFNs and MFNs breaks as it would on Xen.
 *
 * Virtual layout from VIRT_BASE, page aligned, in order: kernel image, p2m list (mfn_list), start_info,
 * XenStore ring, console ring, bootstrap page tables (pt_base = CR3; page-table pages mapped read-only),
 * boot stack. The initial mapping covers [VIRT_BASE, virt_pgtab_end), rounded up to 4 MiB with at least
 * 512 KiB of slack (alloc_pgtables_pv), onto pfns 0.. . The top-level table is pinned and installed as
 * the kernel base, which validates the tables (Xen adds U to present 64-bit entries, fills its own L4
 * slots / the slot-3 L2 hole entries).
 *
 * Not supported: ramdisks/modules, INIT_P2M (the p2m list stays in the initial mapping; first_p2m_pfn 0),
 * BSD_SYMTAB, moving a PAE L3 below 4 GiB (machine memory here never exceeds 2 GiB).
 */
import { Reg } from '../cpu/api-types';
import { CS, DS, ES, FS, GS, SS } from '../cpu/constants';
import { PhysicalMemory } from '../memory/physical-memory';
import { StructView, layoutOf } from '../xen/abi/layout';
import { start_info, vcpu_info, XEN_LEGACY_MAX_VCPUS, MAX_GUEST_CMDLINE } from '../xen/abi/structs';
import type { Domain } from '../xen/domain';
import { fillHypercallPage } from '../xen/hypercall-page';
import type { Hypervisor } from '../xen/hypervisor';
import { loadSelector, writeXenGdtPage } from '../xen/pv/descriptors';
import {
  FLAT_KERNEL_CS64, FLAT_KERNEL_SS64, FLAT_RING1_CS, FLAT_RING1_DS, HI_NX, HYPERVISOR_VIRT_END_64,
  HYPERVISOR_VIRT_START_32, HYPERVISOR_VIRT_START_64, INVALID_M2P_32, INVALID_M2P_64, _PAGE_ACCESSED, _PAGE_DIRTY,
  _PAGE_PRESENT, _PAGE_RW, _PAGE_USER,
} from '../xen/pv/layout';
import { getPageAndType, loadGuestCr3, makePte, pinTable, rootType, writePte } from '../xen/pv/mmu';
import { Owner, PgType, PvDomainState, PvMachineLayout, pvOf, setPvDomainState } from '../xen/pv/state';
import { setupPvCpu } from '../xen/pv/vcpu-context';
import { ElfFile, PF_R, PF_W, PF_X, PT_LOAD, hex } from './elf';
import type { GuestKind } from './guest-kind';
import { XenImageError } from './xen-notes';

const PAGE = 4096;
const MiB = 1024 * 1024;
/** Our machine memory is one array of at most 2 GiB. */
const MAX_MACHINE_BYTES = 0x80000000;
/** VMASST_TYPE_pae_extended_cr3 (public/xen.h). */
const VMASST_PAE_EXTENDED_CR3 = 3n;
/** xg_dom_x86.c: L1 entries P|RW|A, upper levels P|RW|A|D|U. */
const L1_PROT = _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED;
const UPPER_PROT = _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_USER;

/** One level of the bootstrap tables (struct xc_dom_x86_mapping_lvl). */
interface PtLevel { from: bigint; to: bigint; pfn: number; count: number }

/** count_pgtables(): tables per level for [from, to] (inclusive), top level first in pfn order. */
function countPgtables(levels: number, vaddrMask: bigint, from: bigint, to: bigint, basePfn: number): { lvls: PtLevel[]; total: number } {
  const lvls: PtLevel[] = new Array(levels);
  let total = 0;
  for (let l = levels - 1; l >= 0; l--) {
    const pfn = basePfn + total;
    if (l === levels - 1) {
      lvls[l] = { from: 0n, to: vaddrMask, pfn, count: 1 };
      total += 1;
      continue;
    }
    const bits = BigInt(12 + (l + 1) * 9);
    const mask = (1n << bits) - 1n;
    const lf = from & ~mask;
    let lt = to | mask;
    // PAE: an L2 is always allocated for L3 slot 3 (Xen's hole lives there).
    if (levels === 3 && l === 1 && to < 0xc0000000n) lt = vaddrMask;
    const count = Number(((lt - lf) >> bits) + 1n);
    lvls[l] = { from: lf, to: lt, pfn, count };
    total += count;
  }
  return { lvls, total };
}

interface VirtualLayout {
  p2mPfn: number;
  p2mPages: number;
  startInfoPfn: number;
  storePfn: number;
  consolePfn: number;
  ptPfn: number;
  ptPages: number;
  lvls: PtLevel[];
  bootStackPfn: number;
  /** Pfns used from VIRT_BASE up. */
  allocEnd: number;
  /** End of the initial mapping (exclusive). */
  virtPgtabEnd: bigint;
}

function planVirtual(bits: 64 | 32, virtBase: bigint, kend: bigint, nrPages: number): VirtualLayout {
  const levels = bits === 64 ? 4 : 3;
  const vaddrMask = bits === 64 ? (1n << 48n) - 1n : 0xffffffffn;
  let allocEnd = Number((kend - virtBase + BigInt(PAGE - 1)) / BigInt(PAGE));
  const p2mPfn = allocEnd;
  const p2mPages = Math.ceil(nrPages * (bits / 8) / PAGE);
  allocEnd += p2mPages;
  const startInfoPfn = allocEnd++;
  const storePfn = allocEnd++;
  const consolePfn = allocEnd++;
  // alloc_pgtables_pv(): grow the mapping until the tables, the boot stack and 512 KiB fit in it.
  const extra = 1 + (512 * 1024) / PAGE;
  const from = virtBase & vaddrMask;
  const allocEndVirt = virtBase + BigInt(allocEnd * PAGE);
  let pages = extra;
  let tryEnd: bigint;
  let plan: { lvls: PtLevel[]; total: number };
  for (;;) {
    tryEnd = (allocEndVirt + BigInt(pages * PAGE)) | (4n * BigInt(MiB) - 1n);
    if (((tryEnd - virtBase) >> 12n) >= BigInt(nrPages)) {
      throw new XenImageError(`not enough memory for the initial mapping: [${hex(virtBase)}, ${hex(tryEnd + 1n)}) needs more than ${nrPages} pages`);
    }
    plan = countPgtables(levels, vaddrMask, from, tryEnd & vaddrMask, allocEnd);
    pages = plan.total + extra;
    if (allocEndVirt + BigInt(pages * PAGE) <= tryEnd + 1n) break;
  }
  const ptPfn = allocEnd;
  allocEnd += plan.total;
  const bootStackPfn = allocEnd++;
  return { p2mPfn, p2mPages, startInfoPfn, storePfn, consolePfn, ptPfn, ptPages: plan.total, lvls: plan.lvls, bootStackPfn, allocEnd, virtPgtabEnd: tryEnd + 1n };
}

/** Xen's own frames below the guest's: sizes depend on the M2P, which covers every frame, so iterate. */
function planMachine(bits: 64 | 32, vcpus: number, maxPages: number): PvMachineLayout {
  const entry = bits === 64 ? 8 : 4;
  const gdtL1s = Math.ceil(vcpus / 16);
  let xen = 0;
  for (;;) {
    const total = xen + maxPages;
    const m2pFrames = Math.ceil(total * entry / PAGE);
    const m2pL1s = Math.ceil(m2pFrames / 512);
    const need = 3 + gdtL1s + m2pFrames + m2pL1s + (bits === 64 ? 4 : vcpus);
    if (need <= xen) break;
    xen = need;
  }
  const total = xen + maxPages;
  const m2pFrames = Math.ceil(total * entry / PAGE);
  const m2pL1s = Math.ceil(m2pFrames / 512);
  let next = 0;
  const take = (n = 1): number => { const f = next; next += n; return f; };
  const L: PvMachineLayout = {
    bits, xenFrames: xen, totalFrames: total,
    zeroMfn: take(), sharedInfoMfn: take(), xenGdtMfn: take(),
    m2pMfn: take(m2pFrames), m2pFrames,
    m2pL1Mfns: [], m2pL2Mfn: 0, m2pL3Mfn: 0, gdtL1Mfns: [], perdomL2Mfn: 0, perdomL3Mfn: 0, paeShadowMfns: [],
  };
  for (let i = 0; i < m2pL1s; i++) L.m2pL1Mfns.push(take());
  for (let i = 0; i < gdtL1s; i++) L.gdtL1Mfns.push(take());
  if (bits === 64) {
    L.m2pL2Mfn = take(); L.m2pL3Mfn = take(); L.perdomL2Mfn = take(); L.perdomL3Mfn = take();
  } else {
    for (let i = 0; i < vcpus; i++) L.paeShadowMfns.push(take());
  }
  if (bits === 32 && m2pL1s > 8) throw new XenImageError(`${total} machine frames do not fit the 16 MiB compat M2P window`);
  return L;
}

/** Xen's read-only M2P mapping and the GDT/LDT-area tables (the 64-bit L3/L2 levels; L1s for both). */
function writeXenMappings(d: Domain, L: PvMachineLayout): void {
  const ro = _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED;
  const rw = _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY;
  for (let f = 0; f < L.m2pFrames; f++) {
    const p = makePte(L.m2pMfn + f, ro);
    writePte(d, L.m2pL1Mfns[f >> 9], f & 511, { lo: p.lo, hi: p.hi | HI_NX });
  }
  if (L.bits === 64) {
    writePte(d, L.m2pL3Mfn, 0, makePte(L.m2pL2Mfn, ro));
    L.m2pL1Mfns.forEach((m, k) => writePte(d, L.m2pL2Mfn, k, makePte(m, ro)));
    writePte(d, L.perdomL3Mfn, 0, makePte(L.perdomL2Mfn, rw));
    L.gdtL1Mfns.forEach((m, k) => writePte(d, L.perdomL2Mfn, k, makePte(m, rw)));
  }
}

export function buildPvDomain(hv: Hypervisor, d: Domain, elf: ElfFile, kind: Extract<GuestKind, { kind: 'pv' }>): void {
  const bits = kind.bitness;
  const info = kind.info;
  if (d.pvBits !== bits) throw new XenImageError(`the domain is configured as ${d.pvBits}-bit PV but the kernel is ${bits}-bit`);
  const nrPages = d.options.memoryMiB * 256;
  const maxPages = Math.max(nrPages, (d.options.maxMemoryMiB ?? d.options.memoryMiB) * 256);
  if (!Number.isInteger(nrPages) || nrPages <= 0) throw new XenImageError(`memory = ${d.options.memoryMiB} MiB is not a positive whole number of MiB`);

  // ---- virtual layout and image checks ----
  const virtBase = info.virtBase;
  const kstart = info.virtKernelStart, kend = info.virtKernelEnd;
  if (kstart % BigInt(PAGE) !== 0n) throw new XenImageError(`kernel start ${hex(kstart)} is not page aligned (xc_dom_alloc_segment: segment start isn't page aligned)`);
  if (virtBase % BigInt(PAGE) !== 0n) throw new XenImageError(`VIRT_BASE ${hex(virtBase)} is not page aligned`);
  const V = planVirtual(bits, virtBase, kend, nrPages);
  if (V.allocEnd > nrPages) {
    throw new XenImageError(`image too big for memory: kernel, p2m list, start_info, rings, page tables and boot stack need ${V.allocEnd} pages `
      + `(${(V.allocEnd * PAGE / MiB).toFixed(1)} MiB) but the domain has ${nrPages} (${d.options.memoryMiB} MiB)`);
  }
  if (bits === 64) {
    const lastVa = V.virtPgtabEnd - 1n;
    const canonical = (a: bigint): boolean => a < (1n << 47n) || (a >= 0xffff800000000000n && a < (1n << 64n));
    if (!canonical(virtBase) || !canonical(lastVa) || (virtBase < (1n << 47n)) !== (lastVa < (1n << 47n))) {
      throw new XenImageError(`initial mapping [${hex(virtBase)}, ${hex(V.virtPgtabEnd)}) is not in one canonical half`);
    }
    if (virtBase < HYPERVISOR_VIRT_END_64 && V.virtPgtabEnd > HYPERVISOR_VIRT_START_64) {
      throw new XenImageError(`image overlaps Xen's reserved range [${hex(HYPERVISOR_VIRT_START_64)}, ${hex(HYPERVISOR_VIRT_END_64)}): `
        + `initial mapping is [${hex(virtBase)}, ${hex(V.virtPgtabEnd)})`);
    }
  } else if (V.virtPgtabEnd > BigInt(HYPERVISOR_VIRT_START_32)) {
    throw new XenImageError(`image overlaps the hypervisor hole at ${hex(HYPERVISOR_VIRT_START_32)}: initial mapping is [${hex(virtBase)}, ${hex(V.virtPgtabEnd)})`);
  }

  // ---- machine layout ----
  const L = planMachine(bits, d.options.vcpus, maxPages);
  if (L.totalFrames * PAGE > MAX_MACHINE_BYTES) {
    throw new XenImageError(`memory = ${d.options.maxMemoryMiB ?? d.options.memoryMiB} MiB plus Xen's ${L.xenFrames} frames exceeds the emulator's 2 GiB machine memory`);
  }
  const R = L.xenFrames;
  const mfnOf = (pfn: number): number => pfn + R;
  d.mem = new PhysicalMemory(L.totalFrames * PAGE);
  d.sharedInfoAddr = L.sharedInfoMfn * PAGE;
  d.sharedInfoAbi = bits === 64 ? 'x86_64' : 'x86_32';
  const s = new PvDomainState(L);
  s.owner.fill(Owner.Xen, 0, R);
  s.owner.fill(Owner.Domain, R, R + nrPages);
  // shared_info: a Xen page shared with the guest, writable-typed for good (share_xen_page_with_guest).
  s.owner[L.sharedInfoMfn] = Owner.Domain;
  s.type[L.sharedInfoMfn] = PgType.Writable;
  s.typeCount[L.sharedInfoMfn] = 1;
  s.permanent[L.sharedInfoMfn] = 1;
  setPvDomainState(d, s);
  d.totPages = nrPages;
  d.maxPages = maxPages;

  // shared_info: zero, every legacy vcpu_info masked.
  const viSize = layoutOf(vcpu_info, d.sharedInfoAbi).size;
  for (let i = 0; i < XEN_LEGACY_MAX_VCPUS; i++) d.mem.write8(d.sharedInfoAddr + i * viSize + 1, 1);

  // M2P: every machine frame; Xen's and free frames hold INVALID_M2P_ENTRY.
  d.p2m = new Int32Array(maxPages).fill(-1);
  d.m2p = new Int32Array(L.totalFrames).fill(-1);
  const m2pBase = L.m2pMfn * PAGE;
  for (let mfn = 0; mfn < L.totalFrames; mfn++) {
    const pfn = mfn >= R && mfn < R + nrPages ? mfn - R : -1;
    if (bits === 64) d.mem.view.setBigUint64(m2pBase + mfn * 8, pfn < 0 ? INVALID_M2P_64 : BigInt(pfn), true);
    else d.mem.view.setUint32(m2pBase + mfn * 4, pfn < 0 ? INVALID_M2P_32 : pfn, true);
    if (pfn >= 0) { d.m2p[mfn] = pfn; d.p2m[pfn] = mfn; }
  }
  writeXenMappings(d, L);
  writeXenGdtPage(d);

  hv.addDomain(d);
  hv.attachEventChannels(d);
  d.storeFrame = mfnOf(V.storePfn);
  d.consoleFrame = mfnOf(V.consolePfn);
  hv.console.attach(d);
  hv.xenstore.attach(d);

  // ---- guest memory contents ----
  const vaToMachine = (va: bigint): number => {
    const pfn = Number((va - virtBase) >> 12n);
    return mfnOf(pfn) * PAGE + Number(va & 0xfffn);
  };
  loadImage(d, elf, info.virtOffset, vaToMachine);
  if (info.hypercallPage !== undefined) {
    const at = vaToMachine(info.hypercallPage & ~0xfffn);
    d.mem.writeBytes(at, fillHypercallPage(bits === 64 ? 'pv64' : 'pv32', 'intel'));
  }
  if (info.p2mBase !== undefined) {
    hv.warn(undefined, `INIT_P2M ${hex(info.p2mBase)} is not supported by this builder: the p2m list stays in the initial mapping`, d);
  }
  // p2m list (mfn_list): xen_pfn_t per pfn.
  const p2mAt = mfnOf(V.p2mPfn) * PAGE;
  for (let pfn = 0; pfn < nrPages; pfn++) {
    if (bits === 64) d.mem.view.setBigUint64(p2mAt + pfn * 8, BigInt(mfnOf(pfn)), true);
    else d.mem.view.setUint32(p2mAt + pfn * 4, mfnOf(pfn), true);
  }
  d.mem.noteWrite(p2mAt, V.p2mPages * PAGE);
  writePageTables(d, bits, virtBase, V, mfnOf);
  writeStartInfo(d, kind, V, virtBase, mfnOf);

  // ---- vCPUs: Xen's processor state, then vCPU 0's start of day ----
  for (const v of d.vcpus) setupPvCpu(v);
  const ptMfn = mfnOf(V.ptPfn);
  // arch_setup_bootlate pins the top-level table; setvcpucontext installs it as the kernel base.
  let rc = pinTable(d, ptMfn, rootType(s));
  if (rc === 0) rc = getPageAndType(d, ptMfn, rootType(s));
  if (rc < 0) throw new Error(`PV builder: the bootstrap page tables failed Xen's validation (errno ${-rc})`);
  const v0 = d.vcpus[0];
  const pv = pvOf(v0);
  pv.kernelBaseMfn = ptMfn;
  pv.kernelMode = true;
  loadGuestCr3(v0);
  if (bits === 32 && (info.pae === 'extended-cr3' || info.pae === 'bimodal')) d.vmAssist |= 1n << VMASST_PAE_EXTENDED_CR3;

  const cpu = v0.cpu;
  const stackTop = virtBase + BigInt((V.bootStackPfn + 1) * PAGE);
  const startInfoVa = virtBase + BigInt(V.startInfoPfn * PAGE);
  for (let r = 0; r < 16; r++) cpu.setReg(r as Reg, 0n);
  cpu.rip = info.entry;
  cpu.setReg(Reg.RSP, stackTop);
  cpu.setReg(Reg.RSI, startInfoVa);
  cpu.rflags = 0x202n; // IF (bit 1 is always set)
  const [csSel, dsSel] = bits === 64 ? [FLAT_KERNEL_CS64, FLAT_KERNEL_SS64] : [FLAT_RING1_CS, FLAT_RING1_DS];
  const err = loadSelector(v0, SS, dsSel) ?? loadSelector(v0, CS, csSel);
  if (err) throw new Error(`PV builder: cannot load the flat selectors: ${err}`);
  for (const seg of [DS, ES, FS, GS]) loadSelector(v0, seg, bits === 64 ? 0 : dsSel);
  pv.kernelSs = dsSel;
  pv.kernelSp = stackTop;
}

/** elf_load_binary(): PT_LOAD segments at p_paddr + virt_offset, the bss zeroed (it already is). */
function loadImage(d: Domain, elf: ElfFile, virtOffset: bigint, vaToMachine: (va: bigint) => number): void {
  for (const ph of elf.programHeaders) {
    if (ph.type !== PT_LOAD || ph.memsz === 0n || (ph.flags & (PF_R | PF_W | PF_X)) === 0) continue;
    const va = BigInt.asUintN(64, ph.paddr + virtOffset);
    const data = elf.segmentData(ph);
    for (let k = 0; k < data.length;) {
      const a = va + BigInt(k);
      const n = Math.min(data.length - k, PAGE - Number(a & 0xfffn));
      d.mem.writeBytes(vaToMachine(a), data.subarray(k, k + n));
      k += n;
    }
  }
}

/** setup_pgtables_pv(): every level's entries for the tables below it, L1s for the mapped area. */
function writePageTables(d: Domain, bits: 64 | 32, virtBase: bigint, V: VirtualLayout, mfnOf: (pfn: number) => number): void {
  const levels = bits === 64 ? 4 : 3;
  const vaddrMask = bits === 64 ? (1n << 48n) - 1n : 0xffffffffn;
  const area = { from: virtBase & vaddrMask, to: (V.virtPgtabEnd - 1n) & vaddrMask, pfn: 0, count: 1 };
  const ptEnd = V.ptPfn + V.ptPages;
  for (let l = levels - 1; l >= 0; l--) {
    const lvl = V.lvls[l];
    const child = l > 0 ? V.lvls[l - 1] : area;
    if (l > 0 && child.count === 0) continue;
    if (child.from >= lvl.to || child.to <= lvl.from) continue;
    const shift = BigInt(12 + l * 9);
    const lo = child.from > lvl.from ? child.from : lvl.from;
    const hi = child.to < lvl.to ? child.to : lvl.to;
    const pS = Number((lo - lvl.from) >> shift);
    const pE = Number((hi - lvl.from) >> shift);
    let pfn = Number((lo - child.from) >> shift) + child.pfn;
    for (let p = pS; p <= pE; p++, pfn++) {
      const prot = l > 0 ? UPPER_PROT : pfn >= V.ptPfn && pfn < ptEnd ? L1_PROT & ~_PAGE_RW : L1_PROT;
      writePte(d, mfnOf(lvl.pfn + Math.floor(p / 512)), p % 512, makePte(mfnOf(pfn), prot));
    }
  }
}

function writeStartInfo(d: Domain, kind: Extract<GuestKind, { kind: 'pv' }>, V: VirtualLayout, virtBase: bigint, mfnOf: (pfn: number) => number): void {
  const at = mfnOf(V.startInfoPfn) * PAGE;
  const si = new StructView(layoutOf(start_info, d.sharedInfoAbi), d.mem.view, at);
  si.setString('magic', kind.guestType);
  si.set('nr_pages', d.totPages);
  si.set('shared_info', BigInt(d.sharedInfoAddr));
  si.set('flags', 0);
  si.set('store_mfn', d.storeFrame);
  si.set('store_evtchn', d.storePort);
  si.set('console.domU.mfn', d.consoleFrame);
  si.set('console.domU.evtchn', d.consolePort);
  si.set('pt_base', virtBase + BigInt(V.ptPfn * PAGE));
  si.set('nr_pt_frames', V.ptPages);
  si.set('mfn_list', virtBase + BigInt(V.p2mPfn * PAGE));
  si.set('mod_start', 0);
  si.set('mod_len', 0);
  si.setString('cmd_line', d.options.cmdline.slice(0, MAX_GUEST_CMDLINE - 1));
  si.set('first_p2m_pfn', 0);
  si.set('nr_p2m_frames', 0);
  d.mem.noteWrite(at, PAGE);
}
