/*
 * Native side of the differential CPU tests.
 *
 * Reads binary test cases on stdin, runs each one on this machine's CPU in user mode and writes one
 * binary result per case on stdout. Built by the tests with gcc, as a 64-bit and as a -m32 program.
 * The wire format is described in ../wire.ts; keep both in step.
 *
 * Memory layout (identical in the emulator):
 *   CODE_BASE  one page, r-x  (written through a second, writable alias of the same memfd)
 *   DATA_BASE  DATA_PAGES pages, rw-  (filled per case from a seed, then patched)
 *   RO_BASE    one page, r--  (fixed pattern)
 *   everything else is unmapped, so stray accesses fault the same way on both sides.
 *
 * The test bytes are entered through a small asm stub that loads every GPR and RFLAGS; a trailer
 * (an indirect jmp) after the bytes jumps back to a stub that saves them. Faults are caught with
 * SA_SIGINFO handlers on an alternate stack; the handler records the ucontext and resumes the
 * recovery stub, which restores the C stack, FS/GS and a clean RFLAGS (DF clear, as the ABI needs).
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/auxv.h>
#include <ucontext.h>
#include <unistd.h>

#define CODE_BASE 0x10000000UL
#define CODE_SIZE 0x1000UL
#define DATA_BASE 0x0000C000UL
#define DATA_PAGES 4
#define DATA_SIZE (DATA_PAGES * 0x1000UL)
#define RO_BASE (DATA_BASE + DATA_SIZE)
#define RO_SIZE 0x1000UL

#define CASE_MAGIC 0x45534143u   /* "CASE" */
#define RESULT_MAGIC 0x544c5352u /* "RSLT" */
#define HELLO_MAGIC 0x4f4c4548u  /* "HELO" */

#ifdef __x86_64__
#define NGPR 16
typedef uint64_t word;
#else
#define NGPR 8
typedef uint32_t word;
#endif

/* Register block the stubs load from / store to. Offsets are hard-coded in the asm below. */
struct regs {
  word gpr[NGPR];
  word flags;
};

struct regs g_in, g_out;
word g_entry;           /* address the entry stub jumps to */
word g_exit_ptr;        /* the trailer jumps through this */
word g_saved_sp;        /* C stack pointer while a test runs */
uint64_t g_in_fsbase, g_in_gsbase, g_saved_fsbase, g_saved_gsbase;
uint16_t g_saved_fs, g_saved_gs;
int g_have_fsgsbase;

void run_test(void);
void test_exit(void);
void test_recover(void);

