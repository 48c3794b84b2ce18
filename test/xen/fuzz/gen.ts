/**
 * Hostile hypercall generation: the hypercall number (mostly 0..63 and the implemented ones, sometimes
 * huge or with high bits set), a sub-op (valid, off by one, with continuation-style high bits, negative),
 * arguments, and the contents of the guest's scratch memory the pointers aim at: argument structs filled
 * field by field from the ABI declarations (emulator/xen/abi/structs.ts) with values chosen by field name
 * (ports, domids, vCPU ids, frame numbers, counts, nested pointers), the rest random bytes.
 *
 * Pointers come from classes the harness guest set up (see guests/fuzz-hvm.S): NULL and small, unmapped,
 * non-canonical, the guest's own RAM (scratch), read-only pages, the hypercall page, the top of the address
 * space, structs crossing into an unmapped or read-only page, the guest's stack, Xen's special pages, random.
 */
import { Abi, FieldLayout, Layout, StructDef, field, layoutOf, struct, u16, u32, u64, u8, xenPfn } from '../../../emulator/xen/abi/layout';
import {
  evtchn_alloc_unbound, evtchn_bind_interdomain, evtchn_bind_ipi, evtchn_bind_pirq, evtchn_bind_vcpu, evtchn_bind_virq,
  evtchn_close, evtchn_expand_array, evtchn_init_control, evtchn_reset, evtchn_send, evtchn_set_priority, evtchn_status,
  evtchn_unmask, mmu_update, mmuext_op, multicall_entry, sched_poll, sched_remote_shutdown, sched_shutdown, trap_info,
  vcpu_register_runstate_memory_area, vcpu_register_vcpu_info, vcpu_runstate_info, vcpu_set_periodic_timer,
  vcpu_set_singleshot_timer, xen_add_to_physmap, xen_feature_info, xen_hvm_param, xen_memory_map, xen_memory_reservation,
} from '../../../emulator/xen/abi/structs';
import { hypercallByNr } from '../../../emulator/xen/hypercall-table';
import { hypercallParams } from '../../../emulator/xen/hypercall/signatures';
import type { FuzzGuestType } from './harness-guest';
import { FuzzRng } from './rng';

export type PtrClass =
  | 'null' | 'small' | 'unmapped' | 'noncanonical' | 'ram' | 'ro' | 'hcallpage' | 'top' | 'crossing' | 'stack'
  | 'special' | 'xen' | 'random';

/** What the generator knows about one harness machine (fixed for a guest type and epoch configuration). */
export interface FuzzLayout {
  type: FuzzGuestType;
  /** 32-bit ABI: compat structure layouts, 32-bit registers. */
  compat: boolean;
  /** Scratch buffer (guest-virtual) the generator fills each case. */
  scratch: bigint;
  scratchSize: number;
  /** Base addresses per pointer class; the generator adds small offsets. `crossing` entries are page ends. */
  ptrs: Readonly<Record<PtrClass, readonly bigint[]>>;
  /** Interesting frame numbers: scratch, read-only, page-table, hole, hypercall-page frames, RAM end… */
  frames: readonly bigint[];
  /** Hypercall numbers with an emulated handler reachable from this guest type (profile dependent). */
  implemented: readonly number[];
  /** Hypercall numbers the profile wires for this guest type (handler or not). */
  wired: readonly number[];
  /** Number of argument registers the profile passes (5, or 6 before 4.17). */
  nargs: number;
}

export interface FuzzCase {
  index: number;
  /** `trap`: a bare vmcall/syscall/int 0x82 with rax as generated; `page`: a call to hypercall_page + nr*32. */
  via: 'trap' | 'page';
  /** rax as loaded (for `page`, the stub then loads the slot number into eax). */
  rax: bigint;
  /** Hypercall number the dispatcher will see (compat: low 32 bits), or -1 when out of range. */
  nr: number;
  name: string;
  /** Argument register values, in ABI order. */
  args: bigint[];
  /** Values loaded into the other GPRs (by register number), to check they survive the call. */
  junk: Map<number, bigint>;
  /** Low RFLAGS bits loaded (IF stays clear). */
  rflags: number;
  /** The scratch buffer's new contents. */
  scratch: Uint8Array;
  /** A readable description of how each argument was chosen. */
  notes: string[];
}

