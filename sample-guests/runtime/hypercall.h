/*
 * Hypercall wrappers. Every hypercall is a `call` into the hypercall page: entry N lives at
 * hypercall_page + N * 32 and holds the stub Xen wrote for this guest type (PV64: syscall,
 * PV32: int $0x82, HVM: vmcall/vmmcall). See xen/include/public/arch-x86/xen-x86_64.h and
 * xen-x86_32.h for the register conventions used below:
 *
 *   64-bit (PV64, HVM in long mode): number in rax (set by the stub), arguments in
 *     rdi, rsi, rdx, r10, r8; result in rax; the argument registers are clobbered.
 *   32-bit (PV32 ring 1, HVM in 32-bit mode): arguments in ebx, ecx, edx, esi, edi;
 *     result in eax; the argument registers are clobbered.
 *
 * The used argument registers are in/out operands ("Clobbered: argument registers" in those
 * headers); eax/rax holds the result. The unused argument registers are declared clobbered
 * too: Xen leaves them alone, but this keeps the guest correct under a hypervisor (or an
 * emulator) that scratches all five. "memory" because Xen reads and writes guest memory
 * through the pointer arguments. The macros are meant to be used through the typed
 * wrappers at the end, whose arguments are plain variables (an argument expression
 * containing a function call could clobber an already loaded register).
 */
#ifndef SAMPLE_HYPERCALL_H
#define SAMPLE_HYPERCALL_H

#include "xen.h"

/* The 4 KiB page the domain builder (PV) or the hypercall MSR write (HVM) fills with stubs;
 * defined in hypercall-page.S, initially 0xC3 (ret) bytes. */
extern unsigned char hypercall_page[4096];

/* The call itself; operand [off] is the stub's offset, nr * 32 (printed with %c). */
#define HYPERCALL_CALL "call hypercall_page + %c[off]"
#define HYPERCALL_OFF(nr) [off] "i"((nr) * 32)

#ifdef __x86_64__

#define _hypercall0(type, nr)                                                           \
	({                                                                              \
		long __res;                                                             \
		__asm__ volatile(HYPERCALL_CALL                                         \
				 : "=a"(__res)                                          \
				 : HYPERCALL_OFF(nr)                                    \
				 : "memory", "rdi", "rsi", "rdx", "r10", "r8");         \
		(type)__res;                                                            \
	})

#define _hypercall1(type, nr, a1)                                                       \
	({                                                                              \
		long __res;                                                             \
		register unsigned long __a1 __asm__("rdi") = (unsigned long)(a1);       \
		__asm__ volatile(HYPERCALL_CALL                                         \
				 : "=a"(__res), "+r"(__a1)                              \
				 : HYPERCALL_OFF(nr)                                    \
				 : "memory", "rsi", "rdx", "r10", "r8");                \
		(type)__res;                                                            \
	})

#define _hypercall2(type, nr, a1, a2)                                                   \
	({                                                                              \
		long __res;                                                             \
		register unsigned long __a1 __asm__("rdi") = (unsigned long)(a1);       \
		register unsigned long __a2 __asm__("rsi") = (unsigned long)(a2);       \
		__asm__ volatile(HYPERCALL_CALL                                         \
				 : "=a"(__res), "+r"(__a1), "+r"(__a2)                  \
				 : HYPERCALL_OFF(nr)                                    \
				 : "memory", "rdx", "r10", "r8");                       \
		(type)__res;                                                            \
	})

#define _hypercall3(type, nr, a1, a2, a3)                                               \
	({                                                                              \
		long __res;                                                             \
		register unsigned long __a1 __asm__("rdi") = (unsigned long)(a1);       \
		register unsigned long __a2 __asm__("rsi") = (unsigned long)(a2);       \
		register unsigned long __a3 __asm__("rdx") = (unsigned long)(a3);       \
		__asm__ volatile(HYPERCALL_CALL                                         \
				 : "=a"(__res), "+r"(__a1), "+r"(__a2), "+r"(__a3)      \
				 : HYPERCALL_OFF(nr)                                    \
				 : "memory", "r10", "r8");                              \
		(type)__res;                                                            \
	})

