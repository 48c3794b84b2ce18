/*
 * The slice of the Xen public ABI the sample guests use: hypercall numbers, sub-op numbers,
 * and the structures they pass. Values come from the Xen 4.17 public headers; every block
 * cites the header it comes from (path inside the Xen tree, xen/include/public/...).
 *
 * One definition serves both ABIs. Built with -m64 it gives the native 64-bit layout; built
 * with -m32 it gives the i386 layout, which is Xen's "compat" layout used by 32-bit PV guests
 * and by HVM guests calling from 32-bit mode: `long`, pointers and xen_ulong_t are 4 bytes
 * there and uint64_t fields are only 4-byte aligned, exactly as in Xen's compat headers.
 * The _Static_asserts at the end pin the sizes and offsets to the measured Xen layouts.
 */
#ifndef SAMPLE_XEN_H
#define SAMPLE_XEN_H

#include <stddef.h>
#include <stdint.h>

/* ---- basic types ---------------------------------------------------------------------- */

/* xen/include/public/arch-x86/xen.h: xen_ulong_t and xen_pfn_t are `unsigned long` on x86. */
typedef unsigned long xen_ulong_t;
typedef unsigned long xen_pfn_t;
/* xen/include/public/xen.h */
typedef uint16_t domid_t;
/* xen/include/public/event_channel.h */
typedef uint32_t evtchn_port_t;

/* ---- hypercall numbers: xen/include/public/xen.h -------------------------------------- */

#define __HYPERVISOR_set_trap_table        0
#define __HYPERVISOR_mmu_update            1
#define __HYPERVISOR_set_callbacks         4
#define __HYPERVISOR_memory_op            12
#define __HYPERVISOR_multicall            13
#define __HYPERVISOR_update_va_mapping    14
#define __HYPERVISOR_set_timer_op         15
#define __HYPERVISOR_xen_version          17
#define __HYPERVISOR_console_io           18
#define __HYPERVISOR_grant_table_op       20
#define __HYPERVISOR_vm_assist            21
#define __HYPERVISOR_iret                 23
#define __HYPERVISOR_vcpu_op              24
#define __HYPERVISOR_mmuext_op            26
#define __HYPERVISOR_sched_op             29
#define __HYPERVISOR_callback_op          30
#define __HYPERVISOR_event_channel_op     32
#define __HYPERVISOR_physdev_op           33
#define __HYPERVISOR_hvm_op               34

/* ---- xen_version: xen/include/public/version.h ---------------------------------------- */

#define XENVER_version          0  /* returns (major << 16) | minor */
#define XENVER_extraversion     1  /* arg: char[XEN_EXTRAVERSION_LEN] */
#define XENVER_get_features     6  /* arg: struct xen_feature_info */
#define XEN_EXTRAVERSION_LEN   16

struct xen_feature_info {
	unsigned int submap_idx;   /* IN: which 32-bit submap to return */
	uint32_t submap;           /* OUT: 32-bit submap */
};

/* ---- console_io: xen/include/public/xen.h --------------------------------------------- */

#define CONSOLEIO_write 0
#define CONSOLEIO_read  1

/* ---- sched_op: xen/include/public/sched.h --------------------------------------------- */

#define SCHEDOP_yield     0
#define SCHEDOP_block     1  /* clears evtchn_upcall_mask, sleeps until an event is pending */
#define SCHEDOP_shutdown  2

#define SHUTDOWN_poweroff 0
#define SHUTDOWN_reboot   1
#define SHUTDOWN_suspend  2
#define SHUTDOWN_crash    3

struct sched_shutdown {
	unsigned int reason;       /* SHUTDOWN_* */
};

/* ---- domain ids: xen/include/public/xen.h --------------------------------------------- */

#define DOMID_SELF 0x7FF0

/* ---- update_va_mapping flags: xen/include/public/xen.h -------------------------------- */

#define UVMF_NONE      0
#define UVMF_TLB_FLUSH 1
#define UVMF_INVLPG    2
#define UVMF_LOCAL     0           /* flush only this vCPU's TLB */