// ---- structs not declared in emulator/xen/abi (small, fuzzer-only) ----

const xen_remove_from_physmap = struct('xen_remove_from_physmap', 'xen/include/public/memory.h', [
  field('domid', u16), field('gpfn', xenPfn),
]);
const domid_only = struct('domid_t', 'xen/include/public/xen.h', [field('domid', u16)]);
const upcall_vector = struct('xen_hvm_evtchn_upcall_vector', 'xen/include/public/hvm/hvm_op.h', [
  field('vcpu', u32), field('vector', u8),
]);
const varbuf = struct('xen_varbuf', 'xen/include/public/version.h', [field('len', u32)]);
const hvm_get_time = struct('xen_hvm_get_time', 'xen/include/public/hvm/hvm_op.h', [field('now', u64)]);
const evtchn_op_compat = struct('evtchn_op', 'xen/include/public/event_channel.h', [
  field('cmd', u32), field('port', u32), field('vcpu', u32), field('dom', u16),
]);

const EVTCHN_STRUCTS: readonly StructDef[] = [
  evtchn_bind_interdomain, evtchn_bind_virq, evtchn_bind_pirq, evtchn_close, evtchn_send, evtchn_status,
  evtchn_alloc_unbound, evtchn_bind_ipi, evtchn_bind_vcpu, evtchn_unmask, evtchn_reset, evtchn_init_control,
  evtchn_expand_array, evtchn_set_priority, evtchn_reset,
];

/** Largest meaningful sub-op per hypercall (public headers; §1 of the fact sheet). */
const MAX_SUBOP: Record<string, number> = {
  memory_op: 28, xen_version: 14, sched_op: 7, sched_op_compat: 2, event_channel_op: 14, vcpu_op: 15, hvm_op: 25,
  grant_table_op: 12, console_io: 1, vm_assist: 1, physdev_op: 32, callback_op: 1, nmi_op: 1, mmuext_op: 20,
  xsm_op: 0, platform_op: 0, set_segment_base: 3,
};

/** The struct a pointer argument of (hypercall, sub-op) points at; `array` repeats it. */
interface PointeeSpec { def: StructDef; array?: boolean }

function pointee(name: string, sub: number, param: string): PointeeSpec | undefined {
  switch (name) {
    case 'memory_op':
      if (param !== 'arg') return undefined;
      switch (sub & 0x3f) {
        case 0: case 1: case 6: return { def: xen_memory_reservation };
        case 7: return { def: xen_add_to_physmap };
        case 9: case 10: case 13: return { def: xen_memory_map };
        case 3: case 4: case 14: return { def: domid_only };
        case 15: return { def: xen_remove_from_physmap };
        default: return undefined;
      }
    case 'event_channel_op': return param === 'arg' && EVTCHN_STRUCTS[sub] ? { def: EVTCHN_STRUCTS[sub] } : undefined;
    case 'event_channel_op_compat': return { def: evtchn_op_compat };
    case 'sched_op':
      if (sub === 2 || sub === 5) return { def: sched_shutdown };
      if (sub === 3) return { def: sched_poll };
      if (sub === 4) return { def: sched_remote_shutdown };
      return undefined;
    case 'vcpu_op':
      if (param !== 'arg') return undefined;
      switch (sub) {
        case 4: return { def: vcpu_runstate_info };
        case 5: case 13: return { def: vcpu_register_runstate_memory_area };
        case 6: return { def: vcpu_set_periodic_timer };
        case 8: return { def: vcpu_set_singleshot_timer };
        case 10: return { def: vcpu_register_vcpu_info };
        default: return undefined;
      }
    case 'hvm_op':
      if (sub === 0 || sub === 1) return { def: xen_hvm_param };
      if (sub === 10) return { def: hvm_get_time };
      if (sub === 23) return { def: upcall_vector };
      return undefined;
    case 'xen_version':
      if (sub === 6) return { def: xen_feature_info };
      if (sub >= 11 && sub <= 14) return { def: varbuf };
      return undefined;
    case 'multicall': return { def: multicall_entry, array: true };
    case 'mmu_update': return param === 'ureqs' ? { def: mmu_update, array: true } : undefined;
    case 'mmuext_op': return param === 'uops' ? { def: mmuext_op, array: true } : undefined;
    case 'set_trap_table': return { def: trap_info, array: true };
    default: return undefined;
  }
}

