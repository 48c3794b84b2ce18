// Port I/O at CPL 0: IN/OUT of each width (DX and imm8 forms), INS/OUTS with REP in both directions,
// unclaimed ports reading as all ones. The harness answers reads of TEST_PORT.. with a sequence
// (byte 0x40+n, word 0x4140+n, dword 0x43424140+n for the n-th read) and logs writes to other ports.
#include "rt.inc"

main32:
  PUTS "# io\n"
  movw $TEST_PORT, %dx
  inb %dx, %al
  movzbl %al, %eax
  CHECK inb-dx, %eax, $0x40
  inw %dx, %ax
  movzwl %ax, %eax
  CHECK inw-dx, %eax, $0x4141
  inl %dx, %eax
  CHECK inl-dx, %eax, $0x43424142
  movl $0xffffffff, %eax
  inw %dx, %ax
  CHECK inw-keeps-upper-eax, %eax, $0xffff4143

  movl $buf, %edi
  movl $4, %ecx
  rep insb
  CHECK rep-insb-bytes, buf, $0x47464544
  CHECK rep-insb-edi, %edi, $buf+4
  CHECK rep-insb-ecx, %ecx, $0
  movl $buf+8, %edi
  movl $2, %ecx
  rep insw
  CHECK rep-insw-words, buf+8, $0x41494148
  std
  movl $buf+19, %edi
  movl $2, %ecx
  rep insb
  cld
  CHECK rep-insb-backwards-edi, %edi, $buf+17
  movzwl buf+18, %eax
  CHECK rep-insb-backwards-bytes, %eax, $0x4a4b

  inb $0x7f, %al
  movzbl %al, %eax
  CHECK inb-unclaimed-all-ones, %eax, $0xff
  movw $0x7e, %dx
  inl %dx, %eax
  CHECK inl-unclaimed-all-ones, %eax, $0xffffffff

  // Writes: the test checks the log (TEST_PORT+1: "abc" by rep outsb, TEST_PORT+2: two words by rep
  // outsw, 0x80: one dword by out imm8, TEST_PORT+3: backwards outsb "cb").
  movw $TEST_PORT+1, %dx
  movl $text_abc, %esi
  movl $3, %ecx
  rep outsb
  CHECK rep-outsb-esi, %esi, $text_abc+3
  movw $TEST_PORT+2, %dx
  movl $words, %esi
  movl $2, %ecx
  rep outsw
  movl $0xcafef00d, %eax
  outl %eax, $0x80
  std
  movw $TEST_PORT+3, %dx
  movl $text_abc+2, %esi
  movl $2, %ecx
  rep outsb
  cld
  CHECK rep-outsb-backwards-esi, %esi, $text_abc
  DONE32

  .data
text_abc: .ascii "abc"
  .balign 4
words: .word 0x1234, 0xabcd
buf: .fill 32, 1, 0
