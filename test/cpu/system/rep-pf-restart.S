// Precise #PF inside REP string instructions: the handler sees ECX/ESI/EDI of the faulting iteration,
// maps the page and irets to the same REP instruction, which completes the remaining iterations.
// Covers movsb (destination fault), movsl (source fault), std+stosb (downwards), repne scasb.
#include "rt.inc"

#define SRC   PG(0)
#define NPA   PG(2)    // PG(1) present before it
#define NPB   PG(4)
#define DST   PG(5)
#define NPC   PG(7)    // PG(8) present above it
#define NPD   PG(10)

main32:
  PUTS "# rep-pf-restart\n"
  call build_pt_2level
  andl $~PTE_P, PTE32(NPA)
  andl $~PTE_P, PTE32(NPB)
  andl $~PTE_P, PTE32(NPC)
  andl $~PTE_P, PTE32(NPD)
  movl %cr4, %eax
  orl $CR4_PSE, %eax
  movl %eax, %cr4
  movl $pd2, %eax
  movl %eax, %cr3
  movl %cr0, %eax
  orl $CR0_PG, %eax
  movl %eax, %cr0
  // SRC[i] = i for i < 256
  xorl %ecx, %ecx
1:
  movb %cl, SRC(%ecx)
  incl %ecx
  cmpl $256, %ecx
  jb 1b
  movl $pf_hook, exc_hook

  // A: destination faults at iteration 10.
  movl $0, pf_count
  movl $SRC, %esi
  movl $NPA-10, %edi
  movl $100, %ecx
rep_a:
  rep movsb
  CHECK movsb-pf-count, pf_count, $1
  CHECK movsb-pf-err, pf_err, $PF_W
  CHECK movsb-pf-cr2, pf_cr2, $NPA
  CHECK movsb-pf-eip-is-rep, pf_eip, $rep_a
  CHECK movsb-pf-ecx, pf_ecx, $90
  CHECK movsb-pf-esi, pf_esi, $SRC+10
  CHECK movsb-pf-edi, pf_edi, $NPA
  CHECK movsb-done-ecx, %ecx, $0
  CHECK movsb-done-esi, %esi, $SRC+100
  CHECK movsb-done-edi, %edi, $NPA+90
  movzbl NPA-1, %eax
  CHECK movsb-byte-before-page, %eax, $9
  movzbl NPA+89, %eax
  CHECK movsb-last-byte, %eax, $99

  // B: source faults on the third dword.
  movl $0, pf_count
  movl $0x01020304, NPB-8
  movl $0x05060708, NPB-4
  movl $NPB-8, %esi
  movl $DST, %edi
  movl $16, %ecx
  rep movsl
  CHECK movsl-pf-err, pf_err, $0
  CHECK movsl-pf-cr2, pf_cr2, $NPB
  CHECK movsl-pf-ecx, pf_ecx, $14
  CHECK movsl-pf-esi, pf_esi, $NPB
  CHECK movsl-pf-edi, pf_edi, $DST+8
  CHECK movsl-done-ecx, %ecx, $0
  CHECK movsl-copied-second-dword, DST+4, $0x05060708

  // C: stosb downwards (DF=1) from the page above into a missing page.
  movl $0, pf_count
  std
  movl $NPC+0x1003, %edi
  movl $10, %ecx
  movb $0xee, %al
  rep stosb
  cld
  CHECK stosb-down-pf-cr2, pf_cr2, $NPC+0xfff
  CHECK stosb-down-pf-ecx, pf_ecx, $6
  CHECK stosb-down-pf-edi, pf_edi, $NPC+0xfff
  CHECK stosb-down-done-edi, %edi, $NPC+0xff9
  movzbl NPC+0xffa, %eax
  CHECK stosb-down-last-byte, %eax, $0xee

  // D: repne scasb reaching into a missing page, then finding the byte there.
  movl $0, pf_count
  movl $NPD-3, %edi
  movl $100, %ecx
  movb $0x42, %al
  repne scasb
  pushfl
  popl %ebx
  CHECK scasb-pf-ecx, pf_ecx, $97
  CHECK scasb-pf-err, pf_err, $0
  CHECK scasb-found-ecx, %ecx, $91
  CHECK scasb-found-edi, %edi, $NPD+6
  CHECKM scasb-found-zf, %ebx, $0x40, $0x40
  DONE32

// #PF hook: record the registers at the fault, make the page present (writing 0x42 at offset 5 of it for
// test D first), and return to the faulting instruction.
pf_hook:
  movl 4(%esp), %edx
  cmpl $14, 32(%edx)
  jne 9f
  cmpl $0, pf_count
  jne 8f
  movl 36(%edx), %eax
  movl %eax, pf_err
  movl 40(%edx), %eax
  movl %eax, pf_eip
  movl 24(%edx), %eax
  movl %eax, pf_ecx
  movl 4(%edx), %eax
  movl %eax, pf_esi
  movl 0(%edx), %eax
  movl %eax, pf_edi
  movl %cr2, %eax
  movl %eax, pf_cr2
8:
  incl pf_count
  cmpl $10, pf_count
  ja 9f                        // give up: let the generic handler report it
  movl %cr2, %eax
  shrl $12, %eax
  orl $PTE_P, pt32(,%eax,4)
  shll $12, %eax
  invlpg (%eax)
  cmpl $NPD, %eax
  jne 7f
  movb $0x42, NPD+5
7:
  movl $1, %eax
  ret
9:
  xorl %eax, %eax
  ret

  .data
pf_count: .long 0
pf_err: .long 0
pf_eip: .long 0
pf_ecx: .long 0
pf_esi: .long 0
pf_edi: .long 0
pf_cr2: .long 0
