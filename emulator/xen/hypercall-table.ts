/**
 * Xen x86 hypercall numbers and per-guest-type handler availability, as data.
 *
 * Numbers: public/xen.h `__HYPERVISOR_*` (identical in the 4.17 headers and HEAD; fact sheet
 * /work/shared/reference/xen-abi.md §1). Handler columns: fact sheet §1, read from HEAD
 * `xen/include/hypercall-defs.c` (the generated dispatch table). Version history that changes a column
 * (e.g. HVM multicall since 4.16) is recorded per entry and resolved by `hypercallHandler()`; the rest of
 * the version differences live in profiles.ts.
 */

/** Guest types as Xen dispatches them. HVM includes PVH; "hvm32" is any non-64-bit HVM mode (§0). */
export type GuestType = 'pv64' | 'pv32' | 'hvm64' | 'hvm32';
export const GUEST_TYPES: readonly GuestType[] = ['pv64', 'pv32', 'hvm64', 'hvm32'];

export const isPv = (t: GuestType): boolean => t === 'pv64' || t === 'pv32';
export const isHvm = (t: GuestType): boolean => t === 'hvm64' || t === 'hvm32';
export const is64 = (t: GuestType): boolean => t === 'pv64' || t === 'hvm64';

/**
 * Handler kind (§1 legend): 'native' = do_*, 'compat' = compat_* (translates 32-bit structures),
 * 'hvm-filter' = hvm_* wrapper that then calls native or compat by mode; null = not wired → -ENOSYS.
 */
export type HandlerKind = 'native' | 'compat' | 'hvm-filter';

/** A Xen release as [major, minor]. */
export type XenRelease = readonly [number, number];

export const releaseAtLeast = (v: XenRelease, min: XenRelease): boolean =>
  v[0] !== min[0] ? v[0] > min[0] : v[1] >= min[1];

export interface HypercallInfo {
  readonly nr: number;
  /** Name without the `__HYPERVISOR_` prefix, as in public/xen.h. */
  readonly name: string;
  /** Other public-header names for the same number (e.g. `mca` from public/arch-x86/xen-mca.h). */
  readonly aliases: readonly string[];
  /** Xen-internal name (not in the public headers), e.g. arch_1 = paging_domctl_cont (§1). */
  readonly internalName?: string;
  /** Handler per guest type in HEAD (§1). */
  readonly handlers: Readonly<Record<GuestType, HandlerKind | null>>;
  /** First release with a handler at all, where the fact sheet gives it. */
  readonly introduced?: XenRelease;
  /** First release without a handler (number still reserved). */
  readonly removed?: XenRelease;
  /** Handlers that existed before `removed` (when HEAD has none). */
  readonly handlersBeforeRemoval?: Readonly<Record<GuestType, HandlerKind | null>>;
  /** First release in which HVM guests get the handler (earlier: -ENOSYS for HVM). */
  readonly hvmIntroduced?: XenRelease;
  readonly notes?: string;
}

// Column order of the §1 table is PV32, PV64, HVM32, HVM64; 'C'/'N'/'H'/'-' as there.
type Col = 'N' | 'C' | 'H' | '-';
const KIND: Record<Col, HandlerKind | null> = { N: 'native', C: 'compat', H: 'hvm-filter', '-': null };
const cols = (pv32: Col, pv64: Col, hvm32: Col, hvm64: Col): Record<GuestType, HandlerKind | null> => ({
  pv32: KIND[pv32], pv64: KIND[pv64], hvm32: KIND[hvm32], hvm64: KIND[hvm64],
});

type Extra = Omit<HypercallInfo, 'nr' | 'name' | 'handlers' | 'aliases'> & { aliases?: readonly string[] };
const hc = (nr: number, name: string, h: Record<GuestType, HandlerKind | null>, extra: Extra = {}): HypercallInfo =>
  ({ nr, name, handlers: h, aliases: extra.aliases ?? [], ...extra });

