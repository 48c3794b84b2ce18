/**
 * Constants of the PV address spaces and the pieces of Xen a PV guest can see: flat selectors and the
 * descriptors behind them, the hypervisor holes, the read-only M2P window, the per-vCPU GDT/LDT area, and
 * the page-table bits Xen's validation looks at.
 *
 * Sources: public/arch-x86/xen-x86_64.h and xen-x86_32.h (selectors, HYPERVISOR_VIRT_START/END,
 * MACH2PHYS_VIRT_START), xen/arch/x86/include/asm/config.h (PERDOMAIN_VIRT_START, GDT_LDT layout,
 * FIRST_RESERVED_GDT_PAGE), xen/arch/x86/boot/x86_64.S / gdt descriptors (boot_gdt, boot_compat_gdt),
 * xen/arch/x86/mm.c arch_init_memory (base_disallow_mask) and asm/x86_64/page.h (_PAGE_GUEST_KERNEL,
 * _PAGE_GNTTAB) — Xen 4.17.
 */

export const PAGE_SIZE = 4096;
export const PAGE_SHIFT = 12;

// ---- flat selectors (fact sheet §6.2) ----
export const FLAT_KERNEL_CS64 = 0xe033; // FLAT_RING3_CS64
export const FLAT_KERNEL_SS64 = 0xe02b; // FLAT_RING3_SS64 = FLAT_RING3_DS32
export const FLAT_RING1_CS = 0xe019;
export const FLAT_RING1_DS = 0xe021;

/** FIRST_RESERVED_GDT_PAGE = 14: guest GDT frames are pages 0..13, Xen's page 14 (entries 7168..). */
export const FIRST_RESERVED_GDT_PAGE = 14;
export const FIRST_RESERVED_GDT_ENTRY = FIRST_RESERVED_GDT_PAGE * 512;
/** LAST_RESERVED_GDT_BYTE: the GDTR limit Xen loads for PV vCPUs. */
export const GDT_LIMIT = (FIRST_RESERVED_GDT_PAGE + 1) * PAGE_SIZE - 1;
/** Xen's LDT selector (boot_gdt slot 0xe050). */
export const LDT_SELECTOR = 0xe050;

/**
 * Descriptors of Xen's reserved GDT page, indexed by selector (x86_64/boot gdt tables, accessed bits
 * set). Only the entries a guest can name: the 64-bit table for PV64, the compat table for PV32.
 */
export const XEN_GDT_64: ReadonlyMap<number, bigint> = new Map([
  [0xe008, 0x00af9b000000ffffn], // ring 0 code, 64-bit
  [0xe010, 0x00cf93000000ffffn], // ring 0 data
  [0xe023, 0x00cffb000000ffffn], // ring 3 code, compatibility
  [0xe02b, 0x00cff3000000ffffn], // ring 3 data
  [0xe033, 0x00affb000000ffffn], // ring 3 code, 64-bit
]);
export const XEN_GDT_32: ReadonlyMap<number, bigint> = new Map([
  [0xe008, 0x00af9b000000ffffn],
  [0xe010, 0x00cf93000000ffffn],
  [0xe019, 0x00cfbb000000ffffn], // ring 1 code, compatibility
  [0xe021, 0x00cfb3000000ffffn], // ring 1 data
  [0xe02b, 0x00cffb000000ffffn], // ring 3 code, compatibility
  [0xe033, 0x00cff3000000ffffn], // ring 3 data
]);

// ---- 64-bit PV address space (xen-x86_64.h, asm/config.h) ----
export const HYPERVISOR_VIRT_START_64 = 0xffff800000000000n;
export const HYPERVISOR_VIRT_END_64 = 0xffff880000000000n;
/** PERDOMAIN_VIRT_START: L4 slot 260; GDT_LDT area per vCPU (GDT_LDT_VCPU_VA_SHIFT = 17). */
export const PERDOMAIN_VIRT_START_64 = 0xffff820000000000n;
/** ROOT_PAGETABLE_FIRST/LAST_XEN_SLOT: L4 slots a guest does not control. */
export const L4_FIRST_XEN_SLOT = 256;
export const L4_LAST_XEN_SLOT = 271;
/** RO_MPT_VIRT_START = MACH2PHYS_VIRT_START (0xFFFF800000000000) is L4 slot 256. */
export const L4_SLOT_RO_MPT = 256;
export const L4_SLOT_PERDOMAIN = 260;

