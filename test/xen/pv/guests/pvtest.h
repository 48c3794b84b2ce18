/*
 * Shared definitions for the PV test guests: Xen ELF notes (public/elfnote.h numbers), flat selectors
 * (public/arch-x86/xen-x86_{64,32}.h) and hypercall numbers (public/xen.h). 64-bit guests are linked at
 * VIRT_BASE 0xffffffff80000000, 32-bit ones at 0xC0000000, with p_paddr = offset (PADDR_OFFSET 0).
 */
#ifndef PVTEST_H
#define PVTEST_H

#ifdef __x86_64__
#define VIRT_BASE 0xffffffff80000000
#define PTR .quad
#else
#define VIRT_BASE 0xC0000000
#define PTR .long
#endif

#define NOTE(type, desc)                                        \
	.pushsection .note.Xen, "a", @note;                     \
	.balign 4;                                              \
	.long 2f - 1f;                                          \
	.long 4f - 3f;                                          \
	.long type;                                             \
1:	.asciz "Xen";                                           \
2:	.balign 4;                                              \
3:	desc;                                                   \
4:	.balign 4;                                              \
	.popsection

#define XEN_NOTES                                               \
	NOTE(6, .asciz "pvtest");               /* GUEST_OS */     \
	NOTE(5, .asciz "xen-3.0");              /* XEN_VERSION */  \
	NOTE(8, .asciz "generic");              /* LOADER */       \
	NOTE(3, PTR VIRT_BASE);                 /* VIRT_BASE */    \
	NOTE(4, PTR 0);                         /* PADDR_OFFSET */ \
	NOTE(1, PTR _start);                    /* ENTRY */        \
	NOTE(2, PTR hypercall_page);            /* HYPERCALL_PAGE */

#define PAE_NOTE NOTE(9, .asciz "yes")

/* Hypercall numbers. */
#define HC_set_trap_table     0
#define HC_mmu_update         1
#define HC_stack_switch       3
#define HC_set_callbacks      4
#define HC_update_va_mapping 14
#define HC_xen_version       17
#define HC_iret              23
#define HC_set_segment_base  25
#define HC_mmuext_op         26
#define HC_sched_op          29
#define HC_callback_op       30
#define HC_event_channel_op  32

#define HYPERCALL(n) (hypercall_page + (n) * 32)

#define FLAT_KERNEL_CS64 0xe033
#define FLAT_KERNEL_SS64 0xe02b
#define FLAT_RING1_CS    0xe019
#define FLAT_RING1_DS    0xe021
#define FLAT_RING3_CS32  0xe02b
#define FLAT_RING3_DS32  0xe033

#endif
