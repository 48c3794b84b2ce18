/* System and special instructions via inline asm, in functions that are never called: the
 * decoder corpus only needs their encodings. Both 64-bit and 32-bit variants are present. */
#include <stdint.h>

unsigned long cpuid_ebx(unsigned leaf) {
  unsigned a = leaf, b, c = 0, d;
  __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
  return b ^ d;
}
uint64_t tsc(void) { uint32_t lo, hi; __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi)); return ((uint64_t)hi << 32) | lo; }
uint32_t tscp(void) { uint32_t lo, hi, aux; __asm__ volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux)); return lo ^ aux; }
int cas(int *p, int old, int new_) { int prev = old; __asm__ volatile("lock cmpxchgl %2, %1" : "+a"(prev), "+m"(*p) : "r"(new_) : "memory"); return prev; }
int atomic_ops(int *p, long *q, short *s, char *c) {
  int r = __atomic_fetch_add(p, 3, __ATOMIC_SEQ_CST);
  __atomic_fetch_or(q, 0x40L, __ATOMIC_SEQ_CST);
  __atomic_fetch_and(s, (short)0x7f, __ATOMIC_SEQ_CST);
  r += __atomic_exchange_n(c, (char)9, __ATOMIC_SEQ_CST);
  r += __sync_bool_compare_and_swap(q, 5L, 6L);
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
  return r;
}
uint64_t cas64(uint64_t *p, uint64_t o, uint64_t n) { return __sync_val_compare_and_swap(p, o, n); }
unsigned long save_flags(void) { unsigned long f; __asm__ volatile("pushf; pop %0" : "=r"(f)); return f; }
void restore_flags(unsigned long f) { __asm__ volatile("push %0; popf" : : "r"(f) : "memory", "cc"); }
void never_called_irq(void) { __asm__ volatile("cli; sti; hlt; nop; pause; int3; int $0x80; into_or_not: ud2" ::: "memory"); }

