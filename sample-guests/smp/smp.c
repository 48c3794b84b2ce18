/*
 * smp: vCPU 0 brings up vCPU 1 with VCPUOP_initialise + VCPUOP_up; built for pv64 and
 * hvm64 (GUEST_ENV). Run with 2 vCPUs (xen-guest run --vcpus 2; xl: vcpus=2).
 *
 * vCPU 0:
 *   1. (HVM) finds Xen and installs the hypercall page; maps shared_info and installs the
 *      event upcall (runtime/events.c), binds an IPI port to itself (EVTCHNOP_bind_ipi,
 *      vCPU 0) and enables events;
 *   2. checks VCPUOP_is_up(1) = 0 and that VCPUOP_up(1) before VCPUOP_initialise is refused
 *      with -EINVAL;
 *   3. VCPUOP_initialise(1, context):
 *        PV:  struct vcpu_guest_context: rip = ap_entry, rsp = ap stack, cs 0xe033, ss 0xe02b,
 *             rflags IF, flags VGCF_in_kernel, ctrlreg[3] = xen_pfn_to_cr3(MFN of our L4:
 *             start_info.pt_base's pseudo-physical frame looked up in the p2m), kernel_ss/sp,
 *             the trap table, event (never used) and failsafe callbacks;
 *        HVM: struct vcpu_hvm_context, VCPU_HVM_MODE_64B, rip/rsp, rflags 2 (IF off), and
 *             CR0/CR3/CR4/EFER = the BSP's (same page tables);
 *      vCPU 1's vcpu_info is shared_info.vcpu_info[1] (ids < 32), so no
 *      VCPUOP_register_vcpu_info is needed first. Without VGCF_online (PV) the vCPU stays down
 *      until VCPUOP_up, as an HVM vCPU always does;
 *   4. VCPUOP_up(1), then sleeps (PV: SCHEDOP_block; HVM: sti; hlt) until the IPI arrives;
 *   5. checks the counter vCPU 1 incremented (1) and waits (yielding) until
 *      VCPUOP_is_up(1) = 0; powers off (SHUTDOWN_crash if anything was unexpected).
 *
 * vCPU 1 (ap_main): prints "vCPU 1 up", increments the shared counter with lock xadd,
 * EVTCHNOP_send on the IPI port (which notifies vCPU 0, the vCPU it was bound for), and
 * takes itself down with VCPUOP_down(1) (Xen 4.11+ would power the domain off instead if
 * vCPU 1 were the last vCPU up; vCPU 0 is). It never enables events.
 *
 * What to watch in a trace: the initialise context as Xen loaded it, vCPU 1 scheduled after
 * VCPUOP_up, the IPI raised by d1v1 and delivered to d1v0, and vCPU 1 going down.
 */
#include "guest.h"
#include "arch.h"
#include "console.h"
#include "events.h"
#include "hypercall.h"
#include "string.h"
#ifdef XEN_HVM
#include "hvm.h"
#endif

#define AP_VCPU 1

unsigned char shared_info_page[4096] __attribute__((aligned(4096)));

/* vCPU 1's stack; ap_entry runs on its top. */
static unsigned char ap_stack[16384] __attribute__((aligned(16)));
#define AP_STACK_TOP ((unsigned long)(ap_stack + sizeof(ap_stack)))

extern char ap_entry[];            /* smp-entry.S */

/* Shared between the vCPUs. */
static volatile int ap_counter;    /* vCPU 1: lock xadd +1 */
static evtchn_port_t ipi_port;     /* written by vCPU 0 before VCPUOP_up */

static int failures;

static void check(int ok, const char *what)
{
	if (!ok) {
		printk("FAILED: %s\n", what);
		failures++;
	}
}

static int vcpu_is_up(unsigned int vcpu)
{
	return HYPERVISOR_vcpu_op(VCPUOP_is_up, vcpu, NULL);
}

/* ---- vCPU 1 ----------------------------------------------------------------------------- */

