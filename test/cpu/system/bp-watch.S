// Target for the emulator's own breakpoints, memory watches, exception intercepts and code patching by
// the debugger (driven from bp-watch.test.ts; the image's checks hold only with that driver).
#include "rt.inc"

#define NP      PG(1)
#define ALIASVA 0x80000000     // 4 MiB page → physical 0

  .globl bp_loop, ext_bp, ext_fn, wvar, rvar, vvar, after_wwrite, after_rread, after_valias, after_vdirect
  .globl pf_site, counter

main32:
  PUTS "# bp-watch\n"
  call build_pt_2level
  andl $~PTE_P, PTE32(NP)
  movl $0|PTE_P|PTE_RW|PTE_US|PTE_PS, pd2+(ALIASVA >> 22)*4
  movl %cr4, %eax
  orl $CR4_PSE, %eax
  movl %eax, %cr4
  movl $pd2, %eax
  movl %eax, %cr3
  movl %cr0, %eax
  orl $CR0_PG, %eax
  movl %eax, %cr0

  movl $3, %ecx
1:
bp_loop:
  incl counter
  decl %ecx
  jnz 1b
  CHECK loop-ran-three-times, counter, $3

  call ext_fn                  // decoded once with imm 1
ext_bp:
  nop                          // the driver stops here and patches ext_fn's immediate to 2
  call ext_fn
  CHECK debugger-patch-visible, %eax, $2

  movl $0x1234, wvar
after_wwrite:
  movl rvar, %eax
after_rread:
  movl $0x5678, ALIASVA+vvar
after_valias:
  movl $0x9abc, vvar
after_vdirect:
  CHECK watched-writes-landed, vvar, $0x9abc

  movl $0xffffffff, last_vec
  movl $pf_fix, fixup_ip
pf_site:
  movl $1, NP+0x40
pf_fix:
  movl $0, fixup_ip
  CHECK intercepted-pf-then-delivered, last_vec, $14
  CHECK intercepted-pf-err, last_err, $PF_W
  CHECK intercepted-pf-delivered-once, exc_count, $1
  DONE32

ext_fn:
  movl $1, %eax
  ret

  .data
  .balign 64
counter: .long 0
  .balign 64
wvar: .long 0
  .balign 64
rvar: .long 0x4242
  .balign 64
vvar: .long 0