/** §1 table, row by row. */
export const HYPERCALLS: readonly HypercallInfo[] = [
  hc(0, 'set_trap_table', cols('C', 'N', '-', '-')),
  hc(1, 'mmu_update', cols('N', 'N', '-', '-'), { notes: 'preemptible (§3)' }),
  hc(2, 'set_gdt', cols('C', 'N', '-', '-')),
  hc(3, 'stack_switch', cols('N', 'N', '-', '-')),
  hc(4, 'set_callbacks', cols('C', 'N', '-', '-')),
  hc(5, 'fpu_taskswitch', cols('N', 'N', '-', '-')),
  hc(6, 'sched_op_compat', cols('N', 'N', '-', '-'), { notes: 'legacy since iface 0x00030101' }),
  hc(7, 'platform_op', cols('C', 'N', 'C', 'N'), { notes: 'privileged (dom0)' }),
  hc(8, 'set_debugreg', cols('N', 'N', '-', '-')),
  hc(9, 'get_debugreg', cols('N', 'N', '-', '-')),
  hc(10, 'update_descriptor', cols('C', 'N', '-', '-')),
  // 11 is unassigned in current headers (§1).
  hc(12, 'memory_op', cols('C', 'N', 'H', 'H')),
  // §9: "HVM multicall -ENOSYS → supported, 4.16 (198a2bc6f1)".
  hc(13, 'multicall', cols('C', 'N', 'C', 'N'), { hvmIntroduced: [4, 16] }),
  hc(14, 'update_va_mapping', cols('C', 'N', '-', '-')),
  hc(15, 'set_timer_op', cols('C', 'N', 'C', 'N')),
  hc(16, 'event_channel_op_compat', cols('N', 'N', '-', '-')),
  hc(17, 'xen_version', cols('N', 'N', 'N', 'N')),
  hc(18, 'console_io', cols('N', 'N', 'N', 'N')),
  hc(19, 'physdev_op_compat', cols('C', 'N', '-', '-')),
  hc(20, 'grant_table_op', cols('C', 'N', 'H', 'H')),
  // §9: "HVM vm_assist hypercall -ENOSYS → runstate_update_flag only, 4.14".
  hc(21, 'vm_assist', cols('N', 'N', 'N', 'N'), { hvmIntroduced: [4, 14] }),
  hc(22, 'update_va_mapping_otherdomain', cols('C', 'N', '-', '-')),
  hc(23, 'iret', cols('C', 'N', '-', '-'), { notes: 'x86 PV only; entered with jmp, never returns normally' }),
  hc(24, 'vcpu_op', cols('C', 'N', 'C', 'N')),
  hc(25, 'set_segment_base', cols('N', 'N', '-', '-'), { notes: 'PV32 → -ENOSYS inside the handler' }),
  hc(26, 'mmuext_op', cols('C', 'N', 'C', 'N')),
  hc(27, 'xsm_op', cols('C', 'N', 'C', 'N')),
  hc(28, 'nmi_op', cols('C', 'N', '-', '-')),
  hc(29, 'sched_op', cols('C', 'N', 'C', 'N')),
  hc(30, 'callback_op', cols('C', 'N', '-', '-')),
  // §1: "dropped in Xen 4.22 (was PV-only)"; §9 "xenoprof_op present (PV) → removed, 4.22".
  // The PV32 handler being compat (not native) is [U]: the fact sheet only says "PV".
  hc(31, 'xenoprof_op', cols('-', '-', '-', '-'), {
    removed: [4, 22], handlersBeforeRemoval: cols('C', 'N', '-', '-'),
  }),
  hc(32, 'event_channel_op', cols('N', 'N', 'N', 'N')),
  hc(33, 'physdev_op', cols('C', 'N', 'H', 'H')),
  hc(34, 'hvm_op', cols('N', 'N', 'N', 'N')),
  hc(35, 'sysctl', cols('N', 'N', 'N', 'N')),
  hc(36, 'domctl', cols('N', 'N', 'N', 'N')),
  hc(37, 'kexec_op', cols('C', 'N', '-', '-')),
  // §1 "removed (always -ENOSYS)"; §9's 4.4 HVM set still lists tmem_op. Removal release not in the fact
  // sheet: 4.13 is [U].
  hc(38, 'tmem_op', cols('-', '-', '-', '-'), {
    removed: [4, 13], handlersBeforeRemoval: cols('C', 'N', 'N', 'N'),
  }),
  // §1 "only with CONFIG_ARGO"; introduced in 4.12 is [U] (not in the fact sheet).
  hc(39, 'argo_op', cols('C', 'N', 'C', 'N'), { introduced: [4, 12] }),
  // Introduced in 4.6 is [U] (not in the fact sheet).
  hc(40, 'xenpmu_op', cols('N', 'N', 'N', 'N'), { introduced: [4, 6] }),
  hc(41, 'dm_op', cols('C', 'N', 'C', 'N'), { introduced: [4, 9], notes: 'device-model ops (4.9+, §1)' }),
  hc(42, 'hypfs_op', cols('N', 'N', 'N', 'N'), { introduced: [4, 14], notes: '4.14+ (§1)' }),
  hc(48, 'arch_0', cols('N', 'N', '-', '-'), { aliases: ['mca'], notes: 'machine check (x86)' }),
  hc(49, 'arch_1', cols('N', 'N', 'N', 'N'), {
    internalName: 'paging_domctl_cont', notes: 'internal continuation of domctl',
  }),
  hc(50, 'arch_2', cols('-', '-', '-', '-')),
  hc(51, 'arch_3', cols('-', '-', '-', '-')),
  hc(52, 'arch_4', cols('-', '-', '-', '-')),
  hc(53, 'arch_5', cols('-', '-', '-', '-')),
  hc(54, 'arch_6', cols('-', '-', '-', '-')),
  hc(55, 'arch_7', cols('-', '-', '-', '-')),
];

