/**
 * Xen public struct declarations (Xen 4.17 public headers, `__XEN_INTERFACE_VERSION__` 0x00040e00, guest view:
 * neither __XEN__ nor __XEN_TOOLS__). Declared once; layoutOf() gives the x86_64 and x86_32 (compat) layouts.
 * Header paths are relative to the Xen source tree. test/xen/abi-layout.test.ts checks every struct and field
 * here against the real headers compiled with gcc -m64 and -m32.
 */
import {
  StructDef, array, char, domid, evtchnPort, field, handle, i32, i8, nested, perAbi, pointer, struct, u16, u32, u64,
  u8, ulong, union, xenPfn, xenUlong,
} from './layout';

const XEN_H = 'xen/include/public/xen.h';
const ARCH_X86_H = 'xen/include/public/arch-x86/xen.h';
const EVTCHN_H = 'xen/include/public/event_channel.h';
const VCPU_H = 'xen/include/public/vcpu.h';
const MEMORY_H = 'xen/include/public/memory.h';
const VERSION_H = 'xen/include/public/version.h';
const SCHED_H = 'xen/include/public/sched.h';
const START_INFO_H = 'xen/include/public/arch-x86/hvm/start_info.h';

/** XEN_LEGACY_MAX_VCPUS (arch-x86/xen.h): vcpu_info slots embedded in shared_info. */
export const XEN_LEGACY_MAX_VCPUS = 32;
/** MAX_GUEST_CMDLINE (xen.h). */
export const MAX_GUEST_CMDLINE = 1024;

/** Anonymous nested struct/union: no C tag, so never measured on its own, only through its parent's paths. */
function anonStruct(fields: Parameters<typeof struct>[2]): StructDef {
  return struct('(anonymous)', '', fields, { cType: '' });
}
function anonUnion(fields: Parameters<typeof union>[2]): StructDef {
  return union('(anonymous)', '', fields, { cType: '' });
}

// xen/include/public/xen.h
export const vcpu_time_info = struct('vcpu_time_info', XEN_H, [
  field('version', u32),
  field('pad0', u32),
  field('tsc_timestamp', u64),
  field('system_time', u64),
  field('tsc_to_system_mul', u32),
  field('tsc_shift', i8),
  // Interface version > 0x040600: flags + pad1[2] (older: int8_t pad1[3]).
  field('flags', u8),
  field('pad1', array(u8, 2)),
]);

// xen/include/public/arch-x86/xen-x86_64.h and xen-x86_32.h: padded so that vcpu_info is 64 bytes on both.
export const arch_vcpu_info = struct('arch_vcpu_info', 'xen/include/public/arch-x86/xen-x86_{64,32}.h', [
  field('cr2', ulong),
  field('pad', perAbi({ x86_64: ulong, x86_32: array(ulong, 5) })),
]);

// xen/include/public/xen.h. x86 defines XEN_HAVE_PV_UPCALL_MASK, so the mask replaces `pad0` (ARM's name).
export const vcpu_info = struct('vcpu_info', XEN_H, [
  field('evtchn_upcall_pending', u8),
  field('evtchn_upcall_mask', u8),
  field('evtchn_pending_sel', xenUlong),
  field('arch', nested(arch_vcpu_info)),
  field('time', nested(vcpu_time_info)),
]);

// xen/include/public/arch-x86/xen.h. i386 has no room for wc_sec_hi in shared_info, so it lives here.
export const arch_shared_info = struct('arch_shared_info', ARCH_X86_H, [
  field('max_pfn', ulong),
  field('pfn_to_mfn_frame_list_list', xenPfn),
  field('nmi_reason', ulong),
  field('p2m_cr3', ulong),
  field('p2m_vaddr', ulong),
  field('p2m_generation', ulong),
  field('wc_sec_hi', u32, ['x86_32']),
]);

// xen/include/public/xen.h. Bitmaps hold as many xen_ulong_t words as a word has bits.
export const shared_info = struct('shared_info', XEN_H, [
  field('vcpu_info', array(nested(vcpu_info), XEN_LEGACY_MAX_VCPUS)),
  field('evtchn_pending', array(xenUlong, { x86_64: 64, x86_32: 32 })),
  field('evtchn_mask', array(xenUlong, { x86_64: 64, x86_32: 32 })),
  field('wc_version', u32),
  field('wc_sec', u32),
  field('wc_nsec', u32),
  // `#if !defined(__i386__)`: 32-bit guests use arch.wc_sec_hi instead.
  field('wc_sec_hi', u32, ['x86_64']),
  field('arch', nested(arch_shared_info)),
]);