/* x86 PTE bits (architectural; Xen validates PV PTEs against them). */
#define _PAGE_PRESENT  0x001
#define _PAGE_RW       0x002
#define _PAGE_USER     0x004
#define _PAGE_ACCESSED 0x020
#define _PAGE_DIRTY    0x040
#define _PAGE_PSE      0x080

/* ---- memory_op: xen/include/public/memory.h ------------------------------------------- */

#define XENMEM_increase_reservation  0
#define XENMEM_decrease_reservation  1
#define XENMEM_current_reservation   3
#define XENMEM_maximum_reservation   4
#define XENMEM_populate_physmap      6
#define XENMEM_add_to_physmap        7
#define XENMEM_memory_map            9

/* xen/include/xen/hypercall.h (Xen-internal, but de-facto ABI: continuations of the
 * reservation sub-ops encode the extents already done as cmd | (done << 6)). */
#define MEMOP_EXTENT_SHIFT 6
#define MEMOP_CMD_MASK     ((1 << MEMOP_EXTENT_SHIFT) - 1)

#define XENMAPSPACE_shared_info 0
#define XENMAPSPACE_grant_table 1
#define XENMAPSPACE_gmfn        2

struct xen_memory_reservation {
	xen_pfn_t *extent_start;   /* XEN_GUEST_HANDLE(xen_pfn_t): GMFNs (MFNs for PV) */
	xen_ulong_t nr_extents;
	unsigned int extent_order;
	unsigned int mem_flags;    /* XENMEMF_* (address bits, node) */
	domid_t domid;
};

struct xen_add_to_physmap {
	domid_t domid;
	uint16_t size;             /* only for XENMAPSPACE_gmfn_range */
	unsigned int space;        /* XENMAPSPACE_* */
	xen_ulong_t idx;
	xen_pfn_t gpfn;
};

struct xen_memory_map {
	unsigned int nr_entries;   /* IN: buffer capacity; OUT: entries written */
	void *buffer;              /* XEN_GUEST_HANDLE(void): array of struct e820entry */
};

/* One E820 entry as XENMEM_memory_map writes it: 20 packed bytes
 * (xen/include/public/memory.h comment on XENMEM_memory_map; struct e820entry in Xen). */
struct e820entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
} __attribute__((packed));
#define E820_RAM 1

/* ---- event_channel_op: xen/include/public/event_channel.h ----------------------------- */

#define EVTCHNOP_bind_virq 1
#define EVTCHNOP_close     3
#define EVTCHNOP_send      4
#define EVTCHNOP_bind_ipi  7
#define EVTCHNOP_unmask    9

struct evtchn_send {
	evtchn_port_t port;
};

struct evtchn_bind_virq {
	uint32_t virq;             /* IN: VIRQ_* */
	uint32_t vcpu;             /* IN: the vCPU the VIRQ is bound on (per-vCPU VIRQs) */
	evtchn_port_t port;        /* OUT */
};

struct evtchn_bind_ipi {
	uint32_t vcpu;             /* IN: the vCPU a send on the port notifies */
	evtchn_port_t port;        /* OUT */
};

struct evtchn_unmask {
	evtchn_port_t port;
};

/* xen/include/public/xen.h: virtual IRQs. VIRQ_TIMER is per-vCPU: set_timer_op and the
 * singleshot/periodic vCPU timers raise it. */
#define VIRQ_TIMER 0

/* 2-level event channels (event_channel.h, EVTCHN_2L_NR_CHANNELS): one pending and one mask
 * bit per port in shared_info, grouped in xen_ulong_t words, one evtchn_pending_sel bit per
 * word: 64 * 64 = 4096 ports for a 64-bit guest, 32 * 32 = 1024 for a 32-bit one. */
#define EVTCHN_WORD_BITS   (sizeof(xen_ulong_t) * 8)
#define EVTCHN_2L_NR_PORTS (EVTCHN_WORD_BITS * EVTCHN_WORD_BITS)

/* ---- hvm_op: xen/include/public/hvm/hvm_op.h, hvm/params.h ---------------------------- */

#define HVMOP_set_param 0
#define HVMOP_get_param 1