#define _hypercall4(type, nr, a1, a2, a3, a4)                                           \
	({                                                                              \
		long __res;                                                             \
		register unsigned long __a1 __asm__("rdi") = (unsigned long)(a1);       \
		register unsigned long __a2 __asm__("rsi") = (unsigned long)(a2);       \
		register unsigned long __a3 __asm__("rdx") = (unsigned long)(a3);       \
		register unsigned long __a4 __asm__("r10") = (unsigned long)(a4);       \
		__asm__ volatile(HYPERCALL_CALL                                         \
				 : "=a"(__res), "+r"(__a1), "+r"(__a2), "+r"(__a3), "+r"(__a4) \
				 : HYPERCALL_OFF(nr)                                    \
				 : "memory", "r8");                                     \
		(type)__res;                                                            \
	})

#define _hypercall5(type, nr, a1, a2, a3, a4, a5)                                       \
	({                                                                              \
		long __res;                                                             \
		register unsigned long __a1 __asm__("rdi") = (unsigned long)(a1);       \
		register unsigned long __a2 __asm__("rsi") = (unsigned long)(a2);       \
		register unsigned long __a3 __asm__("rdx") = (unsigned long)(a3);       \
		register unsigned long __a4 __asm__("r10") = (unsigned long)(a4);       \
		register unsigned long __a5 __asm__("r8") = (unsigned long)(a5);        \
		__asm__ volatile(HYPERCALL_CALL                                         \
				 : "=a"(__res), "+r"(__a1), "+r"(__a2), "+r"(__a3), "+r"(__a4), "+r"(__a5) \
				 : HYPERCALL_OFF(nr)                                    \
				 : "memory");                                           \
		(type)__res;                                                            \
	})

#else /* 32-bit: ebx, ecx, edx, esi, edi */

#define _hypercall0(type, nr)                                                           \
	({                                                                              \
		long __res;                                                             \
		__asm__ volatile(HYPERCALL_CALL                                         \
				 : "=a"(__res)                                          \
				 : HYPERCALL_OFF(nr)                                    \
				 : "memory", "ebx", "ecx", "edx", "esi", "edi");        \
		(type)__res;                                                            \
	})

#define _hypercall1(type, nr, a1)                                                       \
	({                                                                              \
		long __res;                                                             \
		unsigned long __a1 = (unsigned long)(a1);                               \
		__asm__ volatile(HYPERCALL_CALL                                         \
				 : "=a"(__res), "+b"(__a1)                              \
				 : HYPERCALL_OFF(nr)                                    \
				 : "memory", "ecx", "edx", "esi", "edi");               \
		(type)__res;                                                            \
	})

#define _hypercall2(type, nr, a1, a2)                                                   \
	({                                                                              \
		long __res;                                                             \
		unsigned long __a1 = (unsigned long)(a1);                               \
		unsigned long __a2 = (unsigned long)(a2);                               \
		__asm__ volatile(HYPERCALL_CALL                                         \
				 : "=a"(__res), "+b"(__a1), "+c"(__a2)                  \
				 : HYPERCALL_OFF(nr)                                    \
				 : "memory", "edx", "esi", "edi");                      \
		(type)__res;                                                            \
	})

#define _hypercall3(type, nr, a1, a2, a3)                                               \
	({                                                                              \
		long __res;                                                             \
		unsigned long __a1 = (unsigned long)(a1);                               \
		unsigned long __a2 = (unsigned long)(a2);                               \
		unsigned long __a3 = (unsigned long)(a3);                               \
		__asm__ volatile(HYPERCALL_CALL                                         \
				 : "=a"(__res), "+b"(__a1), "+c"(__a2), "+d"(__a3)      \
				 : HYPERCALL_OFF(nr)                                    \
				 : "memory", "esi", "edi");                             \
		(type)__res;                                                            \
	})

#define _hypercall4(type, nr, a1, a2, a3, a4)                                           \
	({                                                                              \
		long __res;                                                             \
		unsigned long __a1 = (unsigned long)(a1);                               \
		unsigned long __a2 = (unsigned long)(a2);                               \
		unsigned long __a3 = (unsigned long)(a3);                               \
		unsigned long __a4 = (unsigned long)(a4);                               \
		__asm__ volatile(HYPERCALL_CALL                                         \
				 : "=a"(__res), "+b"(__a1), "+c"(__a2), "+d"(__a3), "+S"(__a4) \
				 : HYPERCALL_OFF(nr)                                    \
				 : "memory", "edi");                                    \
		(type)__res;                                                            \
	})

