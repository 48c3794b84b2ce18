/*
 * Event channels: upcall installation and the 2-level consumer loop (see events.h).
 *
 * What a Xen developer should watch:
 *  - PV64: callback_op(CALLBACKOP_register, {CALLBACKTYPE_event, CALLBACKF_mask_events,
 *    pv_event_entry}). Xen delivers an upcall on a return to the guest when vcpu_info[0]
 *    has evtchn_upcall_pending = 1 and evtchn_upcall_mask = 0: it sets the mask, builds the
 *    bounce frame [rcx, r11, rip, cs | saved mask << 32, rflags, rsp, ss] on the kernel
 *    stack and jumps to pv_event_entry (pv64-events.S), which calls evtchn_do_upcall() and
 *    leaves through HYPERVISOR_iret; iret restores the mask from the frame's RFLAGS.IF.
 *  - HVM: an IDT gate for vector 0xF3 (hvm64-events.S) and HVM_PARAM_CALLBACK_IRQ =
 *    (2 << 56) | 0xF3. Xen injects the vector directly while evtchn_upcall_pending is set and
 *    RFLAGS.IF = 1; evtchn_upcall_mask plays no part. No EOI: the vector bypasses the LAPIC.
 *  - The consumer loop (§5.3): clear evtchn_upcall_pending, xchg evtchn_pending_sel with 0,
 *    for each selected word scan pending & ~mask, clear each pending bit with a locked
 *    and, dispatch; repeat while evtchn_upcall_pending was set again meanwhile.
 */
#include "events.h"
#include "arch.h"
#include "console.h"
#include "guest.h"
#include "hypercall.h"

volatile struct shared_info *evt_shared;
volatile uint32_t evtchn_count[EVTCHN_2L_NR_PORTS];
volatile unsigned long evtchn_upcalls;

/* ---- the consumer loop ---------------------------------------------------------------- */

void evtchn_do_upcall(void)
{
	volatile struct shared_info *s = evt_shared;
	volatile struct vcpu_info *vi = &s->vcpu_info[0];

	evtchn_upcalls++;
	do {
		vi->evtchn_upcall_pending = 0;
		/* xchg: take the selector words Xen flagged, atomically against Xen setting more. */
		xen_ulong_t sel = __atomic_exchange_n(&vi->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
		while (sel) {
			unsigned int w = (unsigned int)__builtin_ctzl(sel);
			sel &= sel - 1;
			xen_ulong_t bits = s->evtchn_pending[w] & ~s->evtchn_mask[w];
			while (bits) {
				unsigned int b = (unsigned int)__builtin_ctzl(bits);
				bits &= bits - 1;
				/* lock and: Xen may be setting other bits of the word right now. */
				__atomic_fetch_and(&s->evtchn_pending[w], ~(1UL << b), __ATOMIC_SEQ_CST);
				evtchn_count[w * EVTCHN_WORD_BITS + b]++;
			}
		}
	} while (vi->evtchn_upcall_pending);
}

/* ---- port operations ------------------------------------------------------------------ */

int evtchn_bind_virq(uint32_t virq, uint32_t vcpu, evtchn_port_t *port)
{
	struct evtchn_bind_virq op = { .virq = virq, .vcpu = vcpu, .port = 0 };
	int rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &op);
	*port = op.port;
	return rc;
}

int evtchn_bind_ipi(uint32_t vcpu, evtchn_port_t *port)
{
	struct evtchn_bind_ipi op = { .vcpu = vcpu, .port = 0 };
	int rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_ipi, &op);
	*port = op.port;
	return rc;
}

int evtchn_send(evtchn_port_t port)
{
	struct evtchn_send op = { .port = port };
	return HYPERVISOR_event_channel_op(EVTCHNOP_send, &op);
}

int evtchn_unmask(evtchn_port_t port)
{
	struct evtchn_unmask op = { .port = port };
	return HYPERVISOR_event_channel_op(EVTCHNOP_unmask, &op);
}

void evtchn_mask(evtchn_port_t port)
{
	__atomic_fetch_or(&evt_shared->evtchn_mask[port / EVTCHN_WORD_BITS],
			  1UL << (port % EVTCHN_WORD_BITS), __ATOMIC_SEQ_CST);
}

int evtchn_is_pending(evtchn_port_t port)
{
	return (evt_shared->evtchn_pending[port / EVTCHN_WORD_BITS] >> (port % EVTCHN_WORD_BITS)) & 1;
}

int evtchn_is_masked(evtchn_port_t port)
{
	return (evt_shared->evtchn_mask[port / EVTCHN_WORD_BITS] >> (port % EVTCHN_WORD_BITS)) & 1;
}

/* ---- PV64: callbacks, trap table, masking --------------------------------------------- */

