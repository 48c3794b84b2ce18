// 4-level paging in 64-bit mode: #PF error codes and 64-bit CR2 (not present at PTE and PML4E level, WP,
// U/S and R/W from upper levels, NX with the I/D bit), reserved-bit faults (PML4E.PS, bit MAXPHYADDR),
// accessed bits at every level and dirty in the leaf, a high-half alias, INVLPG.
#include "rt.inc"

#define NP      PG(1)
#define RO      PG(2)
#define SUP     PG(3)
#define ALIAS   PG(4)
#define DATA1   PG(5)
#define DATA2   PG(6)
#define ADPAGE  PG(7)
#define XPAGE   PG(8)
#define RSVPAGE PG(9)
#define HIGH_VA   0xffff800000000000   // PML4[256] → the same PDPT as PML4[0]
#define NOPML4_VA 0x00007f0000001234   // PML4[254] not present
#define PSPML4_VA 0x0000008000000040   // PML4[1] with PS (reserved) set
#define NOUSER_VA 0x0000010000000000   // PML4[2] without U/S
#define NORW_VA   0x0000018000000000   // PML4[3] without R/W

main32:
  PUTS "# paging-4level\n"
  GO_LONG main64

  .code64
main64:
  movl $0x80000008, %eax
  cpuid
  movzbl %al, %eax
  movq %rax, maxphyaddr
  movl $MSR_EFER, %ecx
  rdmsr
  orl $EFER_NXE, %eax
  wrmsr

  movq $pdpt4+(PTE_P|PTE_RW|PTE_US), %rax
  movq %rax, pml4+256*8
  movq $0, pml4+254*8
  movq $pdpt4+(PTE_P|PTE_RW|PTE_US|PTE_PS), %rax
  movq %rax, pml4+1*8
  movq $pdpt4+(PTE_P|PTE_RW), %rax
  movq %rax, pml4+2*8
  movq $pdpt4+(PTE_P|PTE_US), %rax
  movq %rax, pml4+3*8
  andq $~PTE_P, PTE64(NP)
  andq $~PTE_RW, PTE64(RO)
  andq $~PTE_US, PTE64(SUP)
  movq $DATA1|PTE_P|PTE_RW|PTE_US, PTE64(ALIAS)
  btsq $63, PTE64(XPAGE)
  movq %cr3, %rax
  movq %rax, %cr3
  movl $0x11111111, DATA1
  movl $0x22222222, DATA2
  movb $0xc3, XPAGE
  movl $0x99999999, XPAGE+8

  movq $0x5555, %rax
  TRY64 movq NP+0x10, %rax
  CHECKQ pf-np-read-vec, last_vec, $14
  CHECKQ pf-np-read-err, last_err, $0
  CHECKQ pf-np-read-cr2, last_cr2, $NP+0x10
  CHECKQ pf-np-read-rip, last_ip, try_ip
  CHECKQ pf-np-read-keeps-dest, %rax, $0x5555
  TRY64 movq $1, NP+0x20
  CHECKQ pf-np-write-err, last_err, $PF_W
  movq $NP, %rax
  TRY64 jmp *%rax
  CHECKQ pf-np-fetch-err, last_err, $PF_I
  CHECKQ pf-np-fetch-rip, last_ip, $NP

  movabs $NOPML4_VA, %rbx
  TRY64 movq %rax, (%rbx)
  CHECKQ pf-pml4e-np-err, last_err, $PF_W
  CHECKQ pf-pml4e-np-cr2-64bit, last_cr2, %rbx
  movabs $PSPML4_VA, %rbx
  TRY64 movq (%rbx), %rax
  CHECKQ pf-pml4e-ps-rsvd-err, last_err, $(PF_P|PF_RSVD)
  CHECKQ pf-pml4e-ps-rsvd-cr2, last_cr2, %rbx
  movq maxphyaddr, %rcx
  movl $1, %eax
  shlq %cl, %rax
  orq %rax, PTE64(RSVPAGE)
  TRY64 movq RSVPAGE, %rax
  CHECKQ pf-maxphyaddr-rsvd-err, last_err, $(PF_P|PF_RSVD)

  movabs $HIGH_VA+DATA1, %rbx
  movl (%rbx), %eax
  CHECKQ high-half-alias-read, %rax, $0x11111111

  movl XPAGE+8, %eax
  CHECKQ nx-page-data-read-ok, %rax, $0x99999999
  TRY64 call XPAGE
  CHECKQ pf-nx-fetch-err, last_err, $(PF_P|PF_I)
  CHECKQ pf-nx-fetch-cr2, last_cr2, $XPAGE
  CHECKQ pf-nx-fetch-rip, last_ip, $XPAGE

  movq %cr0, %rax
  orq $CR0_WP, %rax
  movq %rax, %cr0
  TRY64 movl $0x1234, RO+8
  CHECKQ pf-wp-write-err, last_err, $(PF_P|PF_W)
  movabs $NORW_VA+DATA1, %rbx
  TRY64 movl $0x1234, (%rbx)
  CHECKQ pf-wp-pml4e-rw-err, last_err, $(PF_P|PF_W)
  CHECKQ pf-wp-pml4e-rw-cr2, last_cr2, %rbx
  movq %cr0, %rax
  andq $~CR0_WP, %rax
  movq %rax, %cr0
  TRY64 movl $0x1234, RO+8
  CHECKQ ro-write-without-wp-ok, last_vec, $-1
  CHECKQ ro-write-without-wp-stored, RO+8, $0x1234

  movq $user_code, %rax
  call enter_user64
  CHECKQ user-sup-read-err, r_sup_read_err, $(PF_P|PF_U)
  CHECKQ user-sup-read-cr2, r_sup_read_cr2, $SUP+4
  CHECKQ user-ro-write-err, r_ro_write_err, $(PF_P|PF_W|PF_U)
  CHECKQ user-pml4e-sup-read-err, r_pml4_sup_err, $(PF_P|PF_U)
  CHECKQ user-nx-fetch-err, r_nx_fetch_err, $(PF_P|PF_U|PF_I)
  CHECKQ user-fault-saved-cs, r_fault_cs, $UCODE64|3

  andq $~(PTE_A|PTE_D), PTE64(ADPAGE)
  andq $~PTE_A, pd64
  andq $~PTE_A, pdpt4
  andq $~PTE_A, pml4
  movq %cr3, %rax
  movq %rax, %cr3
  movl ADPAGE, %eax
  CHECKMQ ad-pte-read-sets-a-only, PTE64(ADPAGE), $(PTE_A|PTE_D), $PTE_A
  CHECKMQ ad-pde-read-sets-a, pd64, $PTE_A, $PTE_A
  CHECKMQ ad-pdpte-read-sets-a, pdpt4, $PTE_A, $PTE_A
  CHECKMQ ad-pml4e-read-sets-a, pml4, $PTE_A, $PTE_A
  movl %eax, ADPAGE
  CHECKMQ ad-pte-write-sets-d, PTE64(ADPAGE), $(PTE_A|PTE_D), $(PTE_A|PTE_D)

  movl ALIAS, %eax
  CHECKQ alias-initial, %rax, $0x11111111
  movq $DATA2|PTE_P|PTE_RW|PTE_US, PTE64(ALIAS)
  invlpg ALIAS
  movl ALIAS, %eax
  CHECKQ invlpg-new-mapping, %rax, $0x22222222
  DONE64

user_code:
  TRY64 movl SUP+4, %eax
  movq last_err, %rax
  movq %rax, r_sup_read_err
  movq last_cr2, %rax
  movq %rax, r_sup_read_cr2
  movq last_cs, %rax
  movq %rax, r_fault_cs
  TRY64 movl %eax, RO+12
  movq last_err, %rax
  movq %rax, r_ro_write_err
  movabs $NOUSER_VA+DATA1, %rbx
  TRY64 movl (%rbx), %eax
  movq last_err, %rax
  movq %rax, r_pml4_sup_err
  TRY64 call XPAGE
  movq last_err, %rax
  movq %rax, r_nx_fetch_err
  int $USER_EXIT_VEC

  .data
  .balign 8
maxphyaddr: .quad 0
r_sup_read_err: .quad 0
r_sup_read_cr2: .quad 0
r_ro_write_err: .quad 0
r_pml4_sup_err: .quad 0
r_nx_fetch_err: .quad 0
r_fault_cs: .quad 0