#define HVM_PARAM_STORE_PFN      1
#define HVM_PARAM_STORE_EVTCHN   2
#define HVM_PARAM_CONSOLE_PFN   17
#define HVM_PARAM_CONSOLE_EVTCHN 18

/* HVM_PARAM_CALLBACK_IRQ (index 0): how event notifications reach the vCPUs. Bits 63:56 are
 * the type; type 2 (x86) = inject vector bits 7:0 directly whenever a vCPU's
 * evtchn_upcall_pending is set (no LAPIC, no EOI). Needs XENFEAT_hvm_callback_vector. */
#define HVM_PARAM_CALLBACK_IRQ           0
#define HVM_PARAM_CALLBACK_TYPE_VECTOR   2
#define HVM_PARAM_CALLBACK_TYPE_SHIFT   56  /* our name: the type is val[63:56] */

/* xen/include/public/features.h */
#define XENFEAT_hvm_callback_vector 8
#define XENFEAT_hvm_safe_pvclock    9

struct xen_hvm_param {
	domid_t domid;             /* IN */
	uint16_t pad;
	uint32_t index;            /* IN */
	uint64_t value;            /* IN/OUT */
};

/* ---- vcpu_op: xen/include/public/vcpu.h ----------------------------------------------- */

#define VCPUOP_initialise            0  /* arg: vcpu_guest_context (PV) / vcpu_hvm_context (HVM) */
#define VCPUOP_up                    1
#define VCPUOP_down                  2
#define VCPUOP_is_up                 3
#define VCPUOP_stop_periodic_timer   7  /* PV vCPUs start with a 10 ms periodic VIRQ_TIMER */
#define VCPUOP_set_singleshot_timer  8
#define VCPUOP_stop_singleshot_timer 9

/* vcpu_hvm_context (xen/include/public/hvm/hvm_vcpu.h): the initial state of an HVM/PVH vCPU
 * for VCPUOP_initialise. Same layout in both ABIs (128 bytes). In VCPU_HVM_MODE_64B the vCPU
 * starts directly in long mode: Xen loads flat 64-bit CS (attributes 0xa9b), flat data
 * DS/ES/SS (0xc93), a busy TSS, all selectors 0; CR0.PG, CR4.PAE and EFER.LME must be set. */
#define VCPU_HVM_MODE_32B 0
#define VCPU_HVM_MODE_64B 1

struct vcpu_hvm_x86_64 {
	uint64_t rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi;
	uint64_t rip, rflags;
	uint64_t cr0, cr3, cr4, efer;
};

struct vcpu_hvm_context {
	uint32_t mode;             /* VCPU_HVM_MODE_* */
	uint32_t pad;
	union {
		uint32_t x86_32[30];   /* struct vcpu_hvm_x86_32 (120 bytes), not used here */
		struct vcpu_hvm_x86_64 x86_64;
	} cpu_regs;
};

/* ---- PV64 vCPU state, callbacks and virtual IDT: xen/include/public/arch-x86/xen.h,
 * xen-x86_64.h, callback.h. 64-bit layouts only (the 32-bit ones differ throughout). ---- */

#ifdef __x86_64__
/* Xen's flat selectors for a 64-bit PV kernel (ring 3, xen-x86_64.h). */
#define FLAT_KERNEL_CS64 0xe033
#define FLAT_KERNEL_SS64 0xe02b

/* One virtual IDT entry (set_trap_table, vcpu_guest_context.trap_ctxt). flags bits 0-1 = the
 * lowest privilege that may raise it with `int n` (0: nobody); bit 2 (TI_IF) = deliver with
 * events masked, like an interrupt gate. set_trap_table stops at an entry with address 0. */
struct trap_info {
	uint8_t vector;
	uint8_t flags;
	uint16_t cs;
	unsigned long address;
};
#define TI_IF 4

/* callback_op(CALLBACKOP_register, &callback_register) (callback.h). */
#define CALLBACKOP_register 0
#define CALLBACKTYPE_event    0
#define CALLBACKTYPE_failsafe 1
#define CALLBACKTYPE_syscall  2
#define CALLBACKF_mask_events 1    /* ignored for the event callback: always masked */

