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
#define SCHEDOP_block     1
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

#define EVTCHNOP_send 4

struct evtchn_send {
	evtchn_port_t port;
};

/* ---- hvm_op: xen/include/public/hvm/hvm_op.h, hvm/params.h ---------------------------- */

#define HVMOP_set_param 0
#define HVMOP_get_param 1

#define HVM_PARAM_STORE_PFN      1
#define HVM_PARAM_STORE_EVTCHN   2
#define HVM_PARAM_CONSOLE_PFN   17
#define HVM_PARAM_CONSOLE_EVTCHN 18

struct xen_hvm_param {
	domid_t domid;             /* IN */
	uint16_t pad;
	uint32_t index;            /* IN */
	uint64_t value;            /* IN/OUT */
};

/* ---- vcpu_op: xen/include/public/vcpu.h ----------------------------------------------- */

#define VCPUOP_is_up                 3
#define VCPUOP_set_singleshot_timer  8
#define VCPUOP_stop_singleshot_timer 9

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

#endif
