/**
 * Parameter names of each hypercall as declared in xen/include/hypercall-defs.c (HEAD), used to label
 * arguments in the trace and the debugger, and to know which argument registers a debug build poisons
 * after the call (clobber_regs64/32 poison exactly the parameters the hypercall has). Compat callers split
 * 64-bit values into lo/hi pairs (§2.1), so some hypercalls have a separate compat list.
 */
const NATIVE: Record<string, readonly string[]> = {
  set_trap_table: ['traps'],
  mmu_update: ['ureqs', 'count', 'pdone', 'foreigndom'],
  set_gdt: ['frame_list', 'entries'],
  stack_switch: ['ss', 'esp'],
  set_callbacks: ['event_address', 'failsafe_address', 'syscall_address'],
  fpu_taskswitch: ['set'],
  sched_op_compat: ['cmd', 'arg'],
  platform_op: ['u_xenpf_op'],
  set_debugreg: ['reg', 'value'],
  get_debugreg: ['reg'],
  update_descriptor: ['gaddr', 'desc'],
  memory_op: ['cmd', 'arg'],
  multicall: ['call_list', 'nr_calls'],
  update_va_mapping: ['va', 'val64', 'flags'],
  set_timer_op: ['timeout'],
  event_channel_op_compat: ['uop'],
  xen_version: ['cmd', 'arg'],
  console_io: ['cmd', 'count', 'buffer'],
  physdev_op_compat: ['uop'],
  grant_table_op: ['cmd', 'uop', 'count'],
  vm_assist: ['cmd', 'type'],
  update_va_mapping_otherdomain: ['va', 'val64', 'flags', 'domid'],
  iret: [],
  vcpu_op: ['cmd', 'vcpuid', 'arg'],
  set_segment_base: ['which', 'base'],
  mmuext_op: ['uops', 'count', 'pdone', 'foreigndom'],
  xsm_op: ['op'],
  nmi_op: ['cmd', 'arg'],
  sched_op: ['cmd', 'arg'],
  callback_op: ['cmd', 'arg'],
  xenoprof_op: ['op', 'arg'],
  event_channel_op: ['cmd', 'arg'],
  physdev_op: ['cmd', 'arg'],
  hvm_op: ['op', 'arg'],
  sysctl: ['u_sysctl'],
  domctl: ['u_domctl'],
  kexec_op: ['op', 'uarg'],
  argo_op: ['cmd', 'arg1', 'arg2', 'arg3', 'arg4'],
  xenpmu_op: ['op', 'arg'],
  dm_op: ['domid', 'nr_bufs', 'bufs'],
  hypfs_op: ['cmd', 'arg1', 'arg2', 'arg3', 'arg4'],
  mca: ['u_xen_mc'],
  paging_domctl_cont: ['u_domctl'],
};

const COMPAT: Record<string, readonly string[]> = {
  set_callbacks: ['event_selector', 'event_address', 'failsafe_selector', 'failsafe_address'],
  update_descriptor: ['pa_lo', 'pa_hi', 'desc_lo', 'desc_hi'],
  update_va_mapping: ['va', 'lo', 'hi', 'flags'],
  update_va_mapping_otherdomain: ['va', 'lo', 'hi', 'flags', 'domid'],
  set_timer_op: ['lo', 'hi'],
};

/** Parameter names for hypercall `name` from a 64-bit or a compat caller. */
export function hypercallParams(name: string, compat: boolean): readonly string[] {
  return (compat ? COMPAT[name] : undefined) ?? NATIVE[name] ?? ['arg1', 'arg2', 'arg3', 'arg4', 'arg5'];
}