// xen/include/public/xen.h (XEN_HAVE_PV_GUEST_ENTRY). magic is "xen-3.0-x86_64" / "xen-3.0-x86_32p".
export const start_info = struct('start_info', XEN_H, [
  field('magic', array(char, 32)),
  field('nr_pages', ulong),
  field('shared_info', ulong),
  field('flags', u32),
  field('store_mfn', xenPfn),
  field('store_evtchn', u32),
  field('console', nested(anonUnion([
    field('domU', nested(anonStruct([field('mfn', xenPfn), field('evtchn', u32)]))),
    field('dom0', nested(anonStruct([field('info_off', u32), field('info_size', u32)]))),
  ]))),
  field('pt_base', ulong),
  field('nr_pt_frames', ulong),
  field('mfn_list', ulong),
  field('mod_start', ulong),
  field('mod_len', ulong),
  field('cmd_line', array(i8, MAX_GUEST_CMDLINE)),
  field('first_p2m_pfn', ulong),
  field('nr_p2m_frames', ulong),
]);

// xen/include/public/arch-x86/hvm/start_info.h: fixed-width and every u64 already sits on an 8-byte
// boundary, so the i386 4-byte u64 alignment changes nothing and both ABIs agree.
export const hvm_start_info = struct('hvm_start_info', START_INFO_H, [
  field('magic', u32),
  field('version', u32),
  field('flags', u32),
  field('nr_modules', u32),
  field('modlist_paddr', u64),
  field('cmdline_paddr', u64),
  field('rsdp_paddr', u64),
  field('memmap_paddr', u64),
  field('memmap_entries', u32),
  field('reserved', u32),
]);

export const hvm_modlist_entry = struct('hvm_modlist_entry', START_INFO_H, [
  field('paddr', u64),
  field('size', u64),
  field('cmdline_paddr', u64),
  field('reserved', u64),
]);

export const hvm_memmap_table_entry = struct('hvm_memmap_table_entry', START_INFO_H, [
  field('addr', u64),
  field('size', u64),
  field('type', u32),
  field('reserved', u32),
]);

// xen/include/public/vcpu.h. On i386 state_entry_time sits at 4 (size 44 vs 48).
export const vcpu_runstate_info = struct('vcpu_runstate_info', VCPU_H, [
  field('state', i32),
  field('state_entry_time', u64),
  field('time', array(u64, 4)),
]);

export const vcpu_register_vcpu_info = struct('vcpu_register_vcpu_info', VCPU_H, [
  field('mfn', u64),
  field('offset', u32),
  field('rsvd', u32),
]);

// The union's uint64_t member makes it 8 bytes on both ABIs.
export const vcpu_register_runstate_memory_area = struct('vcpu_register_runstate_memory_area', VCPU_H, [
  field('addr', nested(anonUnion([field('h', handle), field('v', pointer), field('p', u64)]))),
]);

export const vcpu_set_singleshot_timer = struct('vcpu_set_singleshot_timer', VCPU_H, [
  field('timeout_abs_ns', u64),
  field('flags', u32),
]);

export const vcpu_set_periodic_timer = struct('vcpu_set_periodic_timer', VCPU_H, [
  field('period_ns', u64),
]);

// xen/include/public/memory.h (interface version >= 0x00030209: mem_flags, not address_bits).
export const xen_memory_reservation = struct('xen_memory_reservation', MEMORY_H, [
  field('extent_start', handle),
  field('nr_extents', xenUlong),
  field('extent_order', u32),
  field('mem_flags', u32),
  field('domid', domid),
]);

export const xen_add_to_physmap = struct('xen_add_to_physmap', MEMORY_H, [
  field('domid', domid),
  field('size', u16),
  field('space', u32),
  field('idx', xenUlong),
  field('gpfn', xenPfn),
]);

export const xen_memory_map = struct('xen_memory_map', MEMORY_H, [
  field('nr_entries', u32),
  field('buffer', handle),
]);

// The XENMEM_memory_map buffer format. Not in the public headers: Xen's own declaration is hypervisor-private
// (xen/arch/x86/include/asm/e820.h, `struct __packed e820entry`), so the test supplies the C definition.
export const e820entry = struct('e820entry', 'xen/arch/x86/include/asm/e820.h', [
  field('addr', u64),
  field('size', u64),
  field('type', u32),
], { packed: true });