struct callback_register {
	uint16_t type;
	uint16_t flags;
	unsigned long address;     /* xen_callback_t: a plain address on x86_64 */
};

/* HYPERVISOR_iret (xen-x86_64.h): the guest jumps to hypercall page entry 23 with
 * [flags, rip, cs, rflags, rsp, ss] on its stack; the stub pushes rcx, r11 and rax, so Xen
 * finds this structure at RSP. Without VGCF_in_syscall Xen restores all of it. */
struct iret_context {
	uint64_t rax, r11, rcx, flags, rip, cs, rflags, rsp, ss;
};

struct cpu_user_regs {
	uint64_t r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8, rax, rcx, rdx, rsi, rdi;
	uint32_t error_code;       /* Xen-private */
	uint32_t entry_vector;     /* Xen-private */
	uint64_t rip;
	uint16_t cs, _pad0[1];
	uint8_t saved_upcall_mask;
	uint8_t _pad1[3];
	uint64_t rflags;           /* rflags.IF == !saved_upcall_mask */
	uint64_t rsp;
	uint16_t ss, _pad2[3];
	uint16_t es, _pad3[3];
	uint16_t ds, _pad4[3];
	uint16_t fs, _pad5[3];
	uint16_t gs, _pad6[3];
};

#define VGCF_i387_valid               (1 << 0)
#define VGCF_in_kernel                (1 << 2)
#define VGCF_failsafe_disables_events (1 << 3)
#define VGCF_syscall_disables_events  (1 << 4)
#define VGCF_online                   (1 << 5)
#define VGCF_in_syscall               (1 << 8)

/* The initial state of a PV vCPU for VCPUOP_initialise. */
struct vcpu_guest_context {
	struct { char x[512]; } fpu_ctxt;   /* FXSAVE image; used only with VGCF_i387_valid */
	unsigned long flags;                /* VGCF_* */
	struct cpu_user_regs user_regs;
	struct trap_info trap_ctxt[256];    /* virtual IDT, indexed by vector */
	unsigned long ldt_base, ldt_ents;   /* LDT (linear address, entries) */
	unsigned long gdt_frames[16], gdt_ents; /* GDT (machine frames, entries) */
	unsigned long kernel_ss, kernel_sp; /* the stack bounces from user mode land on */
	unsigned long ctrlreg[8];           /* [3] = kernel page table (xen_pfn_to_cr3); [1] = user */
	unsigned long debugreg[8];
	unsigned long event_callback_eip;
	unsigned long failsafe_callback_eip;
	unsigned long syscall_callback_eip;
	unsigned long vm_assist;            /* VMASST_TYPE_* bitmap */
	uint64_t fs_base, gs_base_kernel, gs_base_user;
};

/* xen-x86_64.h: 64-bit CR3 values are plain frame << 12 (no PAE "extended cr3" rotation). */
#define xen_pfn_to_cr3(pfn) ((unsigned long)(pfn) << 12)
#endif /* __x86_64__ */

/* ---- start_info (PV): xen/include/public/xen.h ---------------------------------------- */

#define MAX_GUEST_CMDLINE 1024
#define SIF_PRIVILEGED (1 << 0)
#define SIF_INITDOMAIN (1 << 1)

struct start_info {
	char magic[32];            /* "xen-3.0-x86_64" / "xen-3.0-x86_32p" */
	unsigned long nr_pages;    /* total pages of the domain */
	unsigned long shared_info; /* MACHINE address of the shared_info page */
	uint32_t flags;            /* SIF_* */
	xen_pfn_t store_mfn;
	uint32_t store_evtchn;
	union {
		struct {
			xen_pfn_t mfn;         /* MACHINE frame of the console ring */
			uint32_t evtchn;
		} domU;
		struct {
			uint32_t info_off;
			uint32_t info_size;
		} dom0;
	} console;
	unsigned long pt_base;     /* VIRTUAL address of the top-level page table */
	unsigned long nr_pt_frames;
	unsigned long mfn_list;    /* VIRTUAL address of the p2m list (pfn -> mfn) */
	unsigned long mod_start;
	unsigned long mod_len;
	int8_t cmd_line[MAX_GUEST_CMDLINE];
	unsigned long first_p2m_pfn;
	unsigned long nr_p2m_frames;
};

