// Exception classes and #DF (64-bit, #DF on IST1): contributory during contributory → #DF, #PF during #PF
// delivery (bad stack) → #DF, contributory during #PF delivery → #DF, and benign-then-contributory handled
// serially (#NP with the IDT and EXT bits in its error code).
#include "rt.inc"

#define NP PG(1)

main32:
  PUTS "# double-fault\n"
  GO_LONG main64

  .code64
main64:
  andq $~PTE_P, PTE64(NP)
  movq %cr3, %rax
  movq %rax, %cr3
  movl $8, %eax
  movq $h_df, %rbx
  movl $0x8E, %ecx
  movl $1, %edx
  call set_gate64

  // #DE with a not-present #DE gate: #NP while delivering #DE → #DF(0).
  movb $0x0E, idt64+0*16+5
  movq $1f, df_resume
  movq %rsp, df_saved_rsp
  xorl %ecx, %ecx
  divl %ecx
1:
  movb $0x8E, idt64+0*16+5
  CHECKQ de-np-gate-df-count, df_count, $1
  CHECKQ de-np-gate-df-err, df_err, $0
  CHECKQ df-on-ist1, df_rsp, $ist1_top-48

  // #PF whose frame cannot be pushed (RSP in the not-present page): #PF during #PF → #DF, CR2 in the stack page.
  movq $1f, df_resume
  movq %rsp, df_saved_rsp
  movq $NP+0x1000, %rsp
  movq NP+0x10, %rax
1:
  CHECKQ pf-bad-stack-df-count, df_count, $2
  CHECKQ pf-bad-stack-df-err, df_err, $0
  CHECKMQ pf-bad-stack-cr2-in-stack-page, df_cr2, $~0xfff, $NP

  // #PF with a not-present #PF gate: #NP during #PF delivery → #DF.
  movb $0x0E, idt64+14*16+5
  movq $1f, df_resume
  movq %rsp, df_saved_rsp
  movq NP+0x10, %rax
1:
  movb $0x8E, idt64+14*16+5
  CHECKQ pf-np-gate-df-count, df_count, $3
  CHECKQ pf-np-gate-cr2, df_cr2, $NP+0x10

  // Benign then contributory is serial: #UD with a not-present gate → #NP(6*8 + IDT + EXT).
  movb $0x0E, idt64+6*16+5
  TRY64 ud2
  movb $0x8E, idt64+6*16+5
  CHECKQ ud-np-gate-vec, last_vec, $11
  CHECKQ ud-np-gate-err-idt-ext, last_err, $(6 << 3) | 3
  CHECKQ ud-np-gate-no-df, df_count, $3
  // A software int3 through a not-present gate: #NP(3*8 + IDT), EXT clear.
  movb $0x0E, idt64+3*16+5
  TRY64 int3
  movb $0x8E, idt64+3*16+5
  CHECKQ int3-np-gate-err, last_err, $(3 << 3) | 2
  // #GP then #PF is serial as well (contributory, then page fault): an int through a gate whose
  // handler is on a not-present page faults with #PF at the handler address.
  movl $0x90, %eax
  movq $NP+0x100, %rbx
  movl $0x8E, %ecx
  xorl %edx, %edx
  call set_gate64
  TRY64 int $0x90
  CHECKQ int-to-np-handler-pf, last_vec, $14
  CHECKQ int-to-np-handler-cr2, last_cr2, $NP+0x100
  CHECKQ int-to-np-handler-no-df, df_count, $3
  DONE64

h_df:
  movq %rsp, df_rsp
  movq (%rsp), %rax
  movq %rax, df_err
  incq df_count
  movq %cr2, %rax
  movq %rax, df_cr2
  movq df_saved_rsp, %rsp
  jmp *df_resume

  .data
  .balign 8
df_resume: .quad 0
df_saved_rsp: .quad 0
df_rsp: .quad 0
df_err: .quad 0
df_count: .quad 0
df_cr2: .quad 0