// xen/include/public/event_channel.h: only fixed-width members, identical on both ABIs.
export const evtchn_alloc_unbound = struct('evtchn_alloc_unbound', EVTCHN_H, [
  field('dom', domid),
  field('remote_dom', domid),
  field('port', evtchnPort),
]);

export const evtchn_bind_interdomain = struct('evtchn_bind_interdomain', EVTCHN_H, [
  field('remote_dom', domid),
  field('remote_port', evtchnPort),
  field('local_port', evtchnPort),
]);

export const evtchn_bind_virq = struct('evtchn_bind_virq', EVTCHN_H, [
  field('virq', u32),
  field('vcpu', u32),
  field('port', evtchnPort),
]);

export const evtchn_bind_ipi = struct('evtchn_bind_ipi', EVTCHN_H, [
  field('vcpu', u32),
  field('port', evtchnPort),
]);

export const evtchn_close = struct('evtchn_close', EVTCHN_H, [field('port', evtchnPort)]);
export const evtchn_send = struct('evtchn_send', EVTCHN_H, [field('port', evtchnPort)]);
export const evtchn_unmask = struct('evtchn_unmask', EVTCHN_H, [field('port', evtchnPort)]);

export const evtchn_status = struct('evtchn_status', EVTCHN_H, [
  field('dom', domid),
  field('port', evtchnPort),
  field('status', u32),
  field('vcpu', u32),
  field('u', nested(anonUnion([
    field('unbound', nested(anonStruct([field('dom', domid)]))),
    field('interdomain', nested(anonStruct([field('dom', domid), field('port', evtchnPort)]))),
    field('pirq', u32),
    field('virq', u32),
  ]))),
]);

export const evtchn_bind_vcpu = struct('evtchn_bind_vcpu', EVTCHN_H, [
  field('port', evtchnPort),
  field('vcpu', u32),
]);

export const evtchn_bind_pirq = struct('evtchn_bind_pirq', EVTCHN_H, [
  field('pirq', u32),
  field('flags', u32),
  field('port', evtchnPort),
]);

export const evtchn_reset = struct('evtchn_reset', EVTCHN_H, [field('dom', domid)]);

export const evtchn_init_control = struct('evtchn_init_control', EVTCHN_H, [
  field('control_gfn', u64),
  field('offset', u32),
  field('vcpu', u32),
  field('link_bits', u8),
  field('_pad', array(u8, 7)),
]);

export const evtchn_expand_array = struct('evtchn_expand_array', EVTCHN_H, [field('array_gfn', u64)]);

export const evtchn_set_priority = struct('evtchn_set_priority', EVTCHN_H, [
  field('port', evtchnPort),
  field('priority', u32),
]);

// xen/include/public/hvm/hvm_op.h
export const xen_hvm_param = struct('xen_hvm_param', 'xen/include/public/hvm/hvm_op.h', [
  field('domid', domid),
  field('pad', u16),
  field('index', u32),
  field('value', u64),
]);

// xen/include/public/xen.h
export const mmu_update = struct('mmu_update', XEN_H, [
  field('ptr', u64),
  field('val', u64),
]);

export const mmuext_op = struct('mmuext_op', XEN_H, [
  field('cmd', u32),
  field('arg1', nested(anonUnion([field('mfn', xenPfn), field('linear_addr', ulong)]))),
  field('arg2', nested(anonUnion([field('nr_ents', u32), field('vcpumask', handle), field('src_mfn', xenPfn)]))),
]);

// xen/include/public/arch-x86/xen.h
export const trap_info = struct('trap_info', ARCH_X86_H, [
  field('vector', u8),
  field('flags', u8),
  field('cs', u16),
  field('address', ulong),
]);

// xen/include/public/xen.h: fields are xen_ulong_t, so 4 bytes each for 32-bit callers.
export const multicall_entry = struct('multicall_entry', XEN_H, [
  field('op', xenUlong),
  field('result', xenUlong),
  field('args', array(xenUlong, 6)),
]);

// xen/include/public/version.h
export const xen_platform_parameters = struct('xen_platform_parameters', VERSION_H, [
  field('virt_start', xenUlong),
]);

export const xen_feature_info = struct('xen_feature_info', VERSION_H, [
  field('submap_idx', u32),
  field('submap', u32),
]);