// ---- 32-bit PAE PV address space (xen-x86_32.h; HYPERVISOR_COMPAT_VIRT_START default) ----
/** Also MACH2PHYS_COMPAT_VIRT_START: the compat M2P window is 16 MiB of 4-byte entries from here. */
export const HYPERVISOR_VIRT_START_32 = 0xf5800000;
/**
 * Where this emulator maps the per-vCPU GDT/LDT area of a 32-bit guest. Xen keeps it in its 64-bit
 * per-domain area, out of a compat guest's reach; a legacy-PAE core has no such area, so it lives in
 * the hypervisor hole above the compat M2P (supervisor-only mappings).
 */
export const GDT_AREA_32 = 0xf6800000;
/** First L2 slot of the slot-3 L2 that belongs to Xen: (HYPERVISOR_COMPAT_VIRT_START >> 21) & 511. */
export const PAE_L2_FIRST_XEN_SLOT = (HYPERVISOR_VIRT_START_32 >>> 21) & 511;

/** Per-vCPU GDT/LDT area: 16 GDT pages then 16 LDT pages (GDT_LDT_VCPU_SHIFT 5). */
export const GDT_LDT_PAGES_PER_VCPU = 32;
export const LDT_PAGE_OFFSET = 16;

// ---- page-table entry bits ----
export const _PAGE_PRESENT = 0x001;
export const _PAGE_RW = 0x002;
export const _PAGE_USER = 0x004;
export const _PAGE_PWT = 0x008;
export const _PAGE_PCD = 0x010;
export const _PAGE_ACCESSED = 0x020;
export const _PAGE_DIRTY = 0x040;
export const _PAGE_PSE = 0x080;
export const _PAGE_GLOBAL = 0x100;
/** Bits in the high word (PTE bits 32..63). */
export const HI_GUEST_KERNEL = 1 << 20; // PTE bit 52 (_PAGE_GUEST_KERNEL)
const HI_GNTTAB = 1 << 30; // PTE bit 62 (_PAGE_GNTTAB)
export const HI_NX = 0x80000000; // PTE bit 63
/** PTE bits 52..62: available to guest software (_PAGE_AVAIL_HIGH). */
const HI_AVAIL = 0x7ff00000;
/** Address bits 32..51 of an entry's high word. */
export const HI_ADDR = 0x000fffff;

/** base_disallow_mask in low-word terms: PWT, PCD, PSE/PAT, GLOBAL. */
export const BASE_DISALLOW_LO = _PAGE_PWT | _PAGE_PCD | _PAGE_PSE | _PAGE_GLOBAL;
/** L1_DISALLOW_MASK for a domain without I/O resources: cache attributes and _PAGE_GNTTAB, but G is fine. */
export const L1_DISALLOW_LO = _PAGE_PWT | _PAGE_PCD | _PAGE_PSE;
export const L1_DISALLOW_HI = HI_GNTTAB;
/** l3_disallow_mask for a 32-bit domain (0xFFFFF198): also every high flag bit (AVAIL_HIGH, NX). */
export const L3_DISALLOW_HI_32 = 0xfff00000 >>> 0;

/** Flags a guest may change without revalidation (mm.c FASTPATH_FLAG_WHITELIST / _PDE_ variant). */
export const FASTPATH_LO = _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_GLOBAL | 0xe00;
export const FASTPATH_HI = HI_AVAIL | HI_NX;

/** INVALID_M2P_ENTRY (~0UL) as stored in the 64-bit and compat tables. */
export const INVALID_M2P_64 = 0xffffffffffffffffn;
export const INVALID_M2P_32 = 0xffffffff;

/** MMU_UPDATE_PREEMPTED (asm/mm.h): top bit of the count in a continuation. */
export const MMU_UPDATE_PREEMPTED = 0x80000000;