#ifdef XEN_PV

/* Entry points in pv64-events.S. */
extern char pv_event_entry[], pv_failsafe_entry[];
extern char pv_trap_0[], pv_trap_1[], pv_trap_3[], pv_trap_4[], pv_trap_5[], pv_trap_6[],
	pv_trap_7[], pv_trap_10[], pv_trap_11[], pv_trap_12[], pv_trap_13[], pv_trap_14[],
	pv_trap_16[], pv_trap_17[], pv_trap_19[];

/* The virtual IDT: the CPU exceptions a kernel can take, all delivered with events masked
 * (TI_IF) to a stub that reports and crashes. #DF and #MC are Xen's own business. */
#define TRAP(v) { v, TI_IF, FLAT_KERNEL_CS64, (unsigned long)pv_trap_##v }
const struct trap_info pv_trap_table[] = {
	TRAP(0), TRAP(1), TRAP(3), TRAP(4), TRAP(5), TRAP(6), TRAP(7), TRAP(10), TRAP(11),
	TRAP(12), TRAP(13), TRAP(14), TRAP(16), TRAP(17), TRAP(19),
	{ 0, 0, 0, 0 },
};

static const char *trap_name(unsigned long v)
{
	switch (v) {
	case 0: return "#DE divide error";
	case 1: return "#DB debug";
	case 3: return "#BP breakpoint";
	case 4: return "#OF overflow";
	case 5: return "#BR bound range";
	case 6: return "#UD invalid opcode";
	case 7: return "#NM device not available";
	case 10: return "#TS invalid TSS";
	case 11: return "#NP segment not present";
	case 12: return "#SS stack fault";
	case 13: return "#GP general protection";
	case 14: return "#PF page fault";
	case 16: return "#MF x87 error";
	case 17: return "#AC alignment check";
	case 19: return "#XM SIMD error";
	default: return "?";
	}
}

/*
 * Called by the pv_trap_N stubs. `frame` is Xen's bounce frame: rcx, r11, [error code],
 * rip, cs (bits 39:32 = the saved evtchn_upcall_mask), rflags, rsp, ss. For #PF Xen puts
 * the faulting address in vcpu_info.arch.cr2 (read here from vcpu_info[0]).
 */
void pv_trap_report(const unsigned long *frame, unsigned long vector, unsigned long has_error)
	__attribute__((noreturn));
void pv_trap_report(const unsigned long *frame, unsigned long vector, unsigned long has_error)
{
	const unsigned long *f = frame + 2 + has_error;
	unsigned long cr2 = evt_shared ? evt_shared->vcpu_info[0].arch.cr2 : 0;

	printk("*** PV trap %lu (%s), error code 0x%lx, at %04lx:%016lx, rflags 0x%lx, "
	       "rsp %016lx, saved upcall mask %lu, cr2 %016lx\n",
	       vector, trap_name(vector), has_error ? frame[2] : 0, f[1] & 0xffff, f[0], f[2],
	       f[3], (f[1] >> 32) & 0xff, cr2);
	xen_shutdown(SHUTDOWN_crash);
}

/* Called by pv_failsafe_entry: Xen could not load a segment register on the way back to
 * the guest. Frame: rcx, r11, ds, es, fs, gs, rip, cs, rflags, rsp, ss. */
void pv_failsafe_report(const unsigned long *frame) __attribute__((noreturn));
void pv_failsafe_report(const unsigned long *frame)
{
	printk("*** PV failsafe callback: ds %04lx es %04lx fs %04lx gs %04lx at %04lx:%016lx\n",
	       frame[2], frame[3], frame[4], frame[5], frame[7] & 0xffff, frame[6]);
	xen_shutdown(SHUTDOWN_crash);
}

int events_init(volatile struct shared_info *s)
{
	int rc;

	evt_shared = s;

	rc = HYPERVISOR_set_trap_table(pv_trap_table);
	printk("set_trap_table(%u entries: #DE..#XM -> report and crash): %d\n",
	       (unsigned int)(sizeof(pv_trap_table) / sizeof(pv_trap_table[0]) - 1), rc);
	if (rc < 0)
		return rc;

	struct callback_register failsafe = {
		.type = CALLBACKTYPE_failsafe,
		.flags = CALLBACKF_mask_events,
		.address = (unsigned long)pv_failsafe_entry,
	};
	rc = HYPERVISOR_callback_op(CALLBACKOP_register, &failsafe);
	if (rc < 0) {
		printk("callback_op(register failsafe) failed: %d\n", rc);
		return rc;
	}

	struct callback_register event = {
		.type = CALLBACKTYPE_event,
		.flags = CALLBACKF_mask_events,
		.address = (unsigned long)pv_event_entry,
	};
	rc = HYPERVISOR_callback_op(CALLBACKOP_register, &event);
	printk("callback_op(CALLBACKOP_register, event -> %p, failsafe -> %p): %d\n",
	       (void *)pv_event_entry, (void *)pv_failsafe_entry, rc);
	return rc;
}

