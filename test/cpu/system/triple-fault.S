// Triple fault: with an empty IDT, #UD → #GP (IDT limit) → #DF → shutdown. The emulator must stop with a
// 'triple-fault' reason rather than loop or crash.
#include "rt.inc"

main32:
  PUTS "# triple-fault\n"
  PUTS "about to triple fault\n"
  lidt empty_idtr
  movl $0x7f7f7f7f, %eax      // marker for the register-state check
  .globl triple_here
triple_here:
  ud2
  PUTS "not ok survived-triple-fault\n"
  DONE32

  .data
  .balign 8
  .word 0, 0, 0
empty_idtr:
  .word 0
  .long 0
