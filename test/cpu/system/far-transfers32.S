// 32-bit far transfers and segmentation: far call/jmp/ret (direct, indirect, lret imm), a code segment
// with a non-zero base, iretd at the same level, lret to CPL 3, a DPL3 32-bit call gate to CPL 0 with
// parameter copying and a stack switch; segment limit checks (#GP/#SS), expand-down and read-only data,
// and selector-load faults (#GP(sel), #NP(sel), null selector use).
#include "rt.inc"

#define BASED_CODE XSEL0     // code segment, base 0x1000
#define CALLGATE   XSEL1     // 32-bit call gate, DPL3 → KCODE32:gate_fn, 2 parameters
#define SMALLDATA  XSEL2     // data, base 0, limit 0xfff
#define SMALLSTACK XSEL3     // data, base sstack, limit 0xfff
#define EXPDOWN    XSEL4     // expand-down data, limit 0xfff, big
#define RODATA     XSEL5     // read-only data
#define GATE0      0x48      // the second half of the TSS slot is unused in 32-bit mode: DPL0 call gate

.macro DESC sel, base, limit, attr
  movl $gdt+(\sel), %edi
  movl \base, %eax
  movl \limit, %ebx
  movl \attr, %ecx
  call set_desc
.endm

main32:
  PUTS "# far-transfers32\n"
  DESC BASED_CODE, $0x1000, $0xfffff, $0xc09a
  DESC SMALLDATA, $0, $0xfff, $0x4092
  DESC SMALLSTACK, $sstack, $0xfff, $0x4092
  DESC EXPDOWN, $0, $0xfff, $0x4096
  DESC RODATA, $0, $0xfffff, $0xc090
  // call gates: low dword offset[15:0] | selector << 16, high dword offset[31:16] << 16 | P DPL type | count
  movl $gate_fn, %eax
  movw %ax, gdt+CALLGATE
  movw $KCODE32, gdt+CALLGATE+2
  shrl $16, %eax
  movw %ax, gdt+CALLGATE+6
  movb $2, gdt+CALLGATE+4
  movb $0xEC, gdt+CALLGATE+5     // P, DPL3, 32-bit call gate
  movl gdt+CALLGATE, %eax
  movl %eax, gdt+GATE0
  movl gdt+CALLGATE+4, %eax
  movl %eax, gdt+GATE0+4
  movb $0x8C, gdt+GATE0+5        // DPL0

  // Direct far call / lret, with the pushed CS:EIP checked by the callee.
  movl %esp, %ebx
  lcall $KCODE32, $far_fn
ret_a:
  CHECK far-call-pushed-eip, r_ret_eip, $ret_a
  CHECK far-call-pushed-cs, r_ret_cs, $KCODE32
  CHECK far-call-lret-restores-esp, %esp, %ebx
  // lret $8 pops the callee's parameters.
  pushl $0x22
  pushl $0x11
  lcall *fptr_fn8
  CHECK lret-imm-pops-params, %esp, %ebx
  CHECK far-call-indirect-result, %eax, $0x33
  // A code segment based at 0x1000: the callee sees EIP relative to that base.
  lcall $BASED_CODE, $based_fn-0x1000
  CHECK based-cs-eip-is-offset, %eax, $based_probe-0x1000
  CHECK based-cs-selector, r_based_cs, $BASED_CODE
  ljmp $KCODE32, $1f
1:
  // iretd at the same privilege: pops EIP, CS, EFLAGS only.
  pushfl
  orl $FL_DF, (%esp)
  pushl $KCODE32
  pushl $1f
  iretl
