// Self-modifying code: a store into the very next instruction, re-patching a function between calls
// (decoded-block caches must notice), patching an opcode so the instruction length changes, code copied
// with rep movsb and rewritten, and code written through a different virtual alias of the same page.
#include "rt.inc"

#define CODEBUF PG(0)
#define ALIASVA 0x80000000     // 4 MiB page → physical 0, so ALIASVA + CODEBUF aliases CODEBUF

main32:
  PUTS "# smc\n"
  // 1. The store targets the immediate of the next instruction.
  movb $0x42, patch1+1
patch1:
  movb $0x00, %al
  movzbl %al, %eax
  CHECK store-into-next-instruction, %eax, $0x42

  // 2. Re-patch a function that has already run (and may be cached).
  xorl %ebx, %ebx
  movl $3, %ecx
1:
  call fn
  addl %eax, %ebx
  incl fn+1
  decl %ecx
  jnz 1b
  CHECK repatched-function-sum, %ebx, $(1 + 2 + 3)

  // 3. Change an opcode so the instruction length changes: the 5-byte mov becomes a 2-byte jmp.
  call fn2
  CHECK length-change-before, %eax, $0x11111111
  movw $0x07eb, fn2               // jmp fn2+9 (over the old imm, ret and nop)
  call fn2
  CHECK length-change-after, %eax, $0x33
  // the loop above runs fn2 again several times to catch stale cached blocks
  xorl %ebx, %ebx
  movl $4, %ecx
1:
  call fn2
  addl %eax, %ebx
  decl %ecx
  jnz 1b
  CHECK length-change-stays, %ebx, $(4 * 0x33)

  // 4. Copy code into a buffer, run it, rewrite it with rep stosb + stores, run it again.
  movl $tmpl, %esi
  movl $CODEBUF, %edi
  movl $tmpl_end - tmpl, %ecx
  rep movsb
  call CODEBUF
  CHECK copied-code-runs, %eax, $0xc0de0001
  movl $CODEBUF, %edi
  movl $16, %ecx
  movb $0x90, %al
  rep stosb
  movb $0xb8, CODEBUF+16       // mov $0xc0de0002, %eax; ret
  movl $0xc0de0002, CODEBUF+17
  movb $0xc3, CODEBUF+21
  call CODEBUF
  CHECK rewritten-code-runs, %eax, $0xc0de0002

  // 5. Write through a virtual alias of the code page (paging on), execute through the original address.
  call build_pt_2level
  movl $0|PTE_P|PTE_RW|PTE_US|PTE_PS, pd2+(ALIASVA >> 22)*4
  movl %cr4, %eax
  orl $CR4_PSE, %eax
  movl %eax, %cr4
  movl $pd2, %eax
  movl %eax, %cr3
  movl %cr0, %eax
  orl $CR0_PG, %eax
  movl %eax, %cr0
  call CODEBUF
  CHECK before-alias-write, %eax, $0xc0de0002
  movl $0xc0de0003, ALIASVA+CODEBUF+17
  call CODEBUF
  CHECK alias-write-visible-to-fetch, %eax, $0xc0de0003
  DONE32

fn:
  movl $1, %eax
  ret

fn2:
  movl $0x11111111, %eax
  ret
  .byte 0x0f, 0x1f, 0x00     // 3-byte nop (skipped after patching)
  movl $0x33, %eax
  ret

tmpl:
  movl $0xc0de0001, %eax
  ret
tmpl_end:
