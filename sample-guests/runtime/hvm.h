/*
 * HVM / PVH environment: paging modes chosen at build time (HVM_PAGING), GDT selectors,
 * hypercall-page discovery (hvm-discovery.c) and the exception report (hvm-trap.c).
 * Usable from assembly (constants only) and C.
 */
#ifndef SAMPLE_HVM_H
#define SAMPLE_HVM_H

/* HVM_PAGING values: what hvm-head.S sets up before calling kernel_main. */
#define HVM_PAGING_NONE 0   /* 32-bit protected mode, paging off */
#define HVM_PAGING_PSE  1   /* 32-bit, 2-level paging, 4 MiB pages (CR4.PSE) */
#define HVM_PAGING_PAE  2   /* 32-bit, PAE paging (3-level), 2 MiB pages */
#define HVM_PAGING_LONG 3   /* 64-bit long mode, 4-level paging, 2 MiB pages */

/* Our GDT (hvm-head.S). */
#define GDT_CS32 0x08
#define GDT_DS   0x10
#define GDT_CS64 0x18

#ifndef __ASSEMBLER__
#include <stdint.h>

/* Finds the Xen CPUID leaves (base 0x40000000 + n * 0x100 with "XenVMMXenVMM" and at least
 * leaves base..base+2); returns the base, or 0 when not running on Xen. */
uint32_t xen_cpuid_base(void);

/*
 * Discovery: finds the Xen leaves, writes the hypercall page's physical address to the MSR
 * named by leaf base+2 EBX, and checks that Xen filled the page. On failure prints the
 * reason on port 0xE9 and returns a negative value. Also fills the variables below.
 */
int hvm_setup_hypercall_page(void);
extern uint32_t xen_cpuid_leaf_base;   /* 0 until found */
extern uint32_t xen_hypercall_msr;
extern int hvm_hypercalls_ready;       /* 1 once the page holds Xen's stubs */

/* Register frame built by the exception stubs in hvm-head.S. */
#ifdef __x86_64__
struct exc_frame {
	unsigned long r15, r14, r13, r12, r11, r10, r9, r8;
	unsigned long rbp, rdi, rsi, rdx, rcx, rbx, rax;
	unsigned long vector, error_code;
	unsigned long rip, cs, rflags, rsp, ss;   /* pushed by the CPU */
};
#else
struct exc_frame {
	unsigned long edi, esi, ebp, esp_at_pusha, ebx, edx, ecx, eax; /* pusha */
	unsigned long vector, error_code;
	unsigned long eip, cs, eflags;            /* pushed by the CPU (same ring) */
};
#endif

/* Called by the stubs: reports the exception on 0xE9 (and console_io when possible), then
 * shuts the domain down with SHUTDOWN_crash, or halts when there are no hypercalls. */
void hvm_exception(struct exc_frame *f) __attribute__((noreturn));
#endif

#endif