void events_disable(void)
{
	evt_shared->vcpu_info[0].evtchn_upcall_mask = 1;
	barrier();
}

void events_enable(void)
{
	volatile struct vcpu_info *vi = &evt_shared->vcpu_info[0];

	barrier();
	vi->evtchn_upcall_mask = 0;
	barrier();
	/* Xen checks for upcalls only on its way back to the guest: if something became
	 * pending while masked, make a harmless hypercall to get it delivered now. */
	if (vi->evtchn_upcall_pending)
		HYPERVISOR_xen_version(XENVER_version, NULL);
}

void events_wait(void)
{
	/* Unmasks and sleeps unless something is pending; the upcall runs on the way back. */
	HYPERVISOR_sched_op(SCHEDOP_block, NULL);
}

#endif /* XEN_PV */

/* ---- HVM: IDT gate and callback vector ------------------------------------------------ */

#ifdef XEN_HVM

extern char hvm_upcall_entry[];   /* hvm64-events.S */

/* A 64-bit interrupt gate. */
struct idt_gate {
	uint16_t offset0;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;     /* 0x8e: present, DPL 0, 64-bit interrupt gate (IF cleared) */
	uint16_t offset1;
	uint32_t offset2;
	uint32_t reserved;
};

struct __attribute__((packed)) desc_ptr {
	uint16_t limit;
	uint64_t base;
};

/* hvm-head.S installs a 32-entry IDT (the exceptions); this is a full 256-entry copy of it
 * with the upcall vector added. */
static struct idt_gate idt256[256] __attribute__((aligned(16)));

static void idt_extend(uint8_t vector, const void *handler)
{
	struct desc_ptr old, new;
	uint16_t cs;

	__asm__ volatile("sidt %0" : "=m"(old));
	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	const uint8_t *src = (const uint8_t *)(unsigned long)old.base;
	uint8_t *dst = (uint8_t *)idt256;
	for (unsigned int i = 0; i <= old.limit && i < sizeof(idt256); i++)
		dst[i] = src[i];

	unsigned long a = (unsigned long)handler;
	idt256[vector] = (struct idt_gate){
		.offset0 = (uint16_t)a,
		.selector = cs,
		.ist = 0,
		.type_attr = 0x8e,
		.offset1 = (uint16_t)(a >> 16),
		.offset2 = (uint32_t)(a >> 32),
		.reserved = 0,
	};
	new.limit = sizeof(idt256) - 1;
	new.base = (uint64_t)(unsigned long)idt256;
	__asm__ volatile("lidt %0" : : "m"(new) : "memory");
}

int events_init(volatile struct shared_info *s)
{
	struct xen_feature_info fi = { .submap_idx = 0, .submap = 0 };
	long rc;

	evt_shared = s;

	HYPERVISOR_xen_version(XENVER_get_features, &fi);
	printk("XENFEAT_hvm_callback_vector: %u, XENFEAT_hvm_safe_pvclock: %u\n",
	       (fi.submap >> XENFEAT_hvm_callback_vector) & 1,
	       (fi.submap >> XENFEAT_hvm_safe_pvclock) & 1);

	idt_extend(HVM_UPCALL_VECTOR, hvm_upcall_entry);

	struct xen_hvm_param p = {
		.domid = DOMID_SELF,
		.pad = 0,
		.index = HVM_PARAM_CALLBACK_IRQ,
		.value = ((uint64_t)HVM_PARAM_CALLBACK_TYPE_VECTOR << HVM_PARAM_CALLBACK_TYPE_SHIFT) |
			 HVM_UPCALL_VECTOR,
	};
	rc = HYPERVISOR_hvm_op(HVMOP_set_param, &p);
	printk("IDT gate 0x%x -> %p; HVMOP_set_param(HVM_PARAM_CALLBACK_IRQ, 0x%016llx): %ld\n",
	       HVM_UPCALL_VECTOR, (void *)hvm_upcall_entry, (unsigned long long)p.value, rc);
	return (int)rc;
}

void events_disable(void)
{
	__asm__ volatile("cli" : : : "memory");
}

void events_enable(void)
{
	/* A pending vector is injected right after the STI shadow. */
	__asm__ volatile("sti; nop" : : : "memory");
}

void events_wait(void)
{
	/* STI's interrupt shadow covers the HLT: an event that became pending after the
	 * caller's check wakes the HLT instead of being taken before it. */
	__asm__ volatile("sti; hlt" : : : "memory");
}

#endif /* XEN_HVM */
