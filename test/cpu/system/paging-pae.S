// 32-bit PAE paging: #PF error codes and CR2 (not present, WP, U/S, NX fetch with EFER.NXE, I/D bit),
// reserved-bit faults (XD without NXE, above MAXPHYADDR, 2 MiB PDE bits 20:13), PDPTE reserved bits
// checked at MOV CR3 (at the end), A/D bits, a non-identity 2 MiB page, INVLPG.
#include "rt.inc"

#define NP      PG(1)
#define RO      PG(2)
#define SUP     PG(3)
#define ALIAS   PG(4)
#define DATA1   PG(5)
#define DATA2   PG(6)
#define ADPAGE  PG(7)
#define XPAGE   PG(8)   // execute-disable
#define RSVPAGE PG(9)   // PTE gets reserved bits
#define BIG_VA   0x0c800000   // PD[100]: 2 MiB page → physical 2 MiB (the scratch pages)
#define RSVD_VA  0x0ca00000   // PD[101]: 2 MiB page with reserved bit 13

main32:
  PUTS "# paging-pae\n"
  movl $0x80000001, %eax
  cpuid
  CHECKM cpuid-nx, %edx, $(1 << 20), $(1 << 20)
  movl $1, %eax
  cpuid
  CHECKM cpuid-pae, %edx, $(1 << 6), $(1 << 6)
  movl $0x80000008, %eax
  cpuid
  movzbl %al, %eax
  movl %eax, maxphyaddr

  call build_pt_pae
  andl $~PTE_P, PTE64(NP)
  andl $~PTE_RW, PTE64(RO)
  andl $~PTE_US, PTE64(SUP)
  movl $DATA1|PTE_P|PTE_RW|PTE_US, PTE64(ALIAS)
  orl $0x80000000, PTE64(XPAGE)+4
  movl $0x200000|PTE_P|PTE_RW|PTE_US|PTE_PS, pd64+(BIG_VA >> 21)*8
  movl $0x200000|(1 << 13)|PTE_P|PTE_RW|PTE_US|PTE_PS, pd64+(RSVD_VA >> 21)*8
  movl $0x11111111, DATA1
  movl $0x22222222, DATA2
  movb $0xc3, XPAGE          // ret
  movl $0x99999999, XPAGE+8

  // A PDPTE with a reserved bit (RW is reserved in PAE PDPTEs) makes MOV CR3 fault once PAE paging is on.
  movl %cr4, %eax
  orl $CR4_PAE, %eax
  movl %eax, %cr4
  movl $pdpt_pae, %eax
  movl %eax, %cr3
  movl %cr0, %eax
  orl $CR0_PG, %eax
  movl %eax, %cr0
  CHECK pae-paging-on, NP-4, $0

  movl $0x5555, %eax
  TRY movl NP+0x10, %eax
  CHECK pf-np-read-vec, last_vec, $14
  CHECK pf-np-read-err, last_err, $0
  CHECK pf-np-read-cr2, last_cr2, $NP+0x10
  CHECK pf-np-read-eip, last_ip, try_ip
  CHECK pf-np-read-keeps-dest, %eax, $0x5555
  TRY movl $1, NP+0x20
  CHECK pf-np-write-err, last_err, $PF_W

  // XD bit while EFER.NXE=0 is a reserved bit.
  TRY movl XPAGE+8, %eax
  CHECK pf-xd-without-nxe-rsvd-err, last_err, $(PF_P|PF_RSVD)
  CHECK pf-xd-without-nxe-cr2, last_cr2, $XPAGE+8

  movl $MSR_EFER, %ecx
  rdmsr
  orl $EFER_NXE, %eax
  wrmsr
  movl XPAGE+8, %eax
  CHECK nx-page-data-read-ok, %eax, $0x99999999
  TRY call XPAGE
  CHECK pf-nx-fetch-vec, last_vec, $14
  CHECK pf-nx-fetch-err, last_err, $(PF_P|PF_I)
  CHECK pf-nx-fetch-cr2, last_cr2, $XPAGE
  CHECK pf-nx-fetch-eip, last_ip, $XPAGE
  movl $NP, %eax
  TRY jmp *%eax
  CHECK pf-np-fetch-err-with-nxe, last_err, $PF_I
  andl $0x7fffffff, PTE64(XPAGE)+4
  invlpg XPAGE
  movl $0, %eax
  call XPAGE
  CHECK x-page-executes-after-clearing-xd, %eax, $0

  // Reserved bits: a PTE bit at MAXPHYADDR, and bit 13 of a 2 MiB PDE.
  movl maxphyaddr, %ecx
  subl $32, %ecx
  movl $1, %eax
  shll %cl, %eax
  orl %eax, PTE64(RSVPAGE)+4
  TRY movl $7, RSVPAGE
  CHECK pf-maxphyaddr-rsvd-err, last_err, $(PF_P|PF_W|PF_RSVD)
  CHECK pf-maxphyaddr-rsvd-cr2, last_cr2, $RSVPAGE
  TRY movl RSVD_VA+0x80, %eax
  CHECK pf-2m-rsvd-err, last_err, $(PF_P|PF_RSVD)
  CHECK pf-2m-rsvd-cr2, last_cr2, $RSVD_VA+0x80
  movl BIG_VA+DATA1-0x200000, %eax
  CHECK pae-2m-page-read, %eax, $0x11111111

  // WP at CPL 0.
  movl %cr0, %eax
  orl $CR0_WP, %eax
  movl %eax, %cr0
  TRY movl $0x1234, RO+8
  CHECK pf-wp-write-err, last_err, $(PF_P|PF_W)
  CHECK pf-wp-write-cr2, last_cr2, $RO+8
  movl %cr0, %eax
  andl $~CR0_WP, %eax
  movl %eax, %cr0
  TRY movl $0x1234, RO+8
  CHECK ro-write-without-wp-ok, last_vec, $0xffffffff
  CHECK ro-write-without-wp-stored, RO+8, $0x1234

  orl $0x80000000, PTE64(XPAGE)+4
  invlpg XPAGE
  movl $user_code, %eax
  call enter_user32
  CHECK user-sup-read-err, r_sup_read_err, $(PF_P|PF_U)
  CHECK user-sup-read-cr2, r_sup_read_cr2, $SUP+4
  CHECK user-sup-write-err, r_sup_write_err, $(PF_P|PF_W|PF_U)
  CHECK user-ro-write-err, r_ro_write_err, $(PF_P|PF_W|PF_U)
  CHECK user-nx-fetch-err, r_nx_fetch_err, $(PF_P|PF_U|PF_I)

  andl $~(PTE_A|PTE_D), PTE64(ADPAGE)
  andl $~PTE_A, pd64
  movl %cr3, %eax
  movl %eax, %cr3
  movl ADPAGE, %eax
  CHECKM ad-pte-read-sets-a-only, PTE64(ADPAGE), $(PTE_A|PTE_D), $PTE_A
  CHECKM ad-pde-read-sets-a, pd64, $PTE_A, $PTE_A
  movl %eax, ADPAGE
  CHECKM ad-pte-write-sets-d, PTE64(ADPAGE), $(PTE_A|PTE_D), $(PTE_A|PTE_D)
  andl $~(PTE_A|PTE_D), pd64+(BIG_VA >> 21)*8
  invlpg BIG_VA
  movl BIG_VA, %eax
  CHECKM ad-2m-read-sets-a-only, pd64+(BIG_VA >> 21)*8, $(PTE_A|PTE_D), $PTE_A
  movl %eax, BIG_VA
  CHECKM ad-2m-write-sets-d, pd64+(BIG_VA >> 21)*8, $(PTE_A|PTE_D), $(PTE_A|PTE_D)

  movl ALIAS, %eax
  CHECK alias-initial, %eax, $0x11111111
  movl $DATA2|PTE_P|PTE_RW|PTE_US, PTE64(ALIAS)
  invlpg ALIAS
  movl ALIAS, %eax
  CHECK invlpg-new-mapping, %eax, $0x22222222

  // Last, because a core that accepts the bad PDPTE cannot translate anything afterwards.
  orl $PTE_RW, pdpt_pae
  movl $pdpt_pae, %eax
  TRY movl %eax, %cr3
  andl $~PTE_RW, pdpt_pae
  CHECK pdpte-rsvd-cr3-gp, last_vec, $13
  CHECK pdpte-rsvd-cr3-err, last_err, $0
  DONE32

user_code:
  TRY movl SUP+4, %eax
  movl last_err, %eax
  movl %eax, r_sup_read_err
  movl last_cr2, %eax
  movl %eax, r_sup_read_cr2
  TRY movl %eax, SUP+4
  movl last_err, %eax
  movl %eax, r_sup_write_err
  TRY movl %eax, RO+12
  movl last_err, %eax
  movl %eax, r_ro_write_err
  TRY call XPAGE
  movl last_err, %eax
  movl %eax, r_nx_fetch_err
  int $USER_EXIT_VEC

  .data
maxphyaddr: .long 0
r_sup_read_err: .long 0
r_sup_read_cr2: .long 0
r_sup_write_err: .long 0
r_ro_write_err: .long 0
r_nx_fetch_err: .long 0
