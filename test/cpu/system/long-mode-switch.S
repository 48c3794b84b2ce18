// Protected mode → long mode: EFER.LME, CR4.PAE, CR0.PG, far jump to a 64-bit CS, then 64-bit
// semantics, compatibility mode round trips (lret / far call / ljmp) and long-mode #GP rules.
#include "rt.inc"

main32:
  PUTS "# long-mode-switch\n"
  CHECK pm32-cs, %cs, $KCODE32
  movl $0x80000000, %eax
  cpuid
  cmpl $0x80000001, %eax
  setae %bl
  movzbl %bl, %ebx
  CHECK cpuid-ext-leaf, %ebx, $1
  movl $0x80000001, %eax
  cpuid
  CHECKM cpuid-lm, %edx, $(1 << 29), $(1 << 29)

  call build_pt4
  movl $pml4, %eax
  movl %eax, %cr3
  movl $MSR_EFER, %ecx
  rdmsr
  orl $EFER_LME, %eax
  wrmsr
  rdmsr
  CHECKM efer-lme-set, %eax, $(EFER_LME|EFER_LMA), $EFER_LME

  // CR0.PG with EFER.LME=1 but CR4.PAE=0 is #GP(0) and leaves paging off.
  movl %cr0, %eax
  orl $CR0_PG, %eax
  TRY movl %eax, %cr0
  CHECK pg-without-pae-gp, last_vec, $13
  CHECK pg-without-pae-err, last_err, $0
  movl %cr0, %eax
  CHECKM pg-without-pae-pg-off, %eax, $CR0_PG, $0

  movl %cr4, %eax
  orl $CR4_PAE, %eax
  movl %eax, %cr4
  movl %cr0, %eax
  orl $CR0_PG, %eax
  movl %eax, %cr0
  // IA-32e mode is active now, still running 32-bit code (compatibility mode) until the far jump.
  movl $MSR_EFER, %ecx
  rdmsr
  CHECKM efer-lma, %eax, $EFER_LMA, $EFER_LMA
  CHECK compat-cs-before-jump, %cs, $KCODE32
  ljmp $KCODE64, $lm64

  .code64
lm64:
  movq $stack_top, %rsp
  call init64
  CHECKQ lm-cs, %cs, $KCODE64
  movabs $0x123456789abcdef0, %rax
  movq %rax, %rbx
  shrq $32, %rbx
  CHECKQ lm-64bit-reg, %rbx, $0x12345678
  movq $-1, %r15
  addq $2, %r15
  CHECKQ lm-r15, %r15, $1
  leaq lm64(%rip), %rax
  CHECKQ lm-rip-relative-lea, %rax, $lm64
  movq rip_rel_var(%rip), %rax
  CHECKQ lm-rip-relative-load, %rax, $0x1122334455667788
  movq %rsp, %rbx
  pushq $-1
  movq %rsp, %rcx
  popq %rax
  subq %rcx, %rbx
  CHECKQ lm-push-is-8-bytes, %rbx, $8
  CHECKQ lm-push-imm-sign-extends, %rax, $-1
  movq $-1, %rax
  movl $5, %eax
  CHECKQ lm-32bit-op-zero-extends, %rax, $5

  // Non-canonical addresses: #GP(0) for a DS reference, #SS(0) for an RBP-based (SS) reference.
  movabs $0x0000800000000000, %rbx
  TRY64 movq (%rbx), %rax
  CHECKQ noncanonical-gp, last_vec, $13
  CHECKQ noncanonical-gp-err, last_err, $0
  CHECKQ noncanonical-gp-rip, last_ip, try_ip
  movq %rbp, %r12
  movabs $0xffff7fffffff0000, %rbp
  TRY64 movq (%rbp), %rax
  movq %r12, %rbp
  CHECKQ noncanonical-ss, last_vec, $12
  CHECKQ noncanonical-ss-err, last_err, $0

  // Leaving PAE or LME while IA-32e mode is active is #GP(0).
#ifndef QEMU_QUIRKS   // QEMU 7.2 TCG lets the write through and then faults on every access
  movq %cr4, %rax
  andq $~CR4_PAE, %rax
  TRY64 movq %rax, %cr4
  CHECKQ clear-pae-in-long-mode-gp, last_vec, $13
#endif
  movl $MSR_EFER, %ecx
  rdmsr
  andl $~EFER_LME, %eax
  TRY64 wrmsr
  CHECKQ clear-lme-with-paging-gp, last_vec, $13

  // 64-bit → compatibility mode with lretq, back with a far jump.
  pushq $KCODE32
  pushq $compat32
  lretq
  .code32
compat32:
  movl %esp, %ebx
  pushl $0
  movl %esp, %ecx
  popl %eax
  subl %ecx, %ebx
  movl %ebx, compat_push_size
  movl %cs, %eax
  movl %eax, compat_cs
  TRY ud2                      // delivered through the 64-bit IDT, iretq back to compatibility mode
  movl last_vec, %eax
  movl %eax, compat_ud_vec
  movl last_cs, %eax
  movl %eax, compat_ud_cs
  ljmp $KCODE64, $back64
  .code64
back64:
  CHECKQ compat-push-is-4-bytes, compat_push_size, $4
  CHECKQ compat-cs, compat_cs, $KCODE32
  CHECKQ compat-ud-via-64bit-idt, compat_ud_vec, $6
  CHECKQ compat-ud-saved-cs, compat_ud_cs, $KCODE32

  // Far call (m16:32) from 64-bit code into compatibility mode, returning with lretl.
  movl $0, %eax
  lcalll *farptr_compat
  CHECKQ far-call-to-compat-and-back, %rax, $0xc0de
  movabs $0x100000000, %rbx
  addq %rbx, %rbx
  CHECKQ back-in-64-bit-after-lret, %rbx, $0x200000000

  // iretq to the same privilege level pops SS:RSP too.
  movq %rsp, %rbx
  pushq $KDATA
  pushq %rbx
  pushfq
  pushq $KCODE64
  pushq $after_iretq
  iretq
after_iretq:
  CHECKQ iretq-same-cpl-restores-rsp, %rsp, %rbx

  movabs $0xfeedfacecafebeef, %rax     // the test also reads RAX and the mode at the halt
  DONE64

  .code32
compat_fn:
  movl $0xc0de, %eax
  lretl

  .data
  .balign 8
rip_rel_var: .quad 0x1122334455667788
compat_push_size: .quad 0
compat_cs: .quad 0
compat_ud_vec: .quad 0
compat_ud_cs: .quad 0
farptr_compat:
  .long compat_fn
  .word KCODE32