#ifdef __x86_64__
__asm__(
    ".text\n"
    ".globl run_test\n"
    "run_test:\n"
    "  push %rbx\n  push %rbp\n  push %r12\n  push %r13\n  push %r14\n  push %r15\n"
    "  mov %rsp, g_saved_sp(%rip)\n"
    "  cmpl $0, g_have_fsgsbase(%rip)\n"
    "  je 1f\n"
    "  rdfsbase %rax\n  mov %rax, g_saved_fsbase(%rip)\n"
    "  rdgsbase %rax\n  mov %rax, g_saved_gsbase(%rip)\n"
    "  mov g_in_fsbase(%rip), %rax\n  wrfsbase %rax\n"
    "  mov g_in_gsbase(%rip), %rax\n  wrgsbase %rax\n"
    "  jmp 3f\n"
    /* No FSGSBASE (CR4.FSGSBASE off, e.g. in some VMs): arch_prctl straight from asm, no libc, since
     * glibc's TLS lives in FS. rax/rcx/r11 are clobbered, but every register is loaded below anyway. */
    "1:\n"
    "  mov $158, %eax\n  mov $0x1003, %edi\n  lea g_saved_fsbase(%rip), %rsi\n  syscall\n" /* ARCH_GET_FS */
    "  mov $158, %eax\n  mov $0x1004, %edi\n  lea g_saved_gsbase(%rip), %rsi\n  syscall\n" /* ARCH_GET_GS */
    "  mov $158, %eax\n  mov $0x1002, %edi\n  mov g_in_fsbase(%rip), %rsi\n  syscall\n"    /* ARCH_SET_FS */
    "  mov $158, %eax\n  mov $0x1001, %edi\n  mov g_in_gsbase(%rip), %rsi\n  syscall\n"    /* ARCH_SET_GS */
    "3:\n"
    "  lea g_in+128(%rip), %rsp\n"
    "  popfq\n"
    "  mov g_in+0(%rip), %rax\n  mov g_in+8(%rip), %rcx\n  mov g_in+16(%rip), %rdx\n"
    "  mov g_in+24(%rip), %rbx\n  mov g_in+40(%rip), %rbp\n  mov g_in+48(%rip), %rsi\n"
    "  mov g_in+56(%rip), %rdi\n  mov g_in+64(%rip), %r8\n  mov g_in+72(%rip), %r9\n"
    "  mov g_in+80(%rip), %r10\n  mov g_in+88(%rip), %r11\n  mov g_in+96(%rip), %r12\n"
    "  mov g_in+104(%rip), %r13\n  mov g_in+112(%rip), %r14\n  mov g_in+120(%rip), %r15\n"
    "  mov g_in+32(%rip), %rsp\n"
    "  jmp *g_entry(%rip)\n"
    ".globl test_exit\n"
    "test_exit:\n"
    "  mov %rax, g_out+0(%rip)\n  mov %rcx, g_out+8(%rip)\n  mov %rdx, g_out+16(%rip)\n"
    "  mov %rbx, g_out+24(%rip)\n  mov %rsp, g_out+32(%rip)\n  mov %rbp, g_out+40(%rip)\n"
    "  mov %rsi, g_out+48(%rip)\n  mov %rdi, g_out+56(%rip)\n  mov %r8, g_out+64(%rip)\n"
    "  mov %r9, g_out+72(%rip)\n  mov %r10, g_out+80(%rip)\n  mov %r11, g_out+88(%rip)\n"
    "  mov %r12, g_out+96(%rip)\n  mov %r13, g_out+104(%rip)\n  mov %r14, g_out+112(%rip)\n"
    "  mov %r15, g_out+120(%rip)\n"
    "  lea g_out+136(%rip), %rsp\n"
    "  pushfq\n"
    ".globl test_recover\n"
    "test_recover:\n"
    "  mov g_saved_sp(%rip), %rsp\n"
    "  push $0x202\n  popfq\n" /* DF, AC, TF clear before any C code runs */
    "  cmpl $0, g_have_fsgsbase(%rip)\n"
    "  je 2f\n"
    "  mov g_saved_fsbase(%rip), %rax\n  wrfsbase %rax\n"
    "  mov g_saved_gsbase(%rip), %rax\n  wrgsbase %rax\n"
    "  jmp 4f\n"
    "2:\n"
    "  mov $158, %eax\n  mov $0x1002, %edi\n  mov g_saved_fsbase(%rip), %rsi\n  syscall\n"
    "  mov $158, %eax\n  mov $0x1001, %edi\n  mov g_saved_gsbase(%rip), %rsi\n  syscall\n"
    "4:\n"
    "  pop %r15\n  pop %r14\n  pop %r13\n  pop %r12\n  pop %rbp\n  pop %rbx\n"
    "  ret\n");
#else
/* 32-bit: FS and GS are loaded with the flat data selector so segment overrides behave like the
 * emulator's flat segments (glibc keeps its TLS in GS; it is restored before C code runs). */