/* The value a p2m slot gets once its frame has been given back (Linux uses the same). */
#define INVALID_P2M_ENTRY (~0UL)

/* ---- hvm_start_info (PVH): xen/include/public/arch-x86/hvm/start_info.h --------------- */

#define XEN_HVM_START_MAGIC_VALUE 0x336ec578

struct hvm_start_info {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	uint64_t memmap_paddr;     /* version >= 1 */
	uint32_t memmap_entries;   /* version >= 1 */
	uint32_t reserved;
};

/* ---- shared_info: xen/include/public/xen.h, arch-x86/xen.h, arch-x86/xen-x86_{32,64}.h -- */

#define XEN_LEGACY_MAX_VCPUS 32

struct vcpu_time_info {
	uint32_t version;
	uint32_t pad0;
	uint64_t tsc_timestamp;
	uint64_t system_time;
	uint32_t tsc_to_system_mul;
	int8_t tsc_shift;
	uint8_t flags;
	uint8_t pad1[2];
};

struct arch_vcpu_info {
	unsigned long cr2;
#ifdef __x86_64__
	unsigned long pad;         /* xen-x86_64.h */
#else
	unsigned long pad[5];      /* xen-x86_32.h */
#endif
};

struct vcpu_info {
	uint8_t evtchn_upcall_pending;
	uint8_t evtchn_upcall_mask;
	xen_ulong_t evtchn_pending_sel;
	struct arch_vcpu_info arch;
	struct vcpu_time_info time;
};

struct arch_shared_info {
	unsigned long max_pfn;
	xen_pfn_t pfn_to_mfn_frame_list_list;
	unsigned long nmi_reason;
	unsigned long p2m_cr3;
	unsigned long p2m_vaddr;
	unsigned long p2m_generation;
#ifndef __x86_64__
	uint32_t wc_sec_hi;        /* 32-bit only: high word of wc_sec lives here */
#endif
};

struct shared_info {
	struct vcpu_info vcpu_info[XEN_LEGACY_MAX_VCPUS];
	xen_ulong_t evtchn_pending[sizeof(xen_ulong_t) * 8];
	xen_ulong_t evtchn_mask[sizeof(xen_ulong_t) * 8];
	uint32_t wc_version;
	uint32_t wc_sec;
	uint32_t wc_nsec;
#ifdef __x86_64__
	uint32_t wc_sec_hi;
#endif
	struct arch_shared_info arch;
};

/* ---- PV console ring: xen/include/public/io/console.h --------------------------------- */

typedef uint32_t XENCONS_RING_IDX;
#define MASK_XENCONS_IDX(idx, ring) ((idx) & (sizeof(ring) - 1))

struct xencons_interface {
	char in[1024];
	char out[2048];
	XENCONS_RING_IDX in_cons, in_prod;
	XENCONS_RING_IDX out_cons, out_prod;
};

/* ---- CPUID leaves: xen/include/public/arch-x86/cpuid.h -------------------------------- */

#define XEN_CPUID_FIRST_LEAF    0x40000000
#define XEN_CPUID_SIGNATURE_EBX 0x566e6558 /* "XenV" */
#define XEN_CPUID_SIGNATURE_ECX 0x65584d4d /* "MMXe" */
#define XEN_CPUID_SIGNATURE_EDX 0x4d4d566e /* "nVMM" */

/* ---- HVM debug console port: xen/include/public/arch-x86/xen.h ------------------------ */

#define XEN_HVM_DEBUGCONS_IOPORT 0xe9

/* ---- error numbers: xen/include/public/errno.h ---------------------------------------- */

#define XEN_EPERM   1
#define XEN_ENOENT  2
#define XEN_ESRCH   3
#define XEN_EFAULT 14
#define XEN_EINVAL 22
#define XEN_ENOSYS 38