const POINTER_PARAMS = new Set([
  'arg', 'uop', 'uops', 'ureqs', 'call_list', 'buffer', 'traps', 'frame_list', 'pdone', 'u_xenpf_op', 'u_sysctl',
  'u_domctl', 'uarg', 'bufs', 'u_xen_mc', 'arg1', 'arg2', 'arg3', 'arg4', 'gaddr', 'va', 'base', 'esp', 'op',
]);

export class CaseGenerator {
  private readonly abi: Abi;
  private readonly bits: 32 | 64;
  private readonly views = new WeakMap<Uint8Array, DataView>();

  constructor(readonly layout: FuzzLayout) {
    this.abi = layout.compat ? 'x86_32' : 'x86_64';
    this.bits = layout.compat ? 32 : 64;
  }

  generate(rng: FuzzRng, index: number): FuzzCase {
    const L = this.layout;
    const scratch = new Uint8Array(L.scratchSize);
    rng.fill(scratch);
    // Sprinkle plausible words over the random bytes, so nested pointers and counts look real.
    const w = this.bits / 8;
    for (let k = 0; k < L.scratchSize / 256; k++) {
      const off = rng.below(L.scratchSize / w) * w;
      this.putWord(scratch, off, w, this.smartWord(rng));
    }
    const notes: string[] = [];
    const nrRaw = this.pickNumber(rng);
    const nr = this.effectiveNr(nrRaw);
    const info = nr >= 0 ? hypercallByNr(nr) : undefined;
    const name = info?.name ?? `hypercall_${nrRaw}`;
    const via: 'trap' | 'page' = nr >= 0 && nr < 128 && nr !== 23 && BigInt.asUintN(64, nrRaw) === BigInt(nr) && rng.chance(0.3) ? 'page' : 'trap';
    const params = hypercallParams(name, L.compat);
    const args: bigint[] = [];
    let sub = 0;
    for (let i = 0; i < 6; i++) {
      const p = params[i];
      let v: bigint;
      if (i >= L.nargs || p === undefined) {
        v = rng.chance(0.5) ? this.smartWord(rng) : rng.u64();
        if (i < L.nargs) notes.push(`a${i + 1}=junk`);
      } else if (i === 0 && MAX_SUBOP[name] !== undefined && /^(cmd|op|which)$/.test(p)) {
        v = this.pickSubop(rng, name);
        sub = Number(BigInt.asUintN(32, v));
        notes.push(`${p}=${hex(v)}`);
      } else {
        const pt = pointee(name, sub, p);
        if (pt || POINTER_PARAMS.has(p)) {
          const { value, cls, what } = this.pointerArg(rng, scratch, pt, name);
          v = value;
          notes.push(`${p}=${cls}${what ? `(${what})` : ''}:${hex(v)}`);
        } else {
          v = this.scalarArg(rng, p, name);
          notes.push(`${p}=${hex(v)}`);
        }
      }
      // Compat callers: junk in the upper halves must be ignored.
      if (L.compat && rng.chance(0.3)) v |= BigInt(rng.u32() | 1) << 32n;
      args.push(BigInt.asUintN(64, v));
    }
    const junk = new Map<number, bigint>();
    for (let r = 0; r < 16; r++) junk.set(r, rng.chance(0.5) ? rng.u64() : BigInt(rng.u32()));
    const rflags = rng.u32() & 0x8d5; // CF PF AF ZF SF OF; IF, TF and DF stay clear
    return {
      index, via, rax: via === 'page' ? (rng.chance(0.5) ? rng.u64() : 0n) : nrRaw, nr, name, args, junk, rflags, scratch, notes,
    };
  }