__asm__(
    ".text\n"
    ".globl run_test\n"
    "run_test:\n"
    "  push %ebx\n  push %ebp\n  push %esi\n  push %edi\n"
    "  mov %esp, g_saved_sp\n"
    "  mov %fs, %ax\n  mov %ax, g_saved_fs\n"
    "  mov %gs, %ax\n  mov %ax, g_saved_gs\n"
    "  mov %ds, %ax\n  mov %ax, %fs\n  mov %ax, %gs\n"
    "  lea g_in+32, %esp\n"
    "  popfl\n"
    "  mov g_in+0, %eax\n  mov g_in+4, %ecx\n  mov g_in+8, %edx\n  mov g_in+12, %ebx\n"
    "  mov g_in+20, %ebp\n  mov g_in+24, %esi\n  mov g_in+28, %edi\n"
    "  mov g_in+16, %esp\n"
    "  jmp *g_entry\n"
    ".globl test_exit\n"
    "test_exit:\n"
    "  mov %eax, g_out+0\n  mov %ecx, g_out+4\n  mov %edx, g_out+8\n  mov %ebx, g_out+12\n"
    "  mov %esp, g_out+16\n  mov %ebp, g_out+20\n  mov %esi, g_out+24\n  mov %edi, g_out+28\n"
    "  lea g_out+36, %esp\n"
    "  pushfl\n"
    ".globl test_recover\n"
    "test_recover:\n"
    "  mov %ds, %ax\n  mov %ax, %es\n" /* a test may not touch ES, but be safe */
    "  mov g_saved_sp, %esp\n"
    "  push $0x202\n  popfl\n"
    "  mov g_saved_fs, %ax\n  mov %ax, %fs\n"
    "  mov g_saved_gs, %ax\n  mov %ax, %gs\n"
    "  pop %edi\n  pop %esi\n  pop %ebp\n  pop %ebx\n"
    "  ret\n");
#endif

/* Outcome of the last case, filled by the exit stub (ok) or the signal handler (fault). */
enum { OUT_OK = 0, OUT_SIGNAL = 1, OUT_TIMEOUT = 2 };
static volatile int g_in_test;
static volatile uint32_t g_case_serial, g_tick_serial;
static int g_outcome;
static uint32_t g_signo, g_trapno, g_err;
static uint64_t g_addr, g_fault_rip;

static uint8_t *g_code_rw;                 /* writable alias of the code page */
static uint8_t g_data_before[DATA_SIZE];   /* data pages as loaded, to find what changed */

/* Copy the interrupted context into g_out and resume at test_recover. Runs on the alt stack and
 * must not touch TLS (FS/GS may hold test values), hence no libc and -fno-stack-protector. */
static void on_signal(int sig, siginfo_t *si, void *ctxp) {
  ucontext_t *uc = (ucontext_t *)ctxp;
  greg_t *g = uc->uc_mcontext.gregs;
  if (!g_in_test) {
    if (sig == SIGVTALRM) return;
    static const char msg[] = "harness: fault outside a test\n";
    (void)!write(2, msg, sizeof msg - 1);
    _exit(3);
  }
  if (sig == SIGVTALRM) {
    /* A case that survives two ticks of its own CPU time is stuck (e.g. an endless loop): abort it.
     * ITIMER_VIRTUAL counts user time only, so a loaded machine does not cause false timeouts. */
    if (g_tick_serial != g_case_serial) { g_tick_serial = g_case_serial; return; }
    g_outcome = OUT_TIMEOUT;
  } else {
    g_outcome = OUT_SIGNAL;
  }
  g_signo = (uint32_t)sig;
  g_trapno = (uint32_t)g[REG_TRAPNO];
  g_err = (uint32_t)g[REG_ERR];
  g_addr = (uint64_t)(uintptr_t)si->si_addr;
#ifdef __x86_64__
  static const int map[16] = {REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
                              REG_R8,  REG_R9,  REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15};
  for (int i = 0; i < 16; i++) g_out.gpr[i] = (word)g[map[i]];
  g_fault_rip = (uint64_t)g[REG_RIP];
  g_out.flags = (word)g[REG_EFL];
  g[REG_RIP] = (greg_t)(uintptr_t)test_recover;
  g[REG_RSP] = (greg_t)g_saved_sp;
#else
  static const int map[8] = {REG_EAX, REG_ECX, REG_EDX, REG_EBX, REG_UESP, REG_EBP, REG_ESI, REG_EDI};
  for (int i = 0; i < 8; i++) g_out.gpr[i] = (word)g[map[i]];
  g_fault_rip = (uint32_t)g[REG_EIP];
  g_out.flags = (word)g[REG_EFL];
  g[REG_EIP] = (greg_t)(uintptr_t)test_recover;
  g[REG_UESP] = (greg_t)g_saved_sp;
#endif
  g[REG_EFL] = 0x202;
}