void ap_main(void) __attribute__((noreturn));
void ap_main(void)
{
	unsigned long rsp;
	uint16_t cs;

	__asm__ volatile("mov %%rsp, %0; mov %%cs, %1" : "=r"(rsp), "=r"(cs));
	printk("vCPU 1 up: cs 0x%x, rsp 0x%lx\n", cs, rsp);
#ifdef XEN_HVM
	/* HVM: Xen's CPUID leaf base+4 reports the vCPU id when flag 8 (VCPU_ID_PRESENT) is set. */
	uint32_t a = 0, b = 0, c, d;
	if (xen_cpuid_leaf_base) {
		cpuid_count(xen_cpuid_leaf_base, 0, &a, &b, &c, &d);
		if (a >= xen_cpuid_leaf_base + 4) {
			cpuid_count(xen_cpuid_leaf_base + 4, 0, &a, &b, &c, &d);
			if (a & 8)
				printk("vCPU 1: CPUID 0x%x EBX (vCPU id) = %u\n",
				       xen_cpuid_leaf_base + 4, b);
		}
	}
#endif

	int old = 1;
	__asm__ volatile("lock xadd %0, %1" : "+r"(old), "+m"(ap_counter) : : "memory");
	printk("vCPU 1: counter %d -> %d (lock xadd); EVTCHNOP_send(port %u), then VCPUOP_down\n",
	       old, old + 1, ipi_port);

	int rc = evtchn_send(ipi_port);
	if (rc < 0)
		printk("vCPU 1: EVTCHNOP_send failed: %d\n", rc);

	/* Down on itself is synchronous: the vCPU stops on the way out of this call. */
	rc = HYPERVISOR_vcpu_op(VCPUOP_down, AP_VCPU, NULL);
	printk("vCPU 1: VCPUOP_down returned %d and vCPU 1 is still running\n", rc);
	for (;;)
		__asm__ volatile("pause");
}

#ifdef XEN_PV
/* ap_event_entry (smp-entry.S): vCPU 1 never unmasks events, so this means Xen upcalled it
 * with evtchn_upcall_mask = 1. */
void ap_unexpected_event(void) __attribute__((noreturn));
void ap_unexpected_event(void)
{
	printk("*** vCPU 1: unexpected event upcall\n");
	xen_shutdown(SHUTDOWN_crash);
}
#endif

/* ---- vCPU 0: the initialise context ------------------------------------------------------ */

#ifdef XEN_PV
extern const struct trap_info pv_trap_table[];   /* runtime/events.c */
extern char pv_failsafe_entry[], ap_event_entry[];

static struct vcpu_guest_context ap_ctx;

