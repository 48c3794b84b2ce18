/**
 * Xen path roots for expressions and views: `shared_info`, `vcpu_info[N]`, `start_info`, `vcpu_runstate_info[N]`.
 * The session says where each lives (they move: VCPUOP_register_vcpu_info relocates a vCPU's vcpu_info), so
 * every lookup asks it afresh. Roots come after locals and globals; `$shared_info` always reaches the root.
 */
import { Abi, elementOffset, layoutOf } from '../../emulator/xen/abi/layout';
import { XEN_LEGACY_MAX_VCPUS, shared_info, start_info, vcpu_info, vcpu_runstate_info } from '../../emulator/xen/abi/structs';
import { TypeInfo, ValueLocation } from '../symbols/model';
import { xenTypeInfo } from './xen-types';
import { AddressSpace, IndexedRoot, Value } from './value';

/** A guest address; a bare bigint is a machine address (where Xen keeps its shared pages). */
export type XenPlace = bigint | { address: bigint; space: AddressSpace };

export interface XenRootsOptions {
  abi: Abi;
  /** Number of vCPUs: `vcpu_info[0 .. vcpus-1]`. */
  vcpus: number;
  /** Machine address of the shared_info page; undefined while the guest has none (HVM before XENMAPSPACE_shared_info). */
  sharedInfo?: () => bigint | undefined;
  /**
   * Machine address of vCPU `n`'s vcpu_info when registered with VCPUOP_register_vcpu_info (mfn << 12 |
   * offset); undefined means the legacy slot shared_info.vcpu_info[n] (n < 32).
   */
  vcpuInfo?: (vcpu: number) => bigint | undefined;
  /** PV start_info (a machine address unless given as a place). */
  startInfo?: () => XenPlace | undefined;
  /** vCPU `n`'s runstate area from VCPUOP_register_runstate_memory_area (guest-virtual: the guest passes a pointer). */
  runstate?: (vcpu: number) => XenPlace | undefined;
}

const locate = (p: XenPlace, defaultSpace: AddressSpace): ValueLocation =>
  typeof p === 'bigint' ? { kind: 'memory', address: p, space: defaultSpace } : { kind: 'memory', address: p.address, space: p.space };

/** A root array whose elements live at unrelated addresses (see IndexedRoot). */
export function indexedRoot(name: string, elementType: TypeInfo, count: number, where: (index: number) => ValueLocation): Value {
  const root: IndexedRoot = { name, elementType, count, locate: where };
  return { type: { kind: 'array', element: elementType, count }, location: { kind: 'indexed-root', root } };
}

/** A `lookupRoot` for createFrameEnv / EvalEnv. */
export function xenRoots(opts: XenRootsOptions): (name: string) => Value | undefined {
  const { abi } = opts;
  return (name) => {
    switch (name) {
      case 'shared_info': {
        const type = xenTypeInfo(shared_info, abi);
        const a = opts.sharedInfo?.();
        return { type, location: a === undefined ? { kind: 'unavailable', why: 'the domain has no shared_info page mapped' } : locate(a, 'machine') };
      }
      case 'vcpu_info':
        return indexedRoot('vcpu_info', xenTypeInfo(vcpu_info, abi), opts.vcpus, (n) => vcpuInfoLocation(opts, n));
      case 'start_info': {
        if (!opts.startInfo) return undefined;
        const p = opts.startInfo();
        const type = xenTypeInfo(start_info, abi);
        return { type, location: p === undefined ? { kind: 'unavailable', why: 'no start_info (not a PV guest)' } : locate(p, 'machine') };
      }
      case 'vcpu_runstate_info': {
        if (!opts.runstate) return undefined;
        const get = opts.runstate;
        return indexedRoot('vcpu_runstate_info', xenTypeInfo(vcpu_runstate_info, abi), opts.vcpus, (n) => {
          const p = get(n);
          return p === undefined ? { kind: 'unavailable', why: `vCPU ${n} has no runstate area registered` } : locate(p, 'virtual');
        });
      }
      default: return undefined;
    }
  };
}

function vcpuInfoLocation(opts: XenRootsOptions, n: number): ValueLocation {
  const registered = opts.vcpuInfo?.(n);
  if (registered !== undefined) return { kind: 'memory', address: registered, space: 'machine' };
  if (n >= XEN_LEGACY_MAX_VCPUS) return { kind: 'unavailable', why: `vCPU ${n} has no vcpu_info: beyond the ${XEN_LEGACY_MAX_VCPUS} legacy slots and none registered` };
  const si = opts.sharedInfo?.();
  if (si === undefined) return { kind: 'unavailable', why: `vCPU ${n} has no vcpu_info: none registered and no shared_info page` };
  const off = elementOffset(layoutOf(shared_info, opts.abi), 'vcpu_info', n);
  return { kind: 'memory', address: si + BigInt(off), space: 'machine' };
}

