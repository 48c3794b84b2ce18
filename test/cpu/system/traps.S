// Instructions that trap out to the hypervisor (CpuHooks.onTrap with Cpu.setTrap): the test's handler
// emulates them by writing registers and skipping the instruction, lets some run natively, and stops the
// run for one; the image checks what the handler left in the registers.
#include "rt.inc"

main32:
  PUTS "# traps\n"
  movl $0x40000000, %eax
  xorl %ecx, %ecx
  cpuid                        // handler: eax..edx = 0x4000aaaa, 0xbbbb, 0xcccc, 0xdddd
  CHECK cpuid-trapped-eax, %eax, $0x4000aaaa
  CHECK cpuid-trapped-edx, %edx, $0xdddd
  xorl %eax, %eax
  cpuid                        // handler: Native (leaf 0 of the core's table)
  cmpl $1, %eax
  setae %al
  movzbl %al, %eax
  CHECK cpuid-native-leaf0, %eax, $1
  movl $0x4b564d00, %ecx
  rdmsr                        // handler: edx:eax = 0x12345678:0x9abcdef0 (no #GP for this unknown MSR)
  CHECK rdmsr-trapped-eax, %eax, $0x9abcdef0
  CHECK rdmsr-trapped-edx, %edx, $0x12345678
  movl $0x4b564d01, %ecx
  movl $0x600dcafe, %eax
  movl $0x77, %edx
  wrmsr                        // handler: records edx:eax, sets ebx = 0x5ca1ab1e
  CHECK wrmsr-trapped-ebx, %ebx, $0x5ca1ab1e
  movw $0x510, %dx
  inl %dx, %eax                // handler: eax = 0x1f1f1f1f
  CHECK in-trapped, %eax, $0x1f1f1f1f
  movl $0x0badf00d, %eax
  movw $0x511, %dx
  movl $0, %esi
  outl %eax, %dx               // handler: records the value, esi = 0x0c0c
  CHECK out-trapped, %esi, $0x0c0c
  .globl trap_hlt
trap_hlt:
  hlt                          // handler: esi = 0x4a4a, skipped
  CHECK hlt-trapped, %esi, $0x4a4a
  movl $0, %eax
  vmcall                       // handler: eax = 0x11 (a hypercall result)
  CHECK vmcall-trapped, %eax, $0x11
  int $0x99                    // handler: eax = 0x99 (no IDT gate exists for 0x99)
  CHECK int-trapped, %eax, $0x99
  .globl trap_stop
  movl $0x40000001, %eax
trap_stop:
  cpuid                        // handler: Stop; the test sets eax = 0x777, skips the instruction, runs on
  CHECK cpuid-stop-then-resume, %eax, $0x777

  // SYSCALL in 64-bit mode with EFER.SCE=1: the handler emulates it (rax = 0x5c) instead of LSTAR.
  GO_LONG traps64
  .code64
traps64:
  movl $MSR_EFER, %ecx
  rdmsr
  orl $EFER_SCE, %eax
  wrmsr
  movl $MSR_LSTAR, %ecx
  movl $syscall_native, %eax
  xorl %edx, %edx
  wrmsr
  xorl %eax, %eax
  syscall
  CHECKQ syscall-trapped, %rax, $0x5c
  DONE64

syscall_native:
  PUTS64 "not ok syscall-ran-natively\n"
  cli
  hlt