static int initialise_ap(unsigned long boot_arg)
{
	const struct start_info *si = (const struct start_info *)boot_arg;
	const xen_pfn_t *p2m = (const xen_pfn_t *)si->mfn_list;
	/* The builder maps VIRT_BASE.. onto pseudo-physical frames 0.., so the L4's pfn is its
	 * offset from VIRT_BASE; CR3 values hold machine frames, hence the p2m lookup. */
	unsigned long l4_pfn = (si->pt_base - PV_VIRT_BASE) >> 12;
	unsigned long l4_mfn = p2m[l4_pfn];

	memset(&ap_ctx, 0, sizeof(ap_ctx));
	/* In kernel mode; not VGCF_online: the vCPU stays down until VCPUOP_up. No
	 * VGCF_i387_valid: Xen gives it a fresh FPU state. */
	ap_ctx.flags = VGCF_in_kernel;
	ap_ctx.user_regs.rip = (unsigned long)ap_entry;
	ap_ctx.user_regs.rsp = AP_STACK_TOP;
	ap_ctx.user_regs.cs = FLAT_KERNEL_CS64;
	ap_ctx.user_regs.ss = FLAT_KERNEL_SS64;
	ap_ctx.user_regs.rflags = 0x200;   /* IF, as the builder starts vCPU 0 */
	for (const struct trap_info *t = pv_trap_table; t->address; t++)
		ap_ctx.trap_ctxt[t->vector] = *t;
	ap_ctx.kernel_ss = FLAT_KERNEL_SS64;
	ap_ctx.kernel_sp = AP_STACK_TOP;
	ap_ctx.ctrlreg[3] = xen_pfn_to_cr3(l4_mfn);   /* ctrlreg[1] = 0: no user page table */
	ap_ctx.event_callback_eip = (unsigned long)ap_event_entry;
	ap_ctx.failsafe_callback_eip = (unsigned long)pv_failsafe_entry;
	/* syscall_callback_eip = 0: no user mode here (vCPU 0 registers none either). */

	printk("VCPUOP_initialise(1): vcpu_guest_context rip %p, rsp 0x%lx, cs 0x%x, ss 0x%x, "
	       "ctrlreg[3] 0x%lx (L4 pfn 0x%lx = mfn 0x%lx)\n",
	       (void *)ap_entry, AP_STACK_TOP, FLAT_KERNEL_CS64, FLAT_KERNEL_SS64,
	       ap_ctx.ctrlreg[3], l4_pfn, l4_mfn);
	return HYPERVISOR_vcpu_op(VCPUOP_initialise, AP_VCPU, &ap_ctx);
}
#endif

#ifdef XEN_HVM
#define MSR_EFER 0xc0000080

struct __attribute__((packed)) desc_ptr {
	uint16_t limit;
	uint64_t base;
};
/* Loaded by ap_entry (smp-entry.S). */
struct desc_ptr ap_gdt_desc, ap_idt_desc;

static struct vcpu_hvm_context ap_ctx;

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static int initialise_ap(unsigned long boot_arg)
{
	struct vcpu_hvm_x86_64 *r = &ap_ctx.cpu_regs.x86_64;
	unsigned long cr0, cr3, cr4;

	(void)boot_arg;
	__asm__ volatile("sgdt %0; sidt %1" : "=m"(ap_gdt_desc), "=m"(ap_idt_desc));
	__asm__ volatile("mov %%cr0, %0; mov %%cr3, %1; mov %%cr4, %2"
			 : "=r"(cr0), "=r"(cr3), "=r"(cr4));

	memset(&ap_ctx, 0, sizeof(ap_ctx));
	ap_ctx.mode = VCPU_HVM_MODE_64B;
	r->rip = (unsigned long)ap_entry;
	r->rsp = AP_STACK_TOP;
	r->rflags = 2;                     /* bit 1 is always 1; IF off */
	r->cr0 = cr0;
	r->cr3 = cr3;
	r->cr4 = cr4;
	r->efer = rdmsr(MSR_EFER);         /* LME (and LMA) on: long mode */

	printk("VCPUOP_initialise(1): vcpu_hvm_context mode 64B, rip %p, rsp 0x%lx, cr0 0x%lx, "
	       "cr3 0x%lx, cr4 0x%lx, efer 0x%llx\n",
	       (void *)ap_entry, AP_STACK_TOP, cr0, cr3, cr4, (unsigned long long)r->efer);
	return HYPERVISOR_vcpu_op(VCPUOP_initialise, AP_VCPU, &ap_ctx);
}
#endif

/* ---- vCPU 0 ------------------------------------------------------------------------------ */

static volatile struct shared_info *map_shared_info(unsigned long boot_arg)
{
	int rc;
#ifdef XEN_PV
	const struct start_info *si = (const struct start_info *)boot_arg;
	rc = pv_map_machine_page(shared_info_page, si->shared_info);
#else
	(void)boot_arg;
	rc = hvm_map_shared_info((unsigned long)shared_info_page >> 12);
#endif
	if (rc < 0) {
		printk("mapping shared_info failed: %d\n", rc);
		xen_shutdown(SHUTDOWN_crash);
	}
	return (volatile struct shared_info *)shared_info_page;
}