  /** The number Xen dispatches on: compat callers pass eax only; anything ≥ 2^16 is out of every table. */
  effectiveNr(raw: bigint): number {
    const v = BigInt.asUintN(this.bits, raw);
    return v < 0x10000n ? Number(v) : -1;
  }

  private pickNumber(rng: FuzzRng): bigint {
    const L = this.layout;
    return rng.weighted<() => bigint>([
      [50, () => BigInt(rng.pick(L.implemented.length ? L.implemented : [17]))],
      [10, () => BigInt(rng.pick(L.wired.length ? L.wired : [17]))],
      [25, () => BigInt(rng.below(64))],
      [5, () => BigInt(rng.range(64, 255))],
      [3, () => BigInt(rng.pick(L.implemented.length ? L.implemented : [17])) | (BigInt(rng.range(1, 0xffffffff)) << 32n)],
      [4, () => rng.pick([0xffffffffn, 0x80000000n | BigInt(rng.below(64)), 0x10000n, 0xffffn, 0xffffffffffffffffn, 1n << 63n, BigInt(rng.u32())])],
      [3, () => rng.u64()],
    ])();
  }

  private pickSubop(rng: FuzzRng, name: string): bigint {
    const max = MAX_SUBOP[name];
    return rng.weighted<() => bigint>([
      [70, () => BigInt(rng.range(0, max + 1))],
      [8, () => BigInt(rng.range(0, max)) | (BigInt(rng.range(1, 1 << 20)) << BigInt(rng.pick([6, 8, 12, 16])))],
      [4, () => BigInt(rng.range(0, max)) | (1n << 31n)],
      [6, () => rng.pick([-1n, -2n, 0x7fffffffn, 0x80000000n, 0xffffn, 64n, 255n, 256n])],
      [6, () => BigInt(rng.u32())],
      [6, () => rng.u64()],
    ])();
  }

  /** A pointer argument: a class, an offset, and (for `ram`) struct contents written into the scratch buffer. */
  private pointerArg(rng: FuzzRng, scratch: Uint8Array, pt: PointeeSpec | undefined, name: string): { value: bigint; cls: PtrClass; what?: string } {
    const cls = this.pickClass(rng);
    if (cls === 'ram') {
      const size = pt ? layoutOf(pt.def, this.abi).size * (pt.array ? 4 : 1) : 64;
      const off = this.scratchOffset(rng, size);
      if (pt) this.writeStructs(rng, scratch, off, pt, name);
      return { value: this.layout.scratch + BigInt(off), cls, what: pt ? `${pt.def.name}${pt.array ? '[]' : ''}` : undefined };
    }
    return { value: this.classValue(rng, cls), cls };
  }

  private pickClass(rng: FuzzRng): PtrClass {
    const L = this.layout;
    const cls = rng.weighted<PtrClass>([
      [45, 'ram'], [5, 'null'], [4, 'small'], [7, 'unmapped'], [5, 'noncanonical'], [7, 'ro'], [4, 'hcallpage'],
      [4, 'top'], [8, 'crossing'], [3, 'stack'], [3, 'special'], [2, 'xen'], [3, 'random'],
    ]);
    return L.ptrs[cls].length > 0 || cls === 'ram' || cls === 'random' ? cls : 'ram';
  }

