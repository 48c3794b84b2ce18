// Privileged instructions at CPL 3 raise #GP(0) with EIP at the instruction; IOPL-sensitive ones (cli, sti,
// in/out, ins/outs) follow IOPL and the TSS I/O permission bitmap; popf/iret cannot change IOPL or (without
// IOPL) IF at CPL 3; rdtsc follows CR4.TSD.
// Each ring-3 probe stores (vector << 16) | error code, plus bit 31 when the saved EIP was not the
// faulting instruction, in r_probe[slot]; NOFAULT means nothing was raised.
#include "rt.inc"

#define GP0 (13 << 16)
#define NOFAULT 0xffffffff
#define CR4_TSD 0x4

.macro UTRY slot, insn:vararg
  TRY \insn
  pushl %eax
  call record_probe
  movl %eax, r_probe+(\slot)*4
  popl %eax
.endm

main32:
  PUTS "# gp-cpl3\n"
  // Ports TEST_PORT and TEST_PORT+1 are allowed by the bitmap, TEST_PORT+2 is not.
  andb $~0x03, tss_iomap+(TEST_PORT / 8)

  movl $user_iopl0, %eax
  call enter_user32
  CHECK hlt-cpl3-gp0, r_probe+0*4, $GP0
  CHECK cli-iopl0-gp0, r_probe+1*4, $GP0
  CHECK sti-iopl0-gp0, r_probe+2*4, $GP0
  CHECK mov-from-cr0-gp0, r_probe+3*4, $GP0
  CHECK mov-to-cr3-gp0, r_probe+4*4, $GP0
  CHECK mov-from-dr7-gp0, r_probe+5*4, $GP0
  CHECK lgdt-gp0, r_probe+6*4, $GP0
  CHECK lidt-gp0, r_probe+7*4, $GP0
  CHECK lldt-gp0, r_probe+8*4, $GP0
  CHECK ltr-gp0, r_probe+9*4, $GP0
  CHECK wrmsr-gp0, r_probe+10*4, $GP0
  CHECK rdmsr-gp0, r_probe+11*4, $GP0
  CHECK invlpg-gp0, r_probe+12*4, $GP0
  CHECK clts-gp0, r_probe+13*4, $GP0
  CHECK in-denied-port-gp0, r_probe+14*4, $GP0
  CHECK out-denied-port-gp0, r_probe+15*4, $GP0
  CHECK out-word-half-denied-gp0, r_probe+16*4, $GP0
  CHECK in-allowed-port-ok, r_probe+17*4, $NOFAULT
  CHECK in-allowed-port-value, r_in_value, $0x40
  CHECK out-allowed-port-ok, r_probe+18*4, $NOFAULT
  CHECK outsb-denied-port-gp0, r_probe+19*4, $GP0
  CHECK rdtsc-tsd0-ok, r_probe+20*4, $NOFAULT
  CHECK sgdt-cpl3-ok, r_probe+21*4, $NOFAULT
  CHECK sgdt-cpl3-base, r_sgdt+2, $gdt
  CHECK popf-cpl3-iopl0-keeps-if-and-iopl, r_popf_flags, $0
  CHECK popf-cpl3-changes-df, r_popf_df, $FL_DF
  CHECK hlt-cpl3-ecx-untouched, user_regs+U_ECX, $0x12345678

  // CR4.TSD makes rdtsc privileged.
  movl %cr4, %eax
  orl $CR4_TSD, %eax
  movl %eax, %cr4
  movl $user_tsd, %eax
  call enter_user32
  CHECK rdtsc-tsd1-gp0, r_probe+22*4, $GP0
  movl %cr4, %eax
  andl $~CR4_TSD, %eax
  movl %eax, %cr4

  // IOPL 3: cli/sti and any port are allowed, popf changes IF but still not IOPL.
  movl $FL_IOPL3|0x2, user_eflags
  movl $user_iopl3, %eax
  call enter_user32
  CHECK cli-iopl3-ok, r_probe+23*4, $NOFAULT
  CHECK sti-iopl3-ok, r_probe+24*4, $NOFAULT
  CHECK in-denied-port-iopl3-ok, r_probe+25*4, $NOFAULT
  CHECK popf-iopl3-sets-if, r_popf_flags, $FL_IF|FL_IOPL3
  CHECK hlt-iopl3-still-gp0, r_probe+26*4, $GP0
  movl $0x2, user_eflags
  DONE32

// eax ← probe record for the TRY that just ran.
record_probe:
  movl last_vec, %eax
  cmpl $0xffffffff, %eax
  je 1f
  shll $16, %eax
  orl last_err, %eax
  pushl %ebx
  movl last_ip, %ebx
  cmpl try_ip, %ebx
  popl %ebx
  je 1f
  orl $0x80000000, %eax
1:
  ret

user_iopl0:
  movl $0x12345678, %ecx
  UTRY 0, hlt
  UTRY 1, cli
  UTRY 2, sti
  UTRY 3, movl %cr0, %eax
  UTRY 4, movl %eax, %cr3
  UTRY 5, movl %dr7, %eax
  UTRY 6, lgdt gdtr
  UTRY 7, lidt idtr32
  xorl %eax, %eax
  UTRY 8, lldt %ax
  movw $TSS_SEL, %ax
  UTRY 9, ltr %ax
  pushl %ecx
  movl $MSR_EFER, %ecx
  UTRY 10, wrmsr
  UTRY 11, rdmsr
  popl %ecx
  UTRY 12, invlpg 0x1000
  UTRY 13, clts
  movw $TEST_PORT+2, %dx
  UTRY 14, inb %dx, %al
  UTRY 15, outb %al, %dx
  movw $TEST_PORT+1, %dx
  UTRY 16, outw %ax, %dx       // needs the bits of ports TEST_PORT+1 and TEST_PORT+2
  movw $TEST_PORT, %dx
  UTRY 17, inb %dx, %al
  movzbl %al, %eax
  movl %eax, r_in_value
  movb $0x5a, %al
  UTRY 18, outb %al, %dx
  movw $TEST_PORT+2, %dx
  movl $r_in_value, %esi
  UTRY 19, outsb
  UTRY 20, rdtsc
  UTRY 21, sgdt r_sgdt
  pushl $FL_IF|FL_IOPL3|0x2
  popfl
  pushfl
  popl %eax
  andl $FL_IF|FL_IOPL3, %eax
  movl %eax, r_popf_flags
  pushl $FL_DF|0x2
  popfl
  pushfl
  popl %eax
  andl $FL_DF, %eax
  movl %eax, r_popf_df
  cld
  movl $0x12345678, %ecx
  int $USER_EXIT_VEC

user_tsd:
  UTRY 22, rdtsc
  int $USER_EXIT_VEC

user_iopl3:
  UTRY 23, cli
  UTRY 24, sti
  movw $TEST_PORT+2, %dx
  UTRY 25, inb %dx, %al
  cli
  pushl $FL_IF|0x2           // IOPL field 0: must stay 3
  popfl
  pushfl
  popl %eax
  andl $FL_IF|FL_IOPL3, %eax
  movl %eax, r_popf_flags
  cli
  UTRY 26, hlt
  int $USER_EXIT_VEC

  .data
r_probe: .fill 32, 4, 0x55555555
r_in_value: .long 0
r_popf_flags: .long 0
r_popf_df: .long 0
r_sgdt: .fill 10, 1, 0
