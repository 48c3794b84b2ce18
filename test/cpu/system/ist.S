// 64-bit IDT delivery: 5-qword frames with SS:RSP always pushed and RSP aligned to 16, IST stacks
// (kernel and user origin), RSP0 stack switch from CPL 3 with SS = null, iretq back to CPL 3, gate DPL
// (#GP vector*8+2), INTO is #UD in 64-bit mode.
#include "rt.inc"

main32:
  PUTS "# ist\n"
  GO_LONG main64

  .code64
main64:
  movl $0x80, %eax
  movq $h_int, %rbx
  movl $0xEE, %ecx
  xorl %edx, %edx
  call set_gate64
  movl $0x81, %eax
  movl $0x8E, %ecx
  call set_gate64
  movl $0x84, %eax
  movl $1, %edx               // IST1
  call set_gate64
  movl $3, %eax
  movq $exc64_3, %rbx
  movl $0xEE, %ecx
  movl $2, %edx               // #BP on IST2, callable from CPL 3
  call set_gate64

  movq %rsp, %r12
  subq $8, %rsp               // RSP ≡ 8 (mod 16) at the int
  movq %rsp, %rbx
  int $0x80
  movq %r12, %rsp
  CHECKQ int64-handler-ran, %rax, $0x80cafe
  CHECKQ int64-saved-rsp-unaligned, h_ursp, %rbx
  andq $~0xf, %rbx
  subq $40, %rbx
  CHECKQ int64-frame-aligned-5-qwords, h_rsp, %rbx
  CHECKQ int64-saved-cs, h_cs, $KCODE64
  CHECKQ int64-saved-ss, h_uss, $KDATA

  int $0x84
  CHECKQ ist1-frame, h_rsp, $ist1_top-40
  CHECKQ ist1-saved-rsp, h_ursp, %rsp
  TRYR64 int3
  CHECKQ ist2-bp-vec, last_vec, $3
  CHECKQ ist2-bp-frame, last_frame, $ist2_top-40
  CHECKQ ist2-bp-saved-rip-after, last_ip, after_ip

  TRY64 .byte 0xce            // into
  CHECKQ into-in-64bit-is-ud, last_vec, $6

  movq $user_code, %rax
  call enter_user64
  CHECKQ user-int80-ran, r_int_rax, $0x80cafe
  CHECKQ user-int80-frame-at-rsp0, r_h_rsp, $kstack0_top-40
  CHECKQ user-int80-saved-cs, r_h_cs, $UCODE64|3
  CHECKQ user-int80-saved-ss, r_h_uss, $UDATA|3
  CHECKQ user-int80-saved-rsp, r_h_ursp, $user_stack_top-8
  CHECKQ user-int80-handler-ss-null, r_h_ss, $0
  CHECKQ user-back-at-cpl3, r_cs_after, $UCODE64|3
  CHECKQ user-int-dpl0-gate-vec, r_gp_vec, $13
  CHECKQ user-int-dpl0-gate-err, r_gp_err, $(0x81 << 3) | 2
  CHECKQ user-int3-ist2-frame, r_bp_frame, $ist2_top-40
  CHECKQ user-int3-saved-cs, r_bp_cs, $UCODE64|3
  DONE64

h_int:
  movq %rsp, h_rsp
  pushq %rbx
  movq 16(%rsp), %rbx
  movq %rbx, h_cs
  movq 32(%rsp), %rbx
  movq %rbx, h_ursp
  movq 40(%rsp), %rbx
  movq %rbx, h_uss
  movq %ss, %rbx
  movq %rbx, h_ss
  popq %rbx
  movl $0x80cafe, %eax
  iretq

user_code:
  pushq $0
  xorl %eax, %eax
  int $0x80
  movq %rax, r_int_rax
  popq %rax
  movq h_rsp, %rax
  movq %rax, r_h_rsp
  movq h_cs, %rax
  movq %rax, r_h_cs
  movq h_uss, %rax
  movq %rax, r_h_uss
  movq h_ursp, %rax
  movq %rax, r_h_ursp
  movq h_ss, %rax
  movq %rax, r_h_ss
  movq %cs, %rax
  movq %rax, r_cs_after
  TRY64 int $0x81
  movq last_vec, %rax
  movq %rax, r_gp_vec
  movq last_err, %rax
  movq %rax, r_gp_err
  TRYR64 int3
  movq last_frame, %rax
  movq %rax, r_bp_frame
  movq last_cs, %rax
  movq %rax, r_bp_cs
  int $USER_EXIT_VEC

  .data
  .balign 8
h_rsp: .quad 0
h_cs: .quad 0
h_ursp: .quad 0
h_uss: .quad 0
h_ss: .quad 0
r_int_rax: .quad 0
r_h_rsp: .quad 0
r_h_cs: .quad 0
r_h_uss: .quad 0
r_h_ursp: .quad 0
r_h_ss: .quad 0
r_cs_after: .quad 0
r_gp_vec: .quad 0
r_gp_err: .quad 0
r_bp_frame: .quad 0
r_bp_cs: .quad 0