/* ---- layout checks against the sizes Xen's headers give (see the file comment) -------- */

#ifdef __x86_64__
#define XEN_LAYOUT(sz64, sz32) (sz64)
#else
#define XEN_LAYOUT(sz64, sz32) (sz32)
#endif

_Static_assert(sizeof(struct vcpu_info) == 64, "vcpu_info");
_Static_assert(sizeof(struct shared_info) == XEN_LAYOUT(3136, 2344), "shared_info");
_Static_assert(offsetof(struct shared_info, wc_version) == XEN_LAYOUT(3072, 2304), "wc_version");
_Static_assert(sizeof(struct start_info) == XEN_LAYOUT(1168, 1112), "start_info");
_Static_assert(offsetof(struct start_info, console.domU.evtchn) == XEN_LAYOUT(80, 56), "console");
_Static_assert(offsetof(struct start_info, mfn_list) == XEN_LAYOUT(104, 68), "mfn_list");
_Static_assert(sizeof(struct xen_memory_reservation) == XEN_LAYOUT(32, 20), "reservation");
_Static_assert(offsetof(struct xen_memory_reservation, domid) == XEN_LAYOUT(24, 16), "domid");
_Static_assert(sizeof(struct xen_add_to_physmap) == XEN_LAYOUT(24, 16), "add_to_physmap");
_Static_assert(sizeof(struct xen_memory_map) == XEN_LAYOUT(16, 8), "memory_map");
_Static_assert(sizeof(struct e820entry) == 20, "e820entry");
_Static_assert(sizeof(struct xen_hvm_param) == 16, "xen_hvm_param");
_Static_assert(sizeof(struct xen_feature_info) == 8, "xen_feature_info");
_Static_assert(sizeof(struct xencons_interface) == 3088, "xencons_interface");
_Static_assert(sizeof(struct hvm_start_info) == 56, "hvm_start_info");
_Static_assert(sizeof(struct evtchn_bind_virq) == 12, "evtchn_bind_virq");
_Static_assert(sizeof(struct evtchn_bind_ipi) == 8, "evtchn_bind_ipi");
_Static_assert(sizeof(struct vcpu_hvm_context) == 128, "vcpu_hvm_context");
_Static_assert(offsetof(struct vcpu_hvm_context, cpu_regs) == 8, "vcpu_hvm_context.cpu_regs");
_Static_assert(offsetof(struct vcpu_hvm_context, cpu_regs.x86_64.efer) == 8 + 104, "x86_64.efer");
#ifdef __x86_64__
_Static_assert(sizeof(struct trap_info) == 16, "trap_info");
_Static_assert(sizeof(struct callback_register) == 16, "callback_register");
_Static_assert(sizeof(struct iret_context) == 72, "iret_context");
_Static_assert(sizeof(struct cpu_user_regs) == 200, "cpu_user_regs");
_Static_assert(offsetof(struct cpu_user_regs, rip) == 128, "cpu_user_regs.rip");
_Static_assert(offsetof(struct cpu_user_regs, saved_upcall_mask) == 140, "saved_upcall_mask");
_Static_assert(offsetof(struct cpu_user_regs, ss) == 160, "cpu_user_regs.ss");
_Static_assert(sizeof(struct vcpu_guest_context) == 5168, "vcpu_guest_context");
_Static_assert(offsetof(struct vcpu_guest_context, user_regs) == 520, "user_regs");
_Static_assert(offsetof(struct vcpu_guest_context, trap_ctxt) == 720, "trap_ctxt");
_Static_assert(offsetof(struct vcpu_guest_context, kernel_ss) == 4968, "kernel_ss");
_Static_assert(offsetof(struct vcpu_guest_context, ctrlreg) == 4984, "ctrlreg");
_Static_assert(offsetof(struct vcpu_guest_context, event_callback_eip) == 5112, "event_cb");
_Static_assert(offsetof(struct vcpu_guest_context, syscall_callback_eip) == 5128, "syscall_cb");
_Static_assert(offsetof(struct vcpu_guest_context, gs_base_user) == 5160, "gs_base_user");
#endif

#endif
