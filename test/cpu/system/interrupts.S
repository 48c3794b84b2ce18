// External interrupts (raised by the test harness when the image writes a vector to port INTR_PORT):
// masked by IF=0, the one-instruction STI shadow, immediate delivery after OUT/POPF/IRET that leave IF=1,
// STI;HLT waking up, interrupt gates clearing IF, delivery at CPL 3 with a stack switch.
#include "rt.inc"

#define INTR_PORT 0x7f0
#define IRQ_VEC 0x40

.macro RAISE
  movb $IRQ_VEC, %al
  movw $INTR_PORT, %dx
  outb %al, %dx
.endm

main32:
  PUTS "# interrupts\n"
  movl $IRQ_VEC, %eax
  movl $h_irq, %ebx
  movl $0x8E, %ecx
  call set_gate32
  andb $~(1 << (INTR_PORT % 8)), tss_iomap+(INTR_PORT / 8)

  cli
  RAISE
  nop
  nop
  CHECK irq-masked-while-if-clear, irq_count, $0
  sti
  nop                          // STI shadow: not before this instruction
sti_after:
  cli
  CHECK irq-after-sti-shadow-count, irq_count, $1
  CHECK irq-after-sti-shadow-eip, irq_eips+0, $sti_after
  CHECKM irq-interrupt-gate-clears-if, irq_hflags+0, $FL_IF, $0
  CHECKM irq-saved-eflags-if, irq_flags+0, $FL_IF, $FL_IF

  sti
  nop
  RAISE
out_after:
  cli
  CHECK irq-right-after-out-with-if, irq_eips+4, $out_after

  RAISE
  pushl $FL_IF|0x2
  popfl
popf_after:
  cli
  CHECK irq-right-after-popf-sets-if, irq_eips+8, $popf_after

  RAISE
  pushfl
  orl $FL_IF, (%esp)
  pushl %cs
  pushl $iret_target
  iretl
iret_target:
  cli
  CHECK irq-right-after-iret-sets-if, irq_eips+12, $iret_target

  movl $FL_IF|0x2, user_eflags
  movl $user_code, %eax
  call enter_user32
  CHECK irq-at-cpl3-saved-cs, irq_cs+16, $UCODE32|3
  CHECK irq-at-cpl3-frame-on-esp0, irq_frame+16, $kstack0_top-20
  CHECK irq-at-cpl3-eip, irq_eips+16, $user_after

  // Last: STI; HLT with an interrupt pending must wake up (the shadow only delays delivery past the HLT).
  RAISE
  sti
  hlt
hlt_after:
  cli
  CHECK irq-wakes-sti-hlt, irq_eips+20, $hlt_after
  CHECK irq-count-6, irq_count, $6
  DONE32

h_irq:
  pushl %eax
  pushl %ebx
  movl irq_count, %ebx
  movl 8(%esp), %eax
  movl %eax, irq_eips(,%ebx,4)
  movl 12(%esp), %eax
  movl %eax, irq_cs(,%ebx,4)
  movl 16(%esp), %eax
  movl %eax, irq_flags(,%ebx,4)
  leal 8(%esp), %eax
  movl %eax, irq_frame(,%ebx,4)
  pushfl
  popl %eax
  movl %eax, irq_hflags(,%ebx,4)
  incl irq_count
  popl %ebx
  popl %eax
  iretl

user_code:
  RAISE
user_after:
  int $USER_EXIT_VEC

  .data
irq_count: .long 0
irq_eips: .fill 8, 4, 0
irq_cs: .fill 8, 4, 0
irq_flags: .fill 8, 4, 0
irq_hflags: .fill 8, 4, 0
irq_frame: .fill 8, 4, 0