  private classValue(rng: FuzzRng, cls: PtrClass): bigint {
    const L = this.layout;
    const wrap = (v: bigint): bigint => BigInt.asUintN(this.bits, v);
    switch (cls) {
      case 'random': return rng.chance(0.5) ? rng.u64() : BigInt(rng.u32());
      case 'crossing': {
        const end = rng.pick(L.ptrs.crossing);
        return wrap(end - BigInt(rng.pick([1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 100, 128])));
      }
      case 'top': return wrap(rng.pick(L.ptrs.top) + BigInt(rng.pick([0, 8, 0xff0, 0xff8, 0xffc, 0xfff])));
      default: {
        const base = rng.pick(L.ptrs[cls]);
        const off = rng.weighted<number>([[40, 0], [30, rng.below(64) * 8], [20, rng.below(4096)], [10, 4096 - 8]]);
        return wrap(base + BigInt(off));
      }
    }
  }

  private scratchOffset(rng: FuzzRng, size: number): number {
    const L = this.layout;
    const room = Math.max(8, L.scratchSize - size - 64);
    const off = rng.weighted<number>([
      [60, rng.below(room / 8) * 8],
      [15, rng.below(room)],
      // Straddle a page boundary inside scratch.
      [25, Math.min(room, (rng.range(1, L.scratchSize / 4096 - 1) * 4096) - rng.range(1, Math.min(size, 64)))],
    ]);
    return Math.max(0, off);
  }

  private writeStructs(rng: FuzzRng, scratch: Uint8Array, off: number, pt: PointeeSpec, name: string): void {
    const layout = layoutOf(pt.def, this.abi);
    const n = pt.array ? 4 : 1;
    const dv = new DataView(scratch.buffer, scratch.byteOffset, scratch.byteLength);
    for (let e = 0; e < n; e++) {
      const base = off + e * layout.size;
      if (base + layout.size > scratch.length) break;
      for (const [path, f] of layout.fields) {
        if (f.type.kind !== 'scalar' || path.includes('.')) continue;
        if (rng.chance(0.08)) continue; // leave some fields random
        this.writeField(dv, base, f, this.fieldValue(rng, scratch, path, f, layout, name));
      }
      // Nested scalar members of unions/structs (mmuext_op.arg1.mfn, status.u.…): first one only.
      for (const [path, f] of layout.fields) {
        if (f.type.kind !== 'scalar' || !path.includes('.') || rng.chance(0.5)) continue;
        this.writeField(dv, base, f, this.fieldValue(rng, scratch, path, f, layout, name));
      }
    }
  }

  private writeField(dv: DataView, base: number, f: FieldLayout, v: bigint): void {
    const o = base + f.offset;
    if (o + f.size > dv.byteLength) return;
    switch (f.size) {
      case 1: dv.setUint8(o, Number(v & 0xffn)); break;
      case 2: dv.setUint16(o, Number(v & 0xffffn), true); break;
      case 4: dv.setUint32(o, Number(v & 0xffffffffn), true); break;
      case 8: dv.setBigUint64(o, BigInt.asUintN(64, v), true); break;
      default: break;
    }
  }

