/**
 * Xen's public structs as TypeInfo, converted from the emulator's single declaration
 * (emulator/xen/abi/layout.ts) so the debugger shows `shared_info`, `vcpu_info`, `start_info`... with the same
 * formatting and expansion as DWARF types. Offsets and sizes come from layoutOf(), never recomputed here.
 */
import { Abi, FieldType, ScalarName, StructDef, layoutOf } from '../../emulator/xen/abi/layout';
import { Arch, MemberInfo, TypeInfo } from '../symbols/model';
import { builtinType } from './types';
import { AddressSpace, Value } from './value';

const ARCH: Record<Abi, Arch> = { x86_64: 'x86_64', x86_32: 'i386' };
const cache: Record<Abi, Map<StructDef, TypeInfo>> = { x86_64: new Map(), x86_32: new Map() };

/** The C type of a Xen struct on one ABI (memoised). Char-array typedefs (xen_extraversion_t) are typedefs. */
export function xenTypeInfo(def: StructDef, abi: Abi): TypeInfo {
  const hit = cache[abi].get(def);
  if (hit) return hit;
  const layout = layoutOf(def, abi);
  if (def.cArrayTypedef) {
    const only = def.fields[0];
    const t: TypeInfo = { kind: 'typedef', name: def.cType, target: fieldType(only.type, abi) };
    cache[abi].set(def, t);
    return t;
  }
  const members: MemberInfo[] = [];
  const t: TypeInfo = { kind: def.kind, size: layout.size, members, ...(def.name === '(anonymous)' ? {} : { name: def.name }) };
  cache[abi].set(def, t);
  for (const f of def.fields) {
    if (f.abis && !f.abis.includes(abi)) continue;
    members.push({ name: f.name, offset: layout.fields.get(f.name)!.offset, type: fieldType(f.type, abi) });
  }
  return t;
}

function fieldType(t: FieldType, abi: Abi): TypeInfo {
  switch (t.kind) {
    case 'scalar': return scalarType(t.name, abi);
    case 'array': return { kind: 'array', element: fieldType(t.of, abi), count: typeof t.count === 'number' ? t.count : t.count[abi] };
    case 'struct': return xenTypeInfo(t.def, abi);
    case 'perAbi': return fieldType(t[abi], abi);
  }
}

function scalarType(name: ScalarName, abi: Abi): TypeInfo {
  const arch = ARCH[abi];
  const b = (n: string): TypeInfo => builtinType(arch, n);
  const td = (n: string, target: TypeInfo): TypeInfo => ({ kind: 'typedef', name: n, target });
  switch (name) {
    case 'u8': return b('uint8_t');
    case 'i8': return b('int8_t');
    case 'char': return b('char');
    case 'u16': return b('uint16_t');
    case 'i16': return b('int16_t');
    case 'u32': return b('uint32_t');
    case 'i32': return b('int32_t');
    case 'u64': return b('uint64_t');
    case 'i64': return b('int64_t');
    case 'u64_aligned': return td('uint64_aligned_t', b('uint64_t'));
    case 'ulong': return b('unsigned long');
    case 'xen_ulong': return td('xen_ulong_t', b('unsigned long'));
    case 'xen_pfn': return td('xen_pfn_t', b('unsigned long'));
    case 'pointer': return { kind: 'pointer', size: abi === 'x86_64' ? 8 : 4, target: { kind: 'void' } };
    case 'handle': {
      // XEN_GUEST_HANDLE(x): `typedef struct { x *p; } __guest_handle_x`; the element type is not declared.
      const ptr: TypeInfo = { kind: 'pointer', size: abi === 'x86_64' ? 8 : 4, target: { kind: 'void' } };
      return td('XEN_GUEST_HANDLE', { kind: 'struct', size: ptr.size, members: [{ name: 'p', offset: 0, type: ptr }] });
    }
  }
}

/** A Xen struct at `address` (a machine address, as Xen keeps them, unless `space` says otherwise), as a Value. */
export function xenValue(def: StructDef, abi: Abi, address: bigint, space: AddressSpace = 'machine'): Value {
  return { type: xenTypeInfo(def, abi), location: { kind: 'memory', address, space } };
}
