/**
 * Hypercall argument structures used by memory_op, vcpu_op and hvm_op that abi/structs.ts does not declare
 * (Xen 4.17 public headers, `__XEN_INTERFACE_VERSION__` 0x00040e00, guest view). Declared once; layoutOf() gives
 * the x86_64 and x86_32 (compat) layouts. test/xen/hypercalls/memory-structs.test.ts checks every struct and
 * field here against the real headers compiled with gcc -m64 and -m32.
 */
import { StructDef, array, domid, field, handle, nested, pointer, struct, u16, u32, u64, u8, union, xenPfn, xenUlong } from './layout';

const MEMORY_H = 'xen/include/public/memory.h';
const VCPU_H = 'xen/include/public/vcpu.h';
const HVM_OP_H = 'xen/include/public/hvm/hvm_op.h';
const HVM_VCPU_H = 'xen/include/public/hvm/hvm_vcpu.h';

// xen/include/public/memory.h: XENMEM_{current,maximum}_reservation, XENMEM_maximum_gpfn argument.
export const xen_memory_domain = struct('xen_memory_domain', MEMORY_H, [field('domid', domid)]);

// XENMEM_machphys_mapping: xen_ulong_t fields, so 24 bytes native and 12 bytes compat.
export const xen_machphys_mapping = struct('xen_machphys_mapping', MEMORY_H, [
  field('v_start', xenUlong),
  field('v_end', xenUlong),
  field('max_mfn', xenUlong),
]);

// XENMEM_remove_from_physmap.
export const xen_remove_from_physmap = struct('xen_remove_from_physmap', MEMORY_H, [
  field('domid', domid),
  field('gpfn', xenPfn),
]);

// XENMEM_add_to_physmap_batch (interface version >= 0x00040700: the `u` union replaces foreign_domid).
export const xen_add_to_physmap_batch = struct('xen_add_to_physmap_batch', MEMORY_H, [
  field('domid', domid),
  field('space', u16),
  field('size', u16),
  field('u', nested(union('xen_add_to_physmap_batch_extra', MEMORY_H, [
    field('foreign_domid', domid),
    field('res0', u16),
  ]))),
  field('idxs', handle),
  field('gpfns', handle),
  field('errs', handle),
]);

// xen/include/public/vcpu.h: VCPUOP_get_physid.
export const vcpu_get_physid = struct('vcpu_get_physid', VCPU_H, [field('phys_id', u64)]);

// VCPUOP_register_vcpu_time_memory_area: the union's uint64_t member makes it 8 bytes on both ABIs.
export const vcpu_register_time_memory_area = struct('vcpu_register_time_memory_area', VCPU_H, [
  field('addr', nested(union('(anonymous)', '', [field('h', handle), field('v', pointer), field('p', u64)], { cType: '' }))),
]);

// xen/include/public/hvm/hvm_vcpu.h: VCPUOP_initialise for HVM/PVH vCPUs (4.7+). Fixed-width fields only, and
// `efer` sits at offset 56, so both ABIs agree (120 / 112 / 128 bytes, fact sheet §4.1, §4.2).
export const vcpu_hvm_x86_32 = struct('vcpu_hvm_x86_32', HVM_VCPU_H, [
  field('eax', u32), field('ecx', u32), field('edx', u32), field('ebx', u32),
  field('esp', u32), field('ebp', u32), field('esi', u32), field('edi', u32),
  field('eip', u32), field('eflags', u32),
  field('cr0', u32), field('cr3', u32), field('cr4', u32),
  field('pad1', u32),
  field('efer', u64),
  field('cs_base', u32), field('ds_base', u32), field('ss_base', u32), field('es_base', u32), field('tr_base', u32),
  field('cs_limit', u32), field('ds_limit', u32), field('ss_limit', u32), field('es_limit', u32), field('tr_limit', u32),
  field('cs_ar', u16), field('ds_ar', u16), field('ss_ar', u16), field('es_ar', u16), field('tr_ar', u16),
  field('pad2', array(u16, 3)),
]);

export const vcpu_hvm_x86_64 = struct('vcpu_hvm_x86_64', HVM_VCPU_H, [
  field('rax', u64), field('rcx', u64), field('rdx', u64), field('rbx', u64),
  field('rsp', u64), field('rbp', u64), field('rsi', u64), field('rdi', u64),
  field('rip', u64), field('rflags', u64),
  field('cr0', u64), field('cr3', u64), field('cr4', u64), field('efer', u64),
]);

export const vcpu_hvm_context = struct('vcpu_hvm_context', HVM_VCPU_H, [
  field('mode', u32),
  field('pad', u32),
  field('cpu_regs', nested(union('(anonymous)', '', [
    field('x86_32', nested(vcpu_hvm_x86_32)),
    field('x86_64', nested(vcpu_hvm_x86_64)),
  ], { cType: '' }))),
]);

/** VCPU_HVM_MODE_32B / VCPU_HVM_MODE_64B (hvm/hvm_vcpu.h). */
export const VCPU_HVM_MODE_32B = 0;
export const VCPU_HVM_MODE_64B = 1;

// xen/include/public/hvm/hvm_op.h
export const xen_hvm_evtchn_upcall_vector = struct('xen_hvm_evtchn_upcall_vector', HVM_OP_H, [
  field('vcpu', u32),
  field('vector', u8),
]);

export const xen_hvm_pagetable_dying = struct('xen_hvm_pagetable_dying', HVM_OP_H, [
  field('domid', domid),
  field('pad', array(u16, 3)),
  field('gpa', u64),
]);

export const xen_hvm_get_time = struct('xen_hvm_get_time', HVM_OP_H, [field('now', u64)]);

/** Every named declaration above, for the layout test and debugger views. */
export const HYPERCALL_STRUCTS: readonly StructDef[] = [
  xen_memory_domain, xen_machphys_mapping, xen_remove_from_physmap, xen_add_to_physmap_batch,
  vcpu_get_physid, vcpu_register_time_memory_area, vcpu_hvm_x86_32, vcpu_hvm_x86_64, vcpu_hvm_context,
  xen_hvm_evtchn_upcall_vector, xen_hvm_pagetable_dying, xen_hvm_get_time,
];
