// System registers and instructions: CPUID feature bits the core needs, RDTSC/RDTSCP and TSC/TSC_AUX,
// RDMSR/WRMSR (read-back, unknown MSR, reserved EFER bit, non-canonical LSTAR), SGDT/SIDT/STR/SLDT/LLDT,
// the TSS busy bit and LTR of a busy TSS, SMSW/LMSW, CR0.TS/EM and x87 (#NM), CLTS, CR0/CR4 reserved
// combinations, DR0-3/DR6/DR7 read-back, PUSHF/POPF (AC, ID, VM, RF), MOV CR8 in 64-bit mode.
#include "rt.inc"

#define LDT_SEL XSEL0
#define NEED_EDX1 ((1 << 2) | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 8) | (1 << 11) | (1 << 15))
#define NEED_EDX81 ((1 << 11) | (1 << 20) | (1 << 27) | (1 << 29))

main32:
  PUTS "# sysregs\n"
  xorl %eax, %eax
  cpuid
  cmpl $1, %eax
  setae %al
  movzbl %al, %eax
  CHECK cpuid-max-leaf-at-least-1, %eax, $1
  movl $1, %eax
  cpuid
  CHECKM cpuid-1-edx-de-pse-tsc-msr-pae-cx8-sep-cmov, %edx, $NEED_EDX1, $NEED_EDX1
  movl $0x80000001, %eax
  cpuid
  CHECKM cpuid-ext-syscall-nx-rdtscp-lm, %edx, $NEED_EDX81, $NEED_EDX81

  // TSC: increasing, writable through MSR 0x10; RDTSCP returns TSC_AUX in ECX.
  rdtsc
  movl %eax, %esi
  movl %edx, %edi
  nop
  rdtsc
  subl %esi, %eax
  sbbl %edi, %edx
  orl %edx, %edx
  setz %bl
  testl %eax, %eax
  setnz %cl
  andb %cl, %bl
  movzbl %bl, %ebx
  CHECK rdtsc-increases-a-little, %ebx, $1
  movl $MSR_TSC, %ecx
  movl $0, %eax
  movl $0x5, %edx
  wrmsr
  rdtsc
  CHECK wrmsr-tsc-sets-high-half, %edx, $0x5
  movl $MSR_TSC_AUX, %ecx
  movl $0x1234, %eax
  xorl %edx, %edx
  wrmsr
  xorl %ecx, %ecx
  rdtscp
  CHECK rdtscp-ecx-is-tsc-aux, %ecx, $0x1234

  // MSRs.
  movl $MSR_LSTAR, %ecx
  movl $0x89abcdef, %eax
  movl $0xffffffff, %edx
  wrmsr
  xorl %eax, %eax
  xorl %edx, %edx
  rdmsr
  CHECK msr-lstar-readback-low, %eax, $0x89abcdef
  CHECK msr-lstar-readback-high, %edx, $0xffffffff
  movl $0x00008000, %edx
  TRY wrmsr
  CHECK msr-lstar-noncanonical-gp, last_vec, $13
  movl $MSR_SYSENTER_ESP, %ecx
  movl $0x13572468, %eax
  xorl %edx, %edx
  wrmsr
  xorl %eax, %eax
  rdmsr
  CHECK msr-sysenter-esp-readback, %eax, $0x13572468
  movl $0x12345, %ecx
  TRY rdmsr
  CHECK rdmsr-unknown-gp, last_vec, $13
  CHECK rdmsr-unknown-err, last_err, $0
  TRY wrmsr
  CHECK wrmsr-unknown-gp, last_vec, $13
  movl $MSR_EFER, %ecx
  rdmsr
  orl $0x4, %eax
  TRY wrmsr
  CHECK wrmsr-efer-reserved-bit-gp, last_vec, $13

  // Descriptor-table registers.
  sgdt r_sgdt
  CHECKM sgdt-limit, r_sgdt, $0xffff, $(gdt_end - gdt - 1)
  CHECK sgdt-base, r_sgdt+2, $gdt
  sidt r_sidt
  CHECKM sidt-limit, r_sidt, $0xffff, $(256 * 8 - 1)
  CHECK sidt-base, r_sidt+2, $idt32
  str %eax
  CHECK str-is-tss, %eax, $TSS_SEL
  movzbl gdt+TSS_SEL+5, %eax
  CHECKM ltr-sets-busy-type, %eax, $0xf, $0xb
  movw $TSS_SEL, %ax
  TRY ltr %ax
  CHECK ltr-busy-tss-gp, last_vec, $13
  CHECK ltr-busy-tss-err, last_err, $TSS_SEL
  movl $0x5a5a, %eax
  sldt %eax
  CHECK sldt-initially-null, %eax, $0
  movl $gdt+LDT_SEL, %edi
  movl $ldt, %eax
  movl $0xf, %ebx
  movl $0x82, %ecx            // present LDT descriptor
  call set_desc
  movw $LDT_SEL, %ax
  lldt %ax
  sldt %eax
  CHECK lldt-sldt-roundtrip, %eax, $LDT_SEL
  movl $0x4, %eax             // selector 0 in the LDT (TI=1): a flat data descriptor
  movw %ax, %fs
  movl %fs:gdt+8, %eax
  CHECK ldt-data-selector-works, %eax, gdt+8
  movw $KDATA, %ax
  TRY lldt %ax
  CHECK lldt-non-ldt-gp, last_err, $KDATA

  // CR0: SMSW/LMSW, TS and EM with x87, CLTS, reserved combinations. CR4 reserved bit.
  smsw %eax
  movl %cr0, %ebx
  CHECKM smsw-low-cr0, %eax, $0xffff, %ebx
  smsw %ax
  orw $CR0_TS, %ax
  lmsw %ax
  movl %cr0, %eax
  CHECKM lmsw-sets-ts, %eax, $CR0_TS, $CR0_TS
  TRY fninit
  CHECK x87-with-ts-nm, last_vec, $7
  clts
  movl %cr0, %eax
  CHECKM clts-clears-ts, %eax, $CR0_TS, $0
  smsw %ax
  andw $~CR0_PE, %ax
  lmsw %ax
  movl %cr0, %eax
  CHECKM lmsw-cannot-clear-pe, %eax, $CR0_PE, $CR0_PE
  movl %cr0, %eax
  orl $0x4, %eax              // EM
  movl %eax, %cr0
  TRY fninit
  CHECK x87-with-em-nm, last_vec, $7
  andl $~0x4, %eax
  movl %eax, %cr0
  movl %cr0, %eax
  orl $0x20000000, %eax       // NW without CD
  andl $~0x40000000, %eax
  TRY movl %eax, %cr0
  CHECK cr0-nw-without-cd-gp, last_vec, $13
  movl %cr4, %eax
  orl $0x8000, %eax           // bit 15 is reserved
  TRY movl %eax, %cr4
  CHECK cr4-reserved-bit-gp, last_vec, $13

  movl $0xcafe1000, %eax
  movl %eax, %cr2
  movl %cr2, %ebx
  CHECK cr2-write-readback, %ebx, $0xcafe1000

  // Debug registers.
  movl $0x11110000, %eax
  movl %eax, %dr0
  movl $0x22220000, %eax
  movl %eax, %dr3
  movl %dr0, %eax
  CHECK dr0-readback, %eax, $0x11110000
  movl %dr3, %eax
  CHECK dr3-readback, %eax, $0x22220000
  xorl %eax, %eax
  movl %eax, %dr6
  movl %dr6, %eax
  CHECK dr6-reserved-bits-read-as-1, %eax, $0xffff0ff0
  xorl %eax, %eax
  movl %eax, %dr7
  movl %dr7, %eax
  CHECK dr7-bit10-reads-as-1, %eax, $0x400

  // EFLAGS via POPF: AC and ID toggle; VM and RF cannot be set by POPF.
  pushfl
  orl $(FL_AC | (1 << 21) | (1 << 17) | FL_RF), (%esp)
  popfl
  pushfl
  popl %eax
  CHECKM popf-sets-ac-and-id-not-vm-rf, %eax, $(FL_AC | (1 << 21) | (1 << 17) | FL_RF), $(FL_AC | (1 << 21))
  pushfl
  andl $~(FL_AC | (1 << 21)), (%esp)
  popfl
  pushfl
  popl %eax
  CHECKM popf-clears-ac-and-id, %eax, $(FL_AC | (1 << 21)), $0

  GO_LONG main64
  .code64
main64:
  movq $5, %rax
  movq %rax, %cr8
  movq %cr8, %rbx
  CHECKQ cr8-readback, %rbx, $5
  movq $0x15, %rax
  TRY64 movq %rax, %cr8
  CHECKQ cr8-reserved-bits-gp, last_vec, $13
  xorl %eax, %eax
  movq %rax, %cr8
  pushfq
  popq %rax
  CHECKMQ pushfq-reserved-bit1, %rax, $2, $2
  DONE64

  .data
  .balign 8
ldt: .quad 0x00cf92000000ffff, 0
  .word 0, 0, 0
r_sgdt: .fill 10, 1, 0
  .word 0, 0, 0
r_sidt: .fill 10, 1, 0