void kernel_main(unsigned long boot_arg)
{
	int rc;

#ifdef XEN_HVM
	console_set_sinks(CONSOLE_DEBUGCON);
	printk("Hello from smp-" GUEST_ENV " guest\n");
	if (hvm_setup_hypercall_page() < 0) {
		debugcon_puts("smp-" GUEST_ENV ": cannot make hypercalls, halting\n");
		halt_forever();
	}
#endif
	console_set_sinks(CONSOLE_XEN);
	printk("Hello from smp-" GUEST_ENV " guest\n");

	volatile struct shared_info *s = map_shared_info(boot_arg);
	if (events_init(s) < 0)
		xen_shutdown(SHUTDOWN_crash);
	rc = evtchn_bind_ipi(0, &ipi_port);
	printk("EVTCHNOP_bind_ipi(vCPU 0): %d, port %u\n", rc, ipi_port);
	if (rc < 0)
		xen_shutdown(SHUTDOWN_crash);
	events_enable();

	rc = vcpu_is_up(AP_VCPU);
	printk("VCPUOP_is_up(1): %d\n", rc);
	if (rc == -XEN_ENOENT) {
		printk("smp: the domain has no vCPU 1; run it with 2 vCPUs (--vcpus 2)\n");
		xen_shutdown(SHUTDOWN_crash);
	}
	if (rc == -XEN_ENOSYS) {
		/* HVM guests got VCPUOP_initialise/up/down/is_up only in Xen 4.7. */
		printk("smp: no vCPU bring-up sub-ops for this guest (HVM before Xen 4.7?)\n");
		xen_shutdown(SHUTDOWN_crash);
	}
	check(rc == 0, "vCPU 1 is down at start");

	rc = HYPERVISOR_vcpu_op(VCPUOP_up, AP_VCPU, NULL);
	printk("VCPUOP_up(1) before VCPUOP_initialise: %d (-EINVAL expected)\n", rc);
	check(rc == -XEN_EINVAL, "VCPUOP_up of an uninitialised vCPU");

	printk("vCPU 1 uses shared_info.vcpu_info[1] (id < %d: no VCPUOP_register_vcpu_info)\n",
	       XEN_LEGACY_MAX_VCPUS);
	rc = initialise_ap(boot_arg);
	printk("VCPUOP_initialise(1): %d\n", rc);
	if (rc < 0)
		xen_shutdown(SHUTDOWN_crash);

	rc = HYPERVISOR_vcpu_op(VCPUOP_up, AP_VCPU, NULL);
	printk("VCPUOP_up(1): %d; vCPU 0 waits for the IPI\n", rc);
	if (rc < 0)
		xen_shutdown(SHUTDOWN_crash);

	unsigned int sleeps = 0;
	events_disable();
	while (evtchn_count[ipi_port] == 0) {
		events_wait();
		sleeps++;
		events_disable();
	}
	events_enable();
	int counter = __atomic_load_n(&ap_counter, __ATOMIC_SEQ_CST);
	printk("vCPU 0: IPI received (port %u count %u, %u sleep(s)); counter = %d\n", ipi_port,
	       evtchn_count[ipi_port], sleeps, counter);
	check(evtchn_count[ipi_port] == 1, "one IPI");
	check(counter == 1, "vCPU 1 incremented the counter once");

	/* vCPU 1 sent the IPI just before VCPUOP_down: give it the time to get there. */
	unsigned int polls = 0;
	while ((rc = vcpu_is_up(AP_VCPU)) == 1 && polls < 1000) {
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
		polls++;
	}
	printk("VCPUOP_is_up(1): %d (after %u yield(s))\n", rc, polls);
	check(rc == 0, "vCPU 1 is down again");

	if (failures) {
		printk("smp: %d check(s) FAILED, crashing\n", failures);
		xen_shutdown(SHUTDOWN_crash);
	}
	printk("smp: ok, powering off\n");
	xen_shutdown(SHUTDOWN_poweroff);
}
