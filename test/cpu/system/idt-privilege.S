// 32-bit IDT delivery: interrupt vs trap gates (IF), int n / int3 / into, frames without and with a
// privilege change (stack switch to TSS.ESP0/SS0), iret back to CPL 3 (and the data-segment nulling it
// does), gate DPL checks (#GP with error code vector*8+2), not-present gates (#NP).
#include "rt.inc"

main32:
  PUTS "# idt-privilege\n"
  movl $0x80, %eax
  movl $h_int80, %ebx
  movl $0xEE, %ecx            // DPL3 interrupt gate
  call set_gate32
  movl $0x81, %eax
  movl $0x8E, %ecx            // DPL0 interrupt gate
  call set_gate32
  movl $0x82, %eax
  movl $0xEF, %ecx            // DPL3 trap gate
  call set_gate32
  movl $0x83, %eax
  movl $0x6E, %ecx            // DPL3 interrupt gate, not present
  call set_gate32
  movl $3, %eax
  movl $exc32_3, %ebx
  movl $0xEE, %ecx
  call set_gate32
  movl $4, %eax
  movl $exc32_4, %ebx
  movl $0xEE, %ecx
  call set_gate32

  // Same privilege: a 3-dword frame on the current stack, IF cleared by an interrupt gate only.
  sti
  movl %esp, %ebx
  movl $0, %eax
  int $0x80
  CHECK int-returns-handler-eax, %eax, $0x80cafe
  subl h_esp, %ebx
  CHECK int-cpl0-frame-is-3-dwords, %ebx, $12
  CHECK int-cpl0-saved-cs, h_cs, $KCODE32
  CHECKM int-cpl0-saved-if, h_flags, $FL_IF, $FL_IF
  CHECKM interrupt-gate-clears-if, h_if_in_handler, $FL_IF, $0
  int $0x82
  CHECKM trap-gate-keeps-if, h_if_in_handler, $FL_IF, $FL_IF
  pushfl
  popl %eax
  CHECKM iret-restores-if, %eax, $FL_IF, $FL_IF
  cli

  TRYR int3
  CHECK int3-vec, last_vec, $3
  CHECK int3-saved-eip-after, last_ip, after_ip
  TRYR int $3
  CHECK int-3-long-form-vec, last_vec, $3
  CHECK int-3-long-form-saved-eip-after, last_ip, after_ip
  movl $0x7fffffff, %eax
  addl $1, %eax               // OF=1
  TRYR into
  CHECK into-of-set-vec, last_vec, $4
  CHECK into-saved-eip-after, last_ip, after_ip
  xorl %eax, %eax             // OF=0
  TRYR into
  CHECK into-of-clear-no-trap, last_vec, $0xffffffff

  // CPL 3.
  movl $KDATA, %eax
  movw %ax, %fs
  movl $UDATA|3, %eax
  movw %ax, %gs
  movl $user_code, %eax
  call enter_user32
  CHECK user-iret-nulls-fs-dpl0, r_fs, $0
  CHECK user-iret-keeps-gs-dpl3, r_gs, $UDATA|3
  CHECK user-int80-ran, r_int80_eax, $0x80cafe
  CHECK user-int80-frame-at-esp0, r_h_esp, $kstack0_top-20
  CHECK user-int80-saved-cs, r_h_cs, $UCODE32|3
  CHECK user-int80-saved-esp, r_h_uesp, $user_stack_top-4
  CHECK user-int80-saved-ss, r_h_uss, $UDATA|3
  CHECK user-int80-handler-ss, r_h_ss, $KDATA
  CHECK user-back-at-cpl3, r_cs_after, $UCODE32|3
  CHECK user-int-dpl0-gate-vec, r_gp_vec, $13
  CHECK user-int-dpl0-gate-err, r_gp_err, $(0x81 << 3) | 2
  CHECK user-int-dpl0-gate-eip, r_gp_eip_ok, $1
  CHECK user-int-np-gate-vec, r_np_vec, $11
  CHECK user-int-np-gate-err, r_np_err, $(0x83 << 3) | 2
  CHECK user-int-exception-vector-dpl0-err, r_int13_err, $(13 << 3) | 2
  CHECK user-int3-dpl3-vec, r_bp_vec, $3
  CHECK user-int3-saved-cs, r_bp_cs, $UCODE32|3
  DONE32

h_int80:
  movl %esp, h_esp
  pushl %ebx
  movl 4(%esp), %ebx
  movl %ebx, h_eip
  movl 8(%esp), %ebx
  movl %ebx, h_cs
  movl 12(%esp), %ebx
  movl %ebx, h_flags
  movl 16(%esp), %ebx
  movl %ebx, h_uesp
  movl 20(%esp), %ebx
  movl %ebx, h_uss
  movl %ss, %ebx
  movl %ebx, h_ss
  pushfl
  popl %ebx
  movl %ebx, h_if_in_handler
  popl %ebx
  movl $0x80cafe, %eax
  iretl

user_code:
  movl %fs, %eax
  movl %eax, r_fs
  movl %gs, %eax
  movl %eax, r_gs
  pushl $0                    // user ESP at the int is user_stack_top-4
  movl $0, %eax
  int $0x80
  movl %eax, r_int80_eax
  popl %eax
  movl h_esp, %eax
  movl %eax, r_h_esp
  movl h_cs, %eax
  movl %eax, r_h_cs
  movl h_uesp, %eax
  movl %eax, r_h_uesp
  movl h_uss, %eax
  movl %eax, r_h_uss
  movl h_ss, %eax
  movl %eax, r_h_ss
  movl %cs, %eax
  movl %eax, r_cs_after
  TRY int $0x81
  movl last_vec, %eax
  movl %eax, r_gp_vec
  movl last_err, %eax
  movl %eax, r_gp_err
  movl last_ip, %eax
  cmpl try_ip, %eax
  sete %al
  movzbl %al, %eax
  movl %eax, r_gp_eip_ok
  TRY int $0x83
  movl last_vec, %eax
  movl %eax, r_np_vec
  movl last_err, %eax
  movl %eax, r_np_err
  TRY int $13
  movl last_err, %eax
  movl %eax, r_int13_err
  TRYR int3
  movl last_vec, %eax
  movl %eax, r_bp_vec
  movl last_cs, %eax
  movl %eax, r_bp_cs
  int $USER_EXIT_VEC

  .data
h_esp: .long 0
h_eip: .long 0
h_cs: .long 0
h_flags: .long 0
h_uesp: .long 0
h_uss: .long 0
h_ss: .long 0
h_if_in_handler: .long 0
r_fs: .long 0
r_gs: .long 0
r_int80_eax: .long 0
r_h_esp: .long 0
r_h_cs: .long 0
r_h_uesp: .long 0
r_h_uss: .long 0
r_h_ss: .long 0
r_cs_after: .long 0
r_gp_vec: .long 0
r_gp_err: .long 0
r_gp_eip_ok: .long 0
r_np_vec: .long 0
r_np_err: .long 0
r_int13_err: .long 0
r_bp_vec: .long 0
r_bp_cs: .long 0