  /** A value for a struct field, chosen by its name and type. */
  private fieldValue(rng: FuzzRng, scratch: Uint8Array, path: string, f: FieldLayout, layout: Layout, name: string): bigint {
    const leaf = path.slice(path.lastIndexOf('.') + 1);
    const t = f.type.kind === 'scalar' ? f.type.name : 'u32';
    if (t === 'handle' || t === 'pointer' || /^(extent_start|buffer|ports|h|v|vcpumask)$/.test(leaf)) {
      const cls = this.pickClass(rng);
      if (cls !== 'ram') return this.classValue(rng, cls);
      // A nested array inside scratch: frame numbers for extent lists, ports for poll lists, else words.
      const off = this.scratchOffset(rng, 256);
      const w = leaf === 'ports' ? 4 : this.bits / 8;
      const count = rng.range(1, 32);
      for (let i = 0; i < count && off + (i + 1) * w <= scratch.length; i++) {
        const v = leaf === 'ports' ? this.port(rng) : leaf === 'extent_start' ? this.frame(rng) : this.smartWord(rng);
        this.putWord(scratch, off + i * w, w, v);
      }
      return this.layout.scratch + BigInt(off);
    }
    if (layout.name === 'multicall_entry') {
      if (leaf === 'op') return BigInt.asUintN(this.bits, this.pickNumber(rng));
      if (leaf === 'args') return this.smartWord(rng);
    }
    if (/port$/.test(leaf)) return this.port(rng);
    if (/^(dom|domid|remote_dom|foreigndom)$/.test(leaf)) return this.domid(rng);
    if (/vcpu/.test(leaf)) return this.vcpu(rng);
    if (leaf === 'virq') return BigInt(rng.chance(0.9) ? rng.range(0, 25) : rng.u32());
    if (/^(nr_|count)|nr_ents|entries/.test(leaf)) return this.count(rng);
    if (/order/.test(leaf)) return BigInt(rng.weighted([[60, 0], [15, 1], [10, 9], [5, 18], [10, rng.range(0, 255)]]));
    if (/(gfn|gpfn|mfn|pfn)$|^idx$/.test(leaf)) return this.frame(rng);
    if (leaf === 'offset') return BigInt(rng.weighted([[40, 0], [30, rng.below(64) * 64], [20, rng.below(4096)], [10, rng.u32()]]));
    if (leaf === 'priority') return BigInt(rng.range(0, 20));
    if (leaf === 'reason') return BigInt(rng.chance(0.9) ? rng.range(0, 6) : rng.u32());
    if (/time|timeout|period/.test(leaf)) return this.time(rng);
    if (leaf === 'index') return BigInt(rng.chance(0.85) ? rng.range(0, 40) : rng.u32());
    if (leaf === 'space') return BigInt(rng.chance(0.85) ? rng.range(0, 5) : rng.u32());
    if (leaf === 'vector') return BigInt(rng.range(0, 255));
    if (leaf === 'cmd') return BigInt(rng.range(0, name === 'mmuext_op' ? 21 : 15));
    if (leaf === 'value') {
      return rng.weighted<bigint>([[30, BigInt(rng.range(0, 255))], [20, (2n << 56n) | BigInt(rng.range(0x20, 0xff))], [20, this.frame(rng)], [30, rng.u64()]]);
    }
    if (leaf === 'len') return BigInt(rng.weighted([[40, rng.range(0, 64)], [30, rng.range(0, 8192)], [30, rng.u32()]]));
    return this.smartWord(rng);
  }

  /** A scalar (non-pointer) argument by parameter name. */
  private scalarArg(rng: FuzzRng, p: string, name: string): bigint {
    switch (p) {
      case 'count': case 'nr_calls': case 'entries': case 'nr_bufs':
        return name === 'console_io' ? BigInt(rng.weighted([[70, rng.range(0, 300)], [15, rng.range(0, 1 << 16)], [15, rng.u32()]])) : this.count(rng);
      case 'vcpuid': return this.vcpu(rng);
      case 'domid': case 'foreigndom': return this.domid(rng);
      case 'timeout': case 'lo': return this.time(rng);
      case 'hi': return BigInt(rng.weighted([[70, 0], [15, rng.range(1, 16)], [15, rng.u32()]]));
      case 'type': return BigInt(rng.chance(0.8) ? rng.range(0, 40) : rng.u32());
      case 'reg': return BigInt(rng.chance(0.8) ? rng.range(0, 8) : rng.u32());
      case 'set': return BigInt(rng.range(0, 2));
      case 'flags': return BigInt(rng.weighted([[50, rng.range(0, 7)], [50, rng.u32()]]));
      default: return this.smartWord(rng);
    }
  }