struct __attribute__((packed)) dtr { uint16_t limit; unsigned long base; };
void never_called_tables(struct dtr *g, struct dtr *i, uint16_t tr, uint16_t ldt) {
  __asm__ volatile("lgdt %0; lidt %1; ltr %2; lldt %3" : : "m"(*g), "m"(*i), "r"(tr), "r"(ldt));
  __asm__ volatile("sgdt %0; sidt %1" : "=m"(*g), "=m"(*i));
  __asm__ volatile("str %%ax; sldt %%cx; smsw %%dx; lmsw %%dx; clts" ::: "ax", "cx", "dx");
  __asm__ volatile("lar %%ax, %%ecx; lsl %%ax, %%ecx; verr %%ax; verw (%0)" : : "r"(g) : "ax", "ecx", "cc");
}
void never_called_segs(uint16_t sel) {
  __asm__ volatile("mov %0, %%ds; mov %0, %%es; mov %0, %%fs; mov %0, %%gs; mov %0, %%ss" : : "r"(sel));
  __asm__ volatile("mov %%ds, %%ax; mov %%fs, %%cx; movw %%gs, (%%esp)" ::: "ax", "cx", "memory");
  __asm__ volatile("movl %%fs:0x28, %%eax; movl %%gs:(%%eax), %%ecx; movb %%es:1(%%ecx,%%eax,4), %%dl" ::: "eax", "ecx", "edx");
}
void never_called_crs(unsigned long v) {
  unsigned long t;
  __asm__ volatile("mov %%cr0, %0; mov %0, %%cr0; mov %%cr2, %0; mov %%cr3, %0; mov %0, %%cr3" : "=&r"(t) : "0"(v));
  __asm__ volatile("mov %%cr4, %0; mov %0, %%cr4" : "=&r"(t) : "0"(v));
  __asm__ volatile("mov %%db0, %0; mov %0, %%db1; mov %%db6, %0; mov %0, %%db7; mov %0, %%db3" : "=&r"(t) : "0"(v));
  __asm__ volatile("invlpg (%0); wbinvd; invd; clflush (%0); lfence; mfence; sfence" : : "r"(v) : "memory");
  __asm__ volatile("rdmsr; wrmsr; rdpmc" : : "c"(0xc0000080) : "eax", "edx");
}
void never_called_io(unsigned short port, void *buf, unsigned long n) {
  unsigned char b; unsigned short w; unsigned int l;
  __asm__ volatile("inb $0x60, %0; outb %0, $0x80; inb %%dx, %0; outb %0, %%dx" : "=a"(b) : "d"(port));
  __asm__ volatile("inw %%dx, %0; outw %0, %%dx; inw $0x10, %0" : "=a"(w) : "d"(port));
  __asm__ volatile("inl %%dx, %0; outl %0, %%dx; outl %0, $0xe9" : "=a"(l) : "d"(port));
  __asm__ volatile("rep insb; rep outsw; rep insl" : "+D"(buf), "+c"(n) : "d"(port), "S"(buf) : "memory");
}
void never_called_strings(void *d, const void *s, unsigned long n) {
  __asm__ volatile("rep movsb; rep movsl; rep stosb; rep stosl; rep stosw; movsw; lodsb; lodsl; stosw"
                   : "+D"(d), "+S"(s), "+c"(n) : "a"(0) : "memory");
  __asm__ volatile("repe cmpsb; repne scasb; repz cmpsl; scasw; xlat" : "+D"(d), "+S"(s), "+c"(n) : "a"(0) : "memory", "cc");
  __asm__ volatile("cld; std; cmc; clc; stc; lahf; sahf; cwtl; cltd; cbtw; cwtd" ::: "eax", "edx", "cc");
}
void never_called_misc(long *p) {
  __asm__ volatile("btl $3, %0; bts %%eax, %0; btrl $31, %0; btcl %%ecx, %0" : "+m"(*p) : "a"(5), "c"(7) : "cc");
  __asm__ volatile("bsf %%eax, %%ecx; bsr %%eax, %%edx; xchg %%ecx, %%edx; xadd %%eax, %0; cmpxchg8b %0" : "+m"(*p) : : "eax", "ecx", "edx", "ebx", "cc");
  __asm__ volatile("enter $16, $0; leave; enter $8, $2; leave" ::: "memory");
  __asm__ volatile("1: loop 1b; 2: loope 2b; 3: loopne 3b; jecxz 3b" ::: "ecx", "cc");
  __asm__ volatile("nopw 0(%%eax,%%eax,1); nopl 0x100(%%eax); .byte 0x66,0x66,0x2e,0x0f,0x1f,0x84,0,0,0,0,0" ::: "memory");
  __asm__ volatile("setc %%al; setnz %%cl; cmovl %%ecx, %%eax; cmovbe (%0), %%edx" : : "r"(p) : "eax", "ecx", "edx");
  __asm__ volatile("imul $1000, %%eax, %%ecx; imul $3, %%ecx; mul %%ecx; div %%ecx; idivl (%0); negl (%0); notw (%0)" : : "r"(p) : "eax", "ecx", "edx", "memory");
  __asm__ volatile("shld $4, %%eax, %%ecx; shrd %%cl, %%eax, %%edx; rcl $1, %%eax; rcr %%cl, %%edx; rolw $3, (%0); sarb (%0)" : : "r"(p) : "eax", "ecx", "edx", "memory");
  __asm__ volatile("movzbl (%0), %%eax; movsbw (%0), %%cx; movzwl %%cx, %%edx; movswl (%0), %%eax" : : "r"(p) : "eax", "ecx", "edx");
}
#ifdef __x86_64__
void never_called_64(uint64_t v, void *p) {
  __asm__ volatile("swapgs; sysretq; sysretl; iretq; syscall" ::: "memory");
  __asm__ volatile("mov %%cr8, %%rax; mov %%rax, %%cr8; movabs $0x123456789abcdef0, %%r11; movabs 0x1122334455667788, %%al" ::: "rax", "r11");
  __asm__ volatile("cmpxchg16b (%0); lock cmpxchg16b (%0)" : : "r"(p) : "rax", "rdx", "rbx", "rcx", "memory");
  __asm__ volatile("movslq %%eax, %%r9; cqto; cltq; lea 0x10(%%rip), %%r8; push %%fs; pop %%gs; pushq $-5; rex64 ret" ::: "rax", "rdx", "r8", "r9");
  __asm__ volatile("ljmp *(%0); lcall *(%0); .byte 0x48, 0xff, 0x28; lretq; lretq $8; iretl; sysexitq; sysenter; sysexitl" : : "r"(p));
  __asm__ volatile("movq %%r15, %%r14; addq $0x7fffffff, %%r13; xchg %%r8, %%rax; bswap %%r12; movq %%fs:(%%r9,%%r10,8), %%r11" : : : "r14", "r13", "r12", "r11", "r8", "rax");
  __asm__ volatile("addr32 mov (%%eax), %%ecx; mov %%gs:0x18, %%rax; incq (%%rax); decw 4(%%rax)" ::: "rax", "rcx", "memory");
  (void)v;
}
#else
void never_called_32(void *p) {
  __asm__ volatile("pusha; popa; pushf; popf; push %%es; pop %%es; push %%ss; push %%ds; pop %%ds; pop %%ss; push %%cs" ::: "memory");
  __asm__ volatile("aaa; aas; daa; das; aam; aad; aam $16; aad $7; into" ::: "eax", "cc");
  __asm__ volatile("bound %%eax, (%0); arpl %%cx, (%0); les (%0), %%eax; lds (%0), %%ecx; lss (%0), %%edx; lfs (%0), %%eax" : : "r"(p) : "eax", "ecx", "edx", "memory");
  __asm__ volatile("ljmp $0x10, $1f; 1: lcall $0x08, $2f; 2: ljmp *(%0); lcall *(%0); lret; lret $4; iret; iretw" : : "r"(p));
  __asm__ volatile("sysenter; sysexit; syscall; inc %%eax; dec %%ecx; pushl $0x12345678; pushw $0x12" ::: "eax", "ecx", "memory");
  __asm__ volatile("addr16 mov (%%bx,%%si), %%eax; addr16 lea 0x12(%%bp,%%di), %%ecx; movw $0x1234, (%0)" : : "r"(p) : "eax", "ecx", "memory");
}
#endif
