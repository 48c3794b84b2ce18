// SYSENTER/SYSEXIT in 32-bit protected mode: CS/SS from IA32_SYSENTER_CS, ESP/EIP from the MSRs, IF
// cleared on entry, SYSEXIT to CS+16 / SS+24 at CPL 3 with EIP=EDX, ESP=ECX; #GP(0) for a null
// SYSENTER_CS and for SYSEXIT at CPL 3.
#include "rt.inc"

.macro WRMSR32 msr, value
  movl $\msr, %ecx
  movl \value, %eax
  xorl %edx, %edx
  wrmsr
.endm

main32:
  PUTS "# sysenter-sysexit\n"
  movl $1, %eax
  cpuid
  CHECKM cpuid-sep, %edx, $(1 << 11), $(1 << 11)
  WRMSR32 MSR_SYSENTER_ESP, $kstack0_top
  WRMSR32 MSR_SYSENTER_EIP, $sysenter_entry
  movl $MSR_SYSENTER_CS, %ecx      // SYSENTER_CS still 0: user sysenter must #GP(0)
  xorl %eax, %eax
  xorl %edx, %edx
  wrmsr
  movl $FL_IF|0x2, user_eflags
  movl $user_null_cs, %eax
  call enter_user32
  CHECK sysenter-null-cs-gp, r_null_vec, $13
  CHECK sysenter-null-cs-err, r_null_err, $0

  WRMSR32 MSR_SYSENTER_CS, $KCODE32
  movl $MSR_SYSENTER_EIP, %ecx
  rdmsr
  CHECK sysenter-eip-msr-readback, %eax, $sysenter_entry
  movl $user_code, %eax
  call enter_user32
  CHECK sysenter-cs, k_cs, $KCODE32
  CHECK sysenter-ss, k_ss, $KDATA
  CHECK sysenter-esp, k_esp, $kstack0_top
  CHECKM sysenter-clears-if, k_flags, $FL_IF, $0
  CHECK sysenter-keeps-gprs, k_ebx, $0xb0b0b0b0
  CHECK sysexit-cs, r_cs, $UCODE32|3
  CHECK sysexit-ss, r_ss, $UDATA|3
  CHECK sysexit-esp-from-ecx, r_esp, $user_stack_top-64
  CHECK sysexit-eax, r_eax, $0x5e5e
  CHECK sysexit-at-cpl3-gp, r_sysexit_vec, $13
  DONE32

sysenter_entry:
  movl %esp, k_esp
  movl %ebx, k_ebx
  pushl %eax
  movl %cs, %eax
  movl %eax, k_cs
  movl %ss, %eax
  movl %eax, k_ss
  pushfl
  popl %eax
  movl %eax, k_flags
  popl %eax
  movl $0x5e5e, %eax
  sysexit                      // EIP ← EDX, ESP ← ECX

user_null_cs:
  TRY sysenter
  movl last_vec, %eax
  movl %eax, r_null_vec
  movl last_err, %eax
  movl %eax, r_null_err
  int $USER_EXIT_VEC

user_code:
  movl $0xb0b0b0b0, %ebx
  movl $user_stack_top-64, %ecx
  movl $after_sysexit, %edx
  sysenter
after_sysexit:
  movl %eax, r_eax
  movl %esp, r_esp
  movl %cs, %eax
  movl %eax, r_cs
  movl %ss, %eax
  movl %eax, r_ss
  movl $user_stack_top-8, %esp
  TRY sysexit
  movl last_vec, %eax
  movl %eax, r_sysexit_vec
  int $USER_EXIT_VEC

  .data
k_cs: .long 0
k_ss: .long 0
k_esp: .long 0
k_ebx: .long 0
k_flags: .long 0
r_null_vec: .long 0
r_null_err: .long 0
r_eax: .long 0
r_esp: .long 0
r_cs: .long 0
r_ss: .long 0
r_sysexit_vec: .long 0
