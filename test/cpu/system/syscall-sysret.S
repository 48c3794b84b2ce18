// SYSCALL/SYSRET (64-bit and to compatibility mode), EFER.SCE, STAR/LSTAR/SFMASK, and the FS/GS bases:
// FS_BASE/GS_BASE/KERNEL_GS_BASE MSRs, swapgs, a selector load resetting the base, swapgs/sysret at CPL 3.
#include "rt.inc"

#define SFMASK_BITS (FL_IF|FL_TF|FL_DF|FL_AC)

.macro WRMSR64 msr, value
  movl $\msr, %ecx
  movq \value, %rax
  movq %rax, %rdx
  shrq $32, %rdx
  wrmsr
.endm

.macro RDMSR64 msr
  movl $\msr, %ecx
  rdmsr
  shlq $32, %rdx
  movl %eax, %eax
  orq %rdx, %rax
.endm

main32:
  PUTS "# syscall-sysret\n"
  GO_LONG main64

  .code64
main64:
  WRMSR64 MSR_FS_BASE, $fs_area
  movq %fs:8, %rax
  CHECKQ fs-base-read, %rax, $0xf5f5f5f5f5f5f5f5
  movq $pdpt4+(PTE_P|PTE_RW|PTE_US), %rax   // high-half alias so the kernel GS base is a 64-bit address
  movq %rax, pml4+256*8
  movq %cr3, %rax
  movq %rax, %cr3
  movabs $0xffff800000000000, %rbx
  addq $kgs_area, %rbx
  WRMSR64 MSR_GS_BASE, $gs_area
  WRMSR64 MSR_KGS_BASE, %rbx
  movq %gs:0, %rax
  CHECKQ gs-base-read, %rax, $0x6767676767676767
  swapgs
  RDMSR64 MSR_GS_BASE
  CHECKQ swapgs-gs-base, %rax, %rbx
  RDMSR64 MSR_KGS_BASE
  CHECKQ swapgs-kernel-gs-base, %rax, $gs_area
  swapgs
  movq %gs:0, %rax
  CHECKQ swapgs-twice-restores, %rax, $0x6767676767676767
  movl $KDATA, %eax
  movw %ax, %fs
  RDMSR64 MSR_FS_BASE
  CHECKQ fs-selector-load-zeroes-base, %rax, $0
  WRMSR64 MSR_FS_BASE, $fs_area

  TRY64 syscall
  CHECKQ syscall-without-sce-ud, last_vec, $6
  movl $MSR_EFER, %ecx
  rdmsr
  orl $EFER_SCE, %eax
  wrmsr
  movabs $(UCODE32 << 48) | (KCODE64 << 32), %rax
  WRMSR64 MSR_STAR, %rax
  WRMSR64 MSR_LSTAR, $syscall_entry
  WRMSR64 MSR_SFMASK, $SFMASK_BITS

  movq $FL_IF|0x2, user_eflags
  movq $user_code, %rax
  call enter_user64
  CHECKQ syscall-rcx-is-return-rip, k_rcx, $after_syscall
  CHECKMQ syscall-r11-is-rflags, k_r11, $(FL_IF|FL_DF|0x2), $(FL_IF|FL_DF|0x2)
  CHECKQ syscall-cs, k_cs, $KCODE64
  CHECKQ syscall-ss, k_ss, $KCODE64+8
  CHECKMQ syscall-sfmask-clears-if-df, k_rflags, $SFMASK_BITS, $0
  CHECKQ syscall-keeps-rsp, k_rsp, k_user_rsp
  CHECKQ syscall-kernel-gs-after-swapgs, k_gs0, $0x4b4b4b4b4b4b4b4b
  CHECKQ sysret-rax, r_rax, $0x2222
  CHECKQ sysret-cs, r_cs, $UCODE64|3
  CHECKQ sysret-ss, r_ss, $UDATA|3
  CHECKMQ sysret-rflags-from-r11, r_rflags, $(FL_IF|FL_DF), $(FL_IF|FL_DF)
  CHECKQ swapgs-cpl3-gp, r_swapgs_vec, $13
  CHECKQ sysret-cpl3-gp, r_sysret_vec, $13
  CHECKQ sysret-cpl3-gp-err, r_sysret_err, $0
  CHECKQ sysretl-to-compat-cs, r_compat_cs, $UCODE32|3
  CHECKQ sysretl-to-compat-push-4, r_compat_push, $4
  DONE64

// Runs at CPL 0 on the user stack (SYSCALL does not switch stacks).
syscall_entry:
  cmpq $2, %rax
  je 1f
  movq %rcx, k_rcx
  movq %r11, k_r11
  movq %rsp, k_rsp
  pushq %rax
  movq %cs, %rax
  movq %rax, k_cs
  movq %ss, %rax
  movq %rax, k_ss
  pushfq
  popq %rax
  movq %rax, k_rflags
  swapgs
  movq %gs:0, %rax
  movq %rax, k_gs0
  swapgs
  popq %rax
  movq $0x2222, %rax
  sysretq
1:
  movl $user_compat, %ecx
  sysretl

user_code:
  movq %rsp, k_user_rsp
  movq $1, %rax
  std
  syscall
after_syscall:
  movq %rax, r_rax
  pushfq
  popq %rax
  movq %rax, r_rflags
  cld
  movq %cs, %rax
  movq %rax, r_cs
  movq %ss, %rax
  movq %rax, r_ss
  TRY64 swapgs
  movq last_vec, %rax
  movq %rax, r_swapgs_vec
  TRY64 sysretq
  movq last_vec, %rax
  movq %rax, r_sysret_vec
  movq last_err, %rax
  movq %rax, r_sysret_err
  movq $2, %rax
  syscall
  hlt                          // not reached: the kernel returns to user_compat

  .code32
user_compat:
  movl $UDATA|3, %eax          // the iretq to CPL 3 nulled DS/ES (DPL0); compatibility mode needs them
  movw %ax, %ds
  movw %ax, %es
  movl %cs, %eax
  movl %eax, r_compat_cs
  movl %esp, %ebx
  pushl $0
  subl %esp, %ebx
  popl %eax
  movl %ebx, r_compat_push
  int $USER_EXIT_VEC
  .code64

  .data
  .balign 8
fs_area: .quad 0, 0xf5f5f5f5f5f5f5f5
gs_area: .quad 0x6767676767676767
kgs_area: .quad 0x4b4b4b4b4b4b4b4b
k_rcx: .quad 0
k_r11: .quad 0
k_rsp: .quad 0
k_user_rsp: .quad 0
k_cs: .quad 0
k_ss: .quad 0
k_rflags: .quad 0
k_gs0: .quad 0
r_rax: .quad 0
r_rflags: .quad 0
r_cs: .quad 0
r_ss: .quad 0
r_swapgs_vec: .quad 0
r_sysret_vec: .quad 0
r_sysret_err: .quad 0
r_compat_cs: .quad 0
r_compat_push: .quad 0
