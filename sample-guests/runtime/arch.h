/*
 * x86 helpers: port I/O, CPUID, MSRs, barriers. Port I/O, MSRs and hlt are privileged:
 * only HVM/PVH guests (ring 0) may use them; a PV kernel (ring 3 / ring 1) must not.
 */
#ifndef SAMPLE_ARCH_H
#define SAMPLE_ARCH_H

#include <stdint.h>

/* Compiler barrier. x86 (TSO) never reorders a store with an earlier store or a load with
 * an earlier load, so for the shared rings only the compiler has to be kept in order:
 * this is what Xen's own x86 xen_wmb()/xen_rmb() amount to. */
#define barrier() __asm__ volatile("" : : : "memory")
#define wmb() barrier()
#define rmb() barrier()

#define READ_ONCE32(x) (*(const volatile uint32_t *)&(x))
#define WRITE_ONCE32(x, v) (*(volatile uint32_t *)&(x) = (v))

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void cpuid_count(uint32_t leaf, uint32_t subleaf, uint32_t *a, uint32_t *b,
			       uint32_t *c, uint32_t *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(subleaf));
}

static inline void wrmsr(uint32_t msr, uint64_t value)
{
	__asm__ volatile("wrmsr"
			 :
			 : "c"(msr), "a"((uint32_t)value), "d"((uint32_t)(value >> 32))
			 : "memory");
}

static inline unsigned long read_cr2(void)
{
	unsigned long v;
	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

/* Stop this CPU for good (interrupts off, so hlt never returns). */
static inline __attribute__((noreturn)) void halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

#endif