/**
 * Size of Xen's dispatch table (NR_hypercalls = 64 is [U]: not in the fact sheet). Unassigned numbers below it
 * and anything ≥ it (or with high bits set in rax) → -ENOSYS (§1).
 */
export const NR_HYPERCALLS = 64;

const BY_NR = new Map<number, HypercallInfo>(HYPERCALLS.map((h) => [h.nr, h]));
const BY_NAME = new Map<string, HypercallInfo>();
for (const h of HYPERCALLS) {
  for (const n of [h.name, ...h.aliases, ...(h.internalName ? [h.internalName] : [])]) BY_NAME.set(n, h);
}

/** Lookup by number; undefined for unassigned numbers (11, 43–47, ≥56). */
export function hypercallByNr(nr: number): HypercallInfo | undefined {
  return BY_NR.get(nr);
}

/** Lookup by name, with or without the `__HYPERVISOR_` prefix; aliases and internal names accepted. */
export function hypercallByName(name: string): HypercallInfo | undefined {
  return BY_NAME.get(name.startsWith('__HYPERVISOR_') ? name.slice('__HYPERVISOR_'.length) : name);
}

/** What a profile must tell the table (kept minimal so this module does not depend on profiles.ts). */
export interface HypercallRelease {
  readonly release: XenRelease;
  /**
   * For old releases whose HVM hypercall set differs from the modern table in ways not captured by per-entry
   * history: the complete list of hypercall names HVM guests may call. Absent → derive from the table.
   */
  readonly hvmHypercallAllowList?: readonly string[];
}

/**
 * Handler for hypercall `nr` from a `guest` in a Xen `rel`ease; null means Xen returns -ENOSYS.
 * `nr` outside the table (including negative or ≥ NR_HYPERCALLS) → null (§1).
 */
export function hypercallHandler(nr: number, guest: GuestType, rel: HypercallRelease): HandlerKind | null {
  const h = BY_NR.get(nr);
  if (!h) return null;
  const v = rel.release;
  if (h.introduced && !releaseAtLeast(v, h.introduced)) return null;
  let kind = h.handlers[guest];
  if (h.removed && h.handlersBeforeRemoval && !releaseAtLeast(v, h.removed)) kind = h.handlersBeforeRemoval[guest];
  if (kind === null) return null;
  if (isHvm(guest)) {
    if (rel.hvmHypercallAllowList && !rel.hvmHypercallAllowList.includes(h.name)) return null;
    if (h.hvmIntroduced && !releaseAtLeast(v, h.hvmIntroduced)) return null;
  }
  return kind;
}