/* xorshift32; the TypeScript side (memory-image.ts) fills the same pattern. */
static void fill_data(uint32_t seed) {
  uint32_t x = seed ? seed : 0x9e3779b9u;
  uint8_t *p = (uint8_t *)DATA_BASE;
  for (size_t i = 0; i < DATA_SIZE; i += 4) {
    x ^= x << 13; x ^= x >> 17; x ^= x << 5;
    memcpy(p + i, &x, 4);
  }
}

static int read_full(void *buf, size_t n) {
  uint8_t *p = buf;
  while (n) {
    ssize_t r = read(0, p, n);
    if (r <= 0) return 0;
    p += r; n -= (size_t)r;
  }
  return 1;
}

static uint8_t g_outbuf[1 << 16];
static size_t g_outlen;
static void flush_out(void) {
  size_t off = 0;
  while (off < g_outlen) {
    ssize_t w = write(1, g_outbuf + off, g_outlen - off);
    if (w <= 0) _exit(4);
    off += (size_t)w;
  }
  g_outlen = 0;
}
static void put(const void *p, size_t n) {
  if (g_outlen + n > sizeof g_outbuf) flush_out();
  memcpy(g_outbuf + g_outlen, p, n);
  g_outlen += n;
}
static void put32(uint32_t v) { put(&v, 4); }
static void put64(uint64_t v) { put(&v, 8); }
static void put16(uint16_t v) { put(&v, 2); }

/* The trailer after the test bytes: an indirect jmp to test_exit. 64-bit: FF 25 disp32 with the
 * 8-byte pointer 8-aligned after it (so a test that leaves EFLAGS.AC set cannot fault on it);
 * 32-bit: FF 25 abs32 through g_exit_ptr. ../trailer.ts builds the same bytes. */
static size_t trailer(uint8_t *t, uint64_t at) {
#ifdef __x86_64__
  uint64_t a = (uint64_t)(uintptr_t)test_exit;
  uint32_t pad = (uint32_t)((8 - ((at + 6) & 7)) & 7);
  t[0] = 0xff; t[1] = 0x25;
  memcpy(t + 2, &pad, 4);
  memset(t + 6, 0xcc, pad);
  memcpy(t + 6 + pad, &a, 8);
  return 14 + pad;
#else
  (void)at;
  uint32_t a = (uint32_t)(uintptr_t)&g_exit_ptr;
  t[0] = 0xff; t[1] = 0x25;
  memcpy(t + 2, &a, 4);
  return 6;
#endif
}

static void *map_fixed(unsigned long addr, size_t len, int prot, int flags, int fd) {
  void *p = mmap((void *)addr, len, prot, flags | MAP_FIXED_NOREPLACE, fd, 0);
  if (p != (void *)addr) {
    fprintf(stderr, "harness: cannot map %#lx\n", addr);
    exit(2);
  }
  return p;
}

