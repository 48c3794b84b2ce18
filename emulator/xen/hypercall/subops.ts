/**
 * Sub-operation names by hypercall, from the public headers (fact sheet §1 "Sub-op numbers"), so the trace
 * and hypercall breakpoints can name a call (`XENMEM_decrease_reservation`) before its handler runs.
 */
const list = (prefix: string, names: (string | undefined)[]): Map<number, string> =>
  new Map(names.flatMap((n, i) => (n ? [[i, `${prefix}${n}`] as [number, string]] : [])));

const XENMEM = list('XENMEM_', [
  'increase_reservation', 'decrease_reservation', 'maximum_ram_page', 'current_reservation', 'maximum_reservation',
  'machphys_mfn_list', 'populate_physmap', 'add_to_physmap', undefined, 'memory_map', 'machine_memory_map', 'exchange',
  'machphys_mapping', 'set_memory_map', 'maximum_gpfn', 'remove_from_physmap', 'set_pod_target', 'get_pod_target',
  'get_sharing_freed_pages', 'get_sharing_shared_pages', 'paging_op', 'access_op', 'sharing_op', 'add_to_physmap_batch',
  'claim_pages', 'machphys_compat_mfn_list', 'get_vnumainfo', 'reserved_device_memory_map', 'acquire_resource',
]);
const XENVER = list('XENVER_', [
  'version', 'extraversion', 'compile_info', 'capabilities', 'changeset', 'platform_parameters', 'get_features',
  'pagesize', 'guest_handle', 'commandline', 'build_id', 'extraversion2', 'capabilities2', 'changeset2', 'commandline2',
]);
const SCHEDOP = list('SCHEDOP_', ['yield', 'block', 'shutdown', 'poll', 'remote_shutdown', 'shutdown_code', 'watchdog', 'pin_override']);
const EVTCHNOP = list('EVTCHNOP_', [
  'bind_interdomain', 'bind_virq', 'bind_pirq', 'close', 'send', 'status', 'alloc_unbound', 'bind_ipi', 'bind_vcpu',
  'unmask', 'reset', 'init_control', 'expand_array', 'set_priority', 'reset_cont',
]);
const VCPUOP = list('VCPUOP_', [
  'initialise', 'up', 'down', 'is_up', 'get_runstate_info', 'register_runstate_memory_area', 'set_periodic_timer',
  'stop_periodic_timer', 'set_singleshot_timer', 'stop_singleshot_timer', 'register_vcpu_info', 'send_nmi', 'get_physid',
  'register_vcpu_time_memory_area', 'register_runstate_phys_area', 'register_vcpu_time_phys_area',
]);
const HVMOP = new Map<number, string>([
  ...list('HVMOP_', ['set_param', 'get_param', 'set_pci_intx_level', 'set_isa_irq_level', 'set_pci_link_route', 'flush_tlbs',
    'track_dirty_vram', 'modified_memory', 'set_mem_type', 'pagetable_dying', 'get_time', 'xentrace', 'set_mem_access',
    'get_mem_access', undefined, 'get_mem_type']),
  [23, 'HVMOP_set_evtchn_upcall_vector'], [24, 'HVMOP_guest_request_vm_event'], [25, 'HVMOP_altp2m'],
]);
const GNTTABOP = list('GNTTABOP_', [
  'map_grant_ref', 'unmap_grant_ref', 'setup_table', 'dump_table', 'transfer', 'copy', 'query_size', 'unmap_and_replace',
  'set_version', 'get_status_frames', 'get_version', 'swap_grant_ref', 'cache_flush',
]);
const CONSOLEIO = list('CONSOLEIO_', ['write', 'read']);
const CALLBACKOP = list('CALLBACKOP_', ['register', 'unregister']);
const VMASST = list('VMASST_CMD_', ['enable', 'disable']);

/** name → (table, mask applied to the first argument). memory_op carries continuation bits above MEMOP_CMD_MASK. */
const TABLES: Record<string, { names: Map<number, string>; mask: number }> = {
  memory_op: { names: XENMEM, mask: 0x3f },
  xen_version: { names: XENVER, mask: -1 },
  sched_op: { names: SCHEDOP, mask: -1 },
  sched_op_compat: { names: SCHEDOP, mask: -1 },
  event_channel_op: { names: EVTCHNOP, mask: -1 },
  vcpu_op: { names: VCPUOP, mask: -1 },
  hvm_op: { names: HVMOP, mask: -1 },
  grant_table_op: { names: GNTTABOP, mask: -1 },
  console_io: { names: CONSOLEIO, mask: -1 },
  callback_op: { names: CALLBACKOP, mask: -1 },
  vm_assist: { names: VMASST, mask: -1 },
};

/** The sub-operation named by a hypercall's first argument, if that hypercall has sub-operations. */
export function subopName(hypercall: string, firstArg: bigint): string | undefined {
  const t = TABLES[hypercall];
  if (!t) return undefined;
  const v = Number(BigInt.asUintN(32, firstArg)) & t.mask;
  return t.names.get(v);
}

/** Every sub-op name → (hypercall, number), for breakpoints such as `XENMEM_decrease_reservation`. */
export function lookupSubop(name: string): { hypercall: string; value: number } | undefined {
  for (const [hc, t] of Object.entries(TABLES)) {
    for (const [value, n] of t.names) if (n === name) return { hypercall: hc, value };
  }
  return undefined;
}