#define _hypercall5(type, nr, a1, a2, a3, a4, a5)                                       \
	({                                                                              \
		long __res;                                                             \
		unsigned long __a1 = (unsigned long)(a1);                               \
		unsigned long __a2 = (unsigned long)(a2);                               \
		unsigned long __a3 = (unsigned long)(a3);                               \
		unsigned long __a4 = (unsigned long)(a4);                               \
		unsigned long __a5 = (unsigned long)(a5);                               \
		__asm__ volatile(HYPERCALL_CALL                                         \
				 : "=a"(__res), "+b"(__a1), "+c"(__a2), "+d"(__a3), "+S"(__a4), "+D"(__a5) \
				 : HYPERCALL_OFF(nr)                                    \
				 : "memory");                                           \
		(type)__res;                                                            \
	})

#endif

/* ---- typed wrappers (same C signature on both ABIs) ----------------------------------- */

static inline long HYPERVISOR_xen_version(int cmd, void *arg)
{
	return _hypercall2(long, __HYPERVISOR_xen_version, cmd, arg);
}

static inline int HYPERVISOR_console_io(int cmd, int count, const char *buf)
{
	return _hypercall3(int, __HYPERVISOR_console_io, cmd, count, buf);
}

static inline int HYPERVISOR_sched_op(int cmd, void *arg)
{
	return _hypercall2(int, __HYPERVISOR_sched_op, cmd, arg);
}

/* For the reservation sub-ops the result is the number of extents done, not an errno. */
static inline long HYPERVISOR_memory_op(unsigned int cmd, void *arg)
{
	return _hypercall2(long, __HYPERVISOR_memory_op, cmd, arg);
}

static inline int HYPERVISOR_event_channel_op(int cmd, void *arg)
{
	return _hypercall2(int, __HYPERVISOR_event_channel_op, cmd, arg);
}

static inline long HYPERVISOR_hvm_op(int op, void *arg)
{
	return _hypercall2(long, __HYPERVISOR_hvm_op, op, arg);
}

static inline int HYPERVISOR_vcpu_op(int cmd, unsigned int vcpuid, void *extra)
{
	return _hypercall3(int, __HYPERVISOR_vcpu_op, cmd, vcpuid, extra);
}

/* PV only. The new PTE is 64 bits wide in both ABIs; 32-bit guests pass it as (lo, hi). */
static inline int HYPERVISOR_update_va_mapping(unsigned long va, uint64_t new_pte,
					       unsigned long flags)
{
#ifdef __x86_64__
	return _hypercall3(int, __HYPERVISOR_update_va_mapping, va, new_pte, flags);
#else
	return _hypercall4(int, __HYPERVISOR_update_va_mapping, va,
			   (uint32_t)new_pte, (uint32_t)(new_pte >> 32), flags);
#endif
}

/* Absolute system time in ns (0 cancels); 32-bit guests pass it as (lo, hi). */
static inline long HYPERVISOR_set_timer_op(uint64_t timeout)
{
#ifdef __x86_64__
	return _hypercall1(long, __HYPERVISOR_set_timer_op, timeout);
#else
	return _hypercall2(long, __HYPERVISOR_set_timer_op, (uint32_t)timeout,
			   (uint32_t)(timeout >> 32));
#endif
}

/* ---- PV64 only: virtual IDT, callbacks, iret ------------------------------------------- */

#ifdef __x86_64__
/* HYPERVISOR_iret has no wrapper: it is entered with `jmp hypercall_page + 23 * 32` and never
 * returns (runtime/pv64-events.S, xen.h struct iret_context). */

/* traps: array terminated by an entry with address 0; NULL clears the virtual IDT. */
static inline int HYPERVISOR_set_trap_table(const struct trap_info *traps)
{
	return _hypercall1(int, __HYPERVISOR_set_trap_table, traps);
}

static inline int HYPERVISOR_callback_op(int cmd, const void *arg)
{
	return _hypercall2(int, __HYPERVISOR_callback_op, cmd, arg);
}
#endif

#endif