// version.h typedefs these as bare char arrays; the single field is the whole object.
export const xen_extraversion = struct('xen_extraversion', VERSION_H, [field('extraversion', array(char, 16))],
  { cType: 'xen_extraversion_t', cArrayTypedef: true });
export const xen_changeset_info = struct('xen_changeset_info', VERSION_H, [field('changeset', array(char, 64))],
  { cType: 'xen_changeset_info_t', cArrayTypedef: true });
export const xen_capabilities_info = struct('xen_capabilities_info', VERSION_H,
  [field('capabilities', array(char, 1024))], { cType: 'xen_capabilities_info_t', cArrayTypedef: true });

export const xen_compile_info = struct('xen_compile_info', VERSION_H, [
  field('compiler', array(char, 64)),
  field('compile_by', array(char, 16)),
  field('compile_domain', array(char, 32)),
  field('compile_date', array(char, 32)),
]);

// xen/include/public/sched.h
export const sched_shutdown = struct('sched_shutdown', SCHED_H, [field('reason', u32)]);

export const sched_poll = struct('sched_poll', SCHED_H, [
  field('ports', handle),
  field('nr_ports', u32),
  field('timeout', u64),
]);

export const sched_remote_shutdown = struct('sched_remote_shutdown', SCHED_H, [
  field('domain_id', domid),
  field('reason', u32),
]);

// xen/include/public/arch-x86/xen-x86_32.h: the i386 xen_callback_t is a {cs, eip} pair. It only exists on
// i386 (x86_64's xen_callback_t is a plain unsigned long, xen-x86_64.h).
export const xen_callback = struct('xen_callback', 'xen/include/public/arch-x86/xen-x86_32.h', [
  field('cs', ulong),
  field('eip', ulong),
], { abis: ['x86_32'] });

// xen/include/public/callback.h
export const callback_register = struct('callback_register', 'xen/include/public/callback.h', [
  field('type', u16),
  field('flags', u16),
  field('address', perAbi({ x86_64: ulong, x86_32: nested(xen_callback) })),
]);

// xen/include/public/io/xs_wire.h (4.17: no evtchn_port field yet, that came in 4.21).
export const XENSTORE_RING_SIZE = 1024;
export const xenstore_domain_interface = struct('xenstore_domain_interface', 'xen/include/public/io/xs_wire.h', [
  field('req', array(char, XENSTORE_RING_SIZE)),
  field('rsp', array(char, XENSTORE_RING_SIZE)),
  field('req_cons', u32),
  field('req_prod', u32),
  field('rsp_cons', u32),
  field('rsp_prod', u32),
  field('server_features', u32),
  field('connection', u32),
  field('error', u32),
]);

// xen/include/public/io/console.h (4.17: no `connection` field yet, that came in 4.21).
export const xencons_interface = struct('xencons_interface', 'xen/include/public/io/console.h', [
  field('in', array(char, 1024)),
  field('out', array(char, 2048)),
  field('in_cons', u32),
  field('in_prod', u32),
  field('out_cons', u32),
  field('out_prod', u32),
]);

/** Every named declaration above, for tests and debugger views that enumerate them. */
export const ALL_STRUCTS: readonly StructDef[] = [
  vcpu_time_info, arch_vcpu_info, vcpu_info, arch_shared_info, shared_info, start_info,
  hvm_start_info, hvm_modlist_entry, hvm_memmap_table_entry,
  vcpu_runstate_info, vcpu_register_vcpu_info, vcpu_register_runstate_memory_area, vcpu_set_singleshot_timer,
  vcpu_set_periodic_timer,
  xen_memory_reservation, xen_add_to_physmap, xen_memory_map, e820entry,
  evtchn_alloc_unbound, evtchn_bind_interdomain, evtchn_bind_virq, evtchn_bind_ipi, evtchn_close, evtchn_send,
  evtchn_unmask, evtchn_status, evtchn_bind_vcpu,
  xen_hvm_param, mmu_update, mmuext_op, trap_info, multicall_entry,
  xen_platform_parameters, xen_feature_info, xen_extraversion, xen_changeset_info, xen_capabilities_info,
  xen_compile_info,
  evtchn_bind_pirq, evtchn_reset, evtchn_init_control, evtchn_expand_array, evtchn_set_priority,
  sched_shutdown, sched_poll, sched_remote_shutdown,
  xen_callback, callback_register,
  xenstore_domain_interface, xencons_interface,
];