  // ---- value families ----

  private smartWord(rng: FuzzRng): bigint {
    return rng.weighted<() => bigint>([
      [20, () => BigInt(rng.range(0, 16))],
      [20, () => this.classValue(rng, this.pickClassNoRam(rng))],
      [15, () => this.layout.scratch + BigInt(rng.below(this.layout.scratchSize / 8) * 8)],
      [10, () => this.frame(rng)],
      [8, () => this.domid(rng)],
      [7, () => rng.pick([0xffffffffn, 0x80000000n, 0x7fffffffn, BigInt.asUintN(this.bits, -1n), 1n << 31n, 1n << 32n])],
      [20, () => (this.bits === 64 && rng.chance(0.5) ? rng.u64() : BigInt(rng.u32()))],
    ])();
  }

  private pickClassNoRam(rng: FuzzRng): PtrClass {
    const c = this.pickClass(rng);
    return c === 'ram' ? 'random' : c;
  }

  private port(rng: FuzzRng): bigint {
    return BigInt(rng.weighted([[70, rng.range(0, 8)], [10, rng.range(0, 1100)], [10, rng.pick([1023, 1024, 4095, 4096, 131071, 131072])], [10, rng.u32()]]));
  }

  private domid(rng: FuzzRng): bigint {
    return BigInt(rng.weighted([[40, 0x7ff0], [20, 1], [10, 0], [15, rng.range(0x7ff1, 0x7fff)], [5, 2], [10, rng.range(0, 0xffff)]]));
  }

  private vcpu(rng: FuzzRng): bigint {
    return BigInt(rng.weighted([[50, 0], [20, 1], [10, rng.range(2, 40)], [10, rng.pick([127, 128, 4095, 0x7fffffff])], [10, rng.u32()]]));
  }

  private count(rng: FuzzRng): bigint {
    return rng.weighted<bigint>([
      [50, BigInt(rng.range(0, 4))], [20, BigInt(rng.range(5, 64))], [10, BigInt(rng.range(65, 1 << 14))],
      [10, rng.pick([0xffffffffn, 0x80000000n, 0x7fffffffn, 1n << 32n, 1n << 58n, BigInt.asUintN(this.bits, -1n)])],
      [10, BigInt(rng.u32())],
    ]);
  }

  private frame(rng: FuzzRng): bigint {
    return rng.weighted<bigint>([
      [60, rng.pick(this.layout.frames)],
      [20, BigInt(rng.range(0, 4096))],
      [20, rng.pick([0xfffffn, 0xffffffffn, 0xfffffffffffffn, BigInt.asUintN(64, -1n), 1n << 40n, BigInt(rng.u32())])],
    ]);
  }

  private time(rng: FuzzRng): bigint {
    return rng.weighted<bigint>([
      [20, 0n], [20, BigInt(rng.range(1, 1_000_000))], [20, BigInt(rng.range(1, 5_000_000_000))],
      [10, 1n << 50n], [10, rng.pick([1n << 62n, (1n << 63n) - 1n, 1n << 63n, BigInt.asUintN(64, -1n)])],
      [20, rng.u64()],
    ]);
  }

  private putWord(b: Uint8Array, off: number, w: number, v: bigint): void {
    if (off + w > b.length) return;
    let dv = this.views.get(b);
    if (!dv) { dv = new DataView(b.buffer, b.byteOffset, b.byteLength); this.views.set(b, dv); }
    if (w === 8) dv.setBigUint64(off, BigInt.asUintN(64, v), true);
    else dv.setUint32(off, Number(BigInt.asUintN(32, v)), true);
  }
}

const hex = (v: bigint): string => `0x${BigInt.asUintN(64, v).toString(16)}`;
export { hex as fuzzHex };