1:
  pushfl
  popl %eax
  cld
  CHECKM iretd-same-level-loads-eflags, %eax, $FL_DF, $FL_DF
  CHECK iretd-same-level-esp, %esp, %ebx

  // lret to CPL 3, then the call gate from CPL 3.
  call lret_to_user
  CHECK lret-to-cpl3-cs, r_user_cs, $UCODE32|3
  CHECK callgate-callee-cs, r_gate_cs, $KCODE32
  CHECK callgate-stack-is-esp0, r_gate_esp, $kstack0_top-24
  CHECK callgate-pushed-cs, r_gate_frame+4, $UCODE32|3
  CHECK callgate-param-1, r_gate_frame+8, $0xaaaa
  CHECK callgate-param-2, r_gate_frame+12, $0xbbbb
  CHECK callgate-pushed-user-esp, r_gate_frame+16, $user_stack_top-8
  CHECK callgate-pushed-user-ss, r_gate_frame+20, $UDATA|3
  CHECK callgate-return-cs, r_after_gate_cs, $UCODE32|3
  CHECK callgate-return-pops-params, r_after_gate_esp, $user_stack_top
  CHECK callgate-dpl0-from-cpl3-gp, r_gate0_vec, $13
  CHECK callgate-dpl0-from-cpl3-err, r_gate0_err, $GATE0

  // Segment limits.
  movl $SMALLDATA, %eax
  movw %ax, %es
  TRY movl %es:0xffc, %eax
  CHECK limit-last-dword-ok, last_vec, $0xffffffff
  TRY movl %es:0xffd, %eax
  CHECK limit-straddle-gp, last_vec, $13
  CHECK limit-straddle-err, last_err, $0
  TRY movb %es:0x1000, %al
  CHECK limit-beyond-gp, last_vec, $13
  movl $EXPDOWN, %eax
  movw %ax, %es
  TRY movl %es:0x800, %eax
  CHECK expand-down-below-limit-gp, last_vec, $13
  TRY movl %es:0x200000, %eax
  CHECK expand-down-above-limit-ok, last_vec, $0xffffffff
  movl $RODATA, %eax
  movw %ax, %es
  TRY movl %es:0x200000, %eax
  CHECK read-only-data-read-ok, last_vec, $0xffffffff
  TRY movl %eax, %es:0x200000
  CHECK read-only-data-write-gp, last_vec, $13
  // SS with a 4 KiB limit: an SS-relative access past it is #SS(0); the handler runs on that stack.
  movl %esp, saved_esp
  movw %ss, %bx
  movl $SMALLSTACK, %eax
  movw %ax, %ss
  movl $0xf00, %esp
  xorl %ebp, %ebp
  TRY movl 0x1000(%ebp), %eax
  movw %bx, %ss
  movl saved_esp, %esp
  CHECK ss-limit-ss-fault, last_vec, $12
  CHECK ss-limit-ss-err, last_err, $0
  movl $KDATA, %eax
  movw %ax, %es

  // Selector loads.
  movl $(gdt_end - gdt + 8), %eax
  TRY movw %ax, %ds
  CHECK load-beyond-gdt-limit-gp, last_vec, $13
  CHECK load-beyond-gdt-limit-err, last_err, $(gdt_end - gdt + 8)
  movl $UDATA, %eax              // DPL3 data into SS at CPL 0
  TRY movw %ax, %ss
  CHECK load-ss-dpl-mismatch-gp, last_err, $UDATA
  movb $0x12, gdt+RODATA+5       // not present
  movl $RODATA, %eax
  TRY movw %ax, %fs
  CHECK load-not-present-np, last_vec, $11
  CHECK load-not-present-err, last_err, $RODATA
  movl $KCODE32, %eax            // execute/read code is fine in DS; the TSS selector is not
  TRY movw %ax, %fs
  CHECK load-readable-code-into-fs-ok, last_vec, $0xffffffff
  movl $TSS_SEL, %eax
  TRY movw %ax, %fs
  CHECK load-system-segment-gp, last_err, $TSS_SEL
  xorl %eax, %eax
  movw %ax, %fs
  TRY movl %fs:0, %eax
  CHECK null-fs-use-gp, last_vec, $13
  DONE32

// Like enter_user32, but enters ring 3 with a far return; the ring-3 code ends with int $USER_EXIT_VEC.
lret_to_user:
  pushal
  movl %esp, kernel_saved_sp
  pushl $UDATA|3
  pushl $user_stack_top
  pushl $UCODE32|3
  pushl $user_code
  movl $UDATA|3, %eax
  movw %ax, %ds
  movw %ax, %es
  lret

far_fn:
  movl (%esp), %eax
  movl %eax, r_ret_eip
  movl 4(%esp), %eax
  movl %eax, r_ret_cs
  lret

fn8:
  movl 8(%esp), %eax
  addl 12(%esp), %eax
  lret $8

based_fn:
  movl %cs, %eax
  movl %eax, r_based_cs
  call based_probe             // pushes the offset within the based segment
based_probe:
  popl %eax
  lret

gate_fn:
  movl %esp, r_gate_esp
  movl %cs, %eax
  movl %eax, r_gate_cs
  movl $r_gate_frame, %edi
  movl %esp, %esi
  movl $6, %ecx
  rep movsl
  lret $8

user_code:
  movl %cs, %eax
  movl %eax, r_user_cs
  pushl $0xbbbb
  pushl $0xaaaa
  lcall $CALLGATE|3, $0
  movl %esp, r_after_gate_esp
  movl %cs, %eax
  movl %eax, r_after_gate_cs
  TRY lcall $GATE0|3, $0
  movl last_vec, %eax
  movl %eax, r_gate0_vec
  movl last_err, %eax
  movl %eax, r_gate0_err
  int $USER_EXIT_VEC

  .data
fptr_fn8:
  .long fn8
  .word KCODE32
  .balign 4
saved_esp: .long 0
r_ret_eip: .long 0
r_ret_cs: .long 0
r_based_cs: .long 0
r_user_cs: .long 0
r_gate_cs: .long 0
r_gate_esp: .long 0
r_gate_frame: .fill 6, 4, 0
r_after_gate_cs: .long 0
r_after_gate_esp: .long 0
r_gate0_vec: .long 0
r_gate0_err: .long 0
  .bss
  .balign 4096
sstack: .fill 4096, 1, 0