int main(void) {
  g_have_fsgsbase = (getauxval(AT_HWCAP2) & 2) != 0;
  g_exit_ptr = (word)(uintptr_t)test_exit;

  int fd = memfd_create("difftest-code", 0);
  if (fd < 0 || ftruncate(fd, CODE_SIZE) != 0) { perror("memfd"); return 2; }
  map_fixed(CODE_BASE, CODE_SIZE, PROT_READ | PROT_EXEC, MAP_SHARED, fd);
  g_code_rw = mmap(NULL, CODE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (g_code_rw == MAP_FAILED) { perror("mmap"); return 2; }
  map_fixed(DATA_BASE, DATA_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
  uint8_t *ro = map_fixed(RO_BASE, RO_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
  for (size_t i = 0; i < RO_SIZE; i++) ro[i] = (uint8_t)(i * 7 + 3);
  mprotect(ro, RO_SIZE, PROT_READ);

  static uint8_t altstack[65536];
  stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
  sigaltstack(&ss, NULL);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_signal;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  int sigs[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGVTALRM};
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) sigaction(sigs[i], &sa, NULL);
  struct itimerval it = {{0, 200000}, {0, 200000}};
  setitimer(ITIMER_VIRTUAL, &it, NULL);

  /* Hello: tells the TypeScript side the bitness, the features and where the trailer jumps. */
  put32(HELLO_MAGIC);
  put32(sizeof(word) * 8);
  put32((uint32_t)g_have_fsgsbase);
  put32(0);
#ifdef __x86_64__
  put64((uint64_t)(uintptr_t)test_exit);
#else
  put64((uint64_t)(uintptr_t)&g_exit_ptr);
#endif
  flush_out();

  for (;;) {
    uint32_t hdr[4];
    if (!read_full(hdr, sizeof hdr)) break;
    if (hdr[0] != CASE_MAGIC) { fprintf(stderr, "harness: bad case magic\n"); return 2; }
    uint32_t id = hdr[1];
    uint16_t code_off = (uint16_t)(hdr[2] & 0xffff), code_len = (uint16_t)(hdr[2] >> 16);
    uint32_t mem_seed = hdr[3];
    uint64_t gpr[16], rflags, fsbase, gsbase;
    uint32_t npatch;
    if (!read_full(gpr, sizeof gpr) || !read_full(&rflags, 8) || !read_full(&fsbase, 8) ||
        !read_full(&gsbase, 8) || !read_full(&npatch, 4))
      return 2;
    if ((uint32_t)code_off + code_len > CODE_SIZE) { fprintf(stderr, "harness: code too long\n"); return 2; }

    memset(g_code_rw, 0xcc, CODE_SIZE);
    if (!read_full(g_code_rw + code_off, code_len)) return 2;
    uint8_t tr[32];
    size_t trlen = trailer(tr, CODE_BASE + code_off + code_len);
    size_t room = CODE_SIZE - code_off - code_len;
    memcpy(g_code_rw + code_off + code_len, tr, trlen < room ? trlen : room);

    fill_data(mem_seed);
    for (uint32_t i = 0; i < npatch; i++) {
      uint16_t pl[2];
      if (!read_full(pl, 4)) return 2;
      if ((size_t)pl[0] + pl[1] > DATA_SIZE) { fprintf(stderr, "harness: bad patch\n"); return 2; }
      if (!read_full((uint8_t *)DATA_BASE + pl[0], pl[1])) return 2;
    }
    memcpy(g_data_before, (void *)DATA_BASE, DATA_SIZE);

    for (int i = 0; i < NGPR; i++) g_in.gpr[i] = (word)gpr[i];
    g_in.flags = (word)rflags;
    g_in_fsbase = fsbase;
    g_in_gsbase = gsbase;
    g_entry = (word)(CODE_BASE + code_off);
    g_outcome = OUT_OK;
    g_signo = g_trapno = g_err = 0;
    g_addr = 0;
    g_fault_rip = CODE_BASE + code_off + code_len;

    g_case_serial++;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    g_in_test = 1;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    run_test();
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    g_in_test = 0;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);

    put32(RESULT_MAGIC);
    put32(id);
    put32((uint32_t)g_outcome);
    put32(g_signo);
    put32(g_trapno);
    put32(g_err);
    put64(g_addr);
    for (int i = 0; i < 16; i++) put64(i < NGPR ? (uint64_t)g_out.gpr[i] : 0);
    put64(g_fault_rip);
    put64((uint64_t)g_out.flags);
    /* Changed data bytes as (offset, length, bytes) runs. */
    const uint8_t *now = (const uint8_t *)DATA_BASE;
    uint32_t nruns = 0;
    for (size_t i = 0; i < DATA_SIZE;) {
      if (now[i] == g_data_before[i]) { i++; continue; }
      size_t j = i;
      while (j < DATA_SIZE && now[j] != g_data_before[j]) j++;
      nruns++;
      i = j;
    }
    put32(nruns);
    for (size_t i = 0; i < DATA_SIZE;) {
      if (now[i] == g_data_before[i]) { i++; continue; }
      size_t j = i;
      while (j < DATA_SIZE && now[j] != g_data_before[j]) j++;
      put16((uint16_t)i);
      put16((uint16_t)(j - i));
      put(now + i, j - i);
      i = j;
    }
  }
  flush_out();
  return 0;
}
