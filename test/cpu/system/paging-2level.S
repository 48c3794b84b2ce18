// 32-bit 2-level paging with CR4.PSE: #PF error codes and CR2 (not present, write to read-only with and
// without CR0.WP, user access to supervisor pages, fetch, split access), A/D bits in PTE and 4 MiB PDE,
// a non-identity 4 MiB page, a reserved-bit fault, and INVLPG / CR3 reload making a changed PTE visible.
#include "rt.inc"

#define NP      PG(1)   // not present; PG(0) before it is present (split accesses)
#define RO      PG(2)   // read-only
#define SUP     PG(3)   // supervisor-only
#define ALIAS   PG(4)   // remapped to DATA1 / DATA2
#define DATA1   PG(5)
#define DATA2   PG(6)
#define ADPAGE  PG(7)
#define BIG_VA     0x80000000   // PDE 512: 4 MiB page → physical 0
#define RSVD_VA    0x80400000   // PDE 513: 4 MiB page with reserved bit 21 set
#define NOPDE_VA   0xC0000000   // PDE 768: not present

main32:
  PUTS "# paging-2level\n"
  call build_pt_2level
  andl $~PTE_P, PTE32(NP)
  andl $~PTE_RW, PTE32(RO)
  andl $~PTE_US, PTE32(SUP)
  movl $DATA1|PTE_P|PTE_RW|PTE_US, PTE32(ALIAS)
  movl $0|PTE_P|PTE_RW|PTE_US|PTE_PS, pd2+(BIG_VA >> 22)*4
  movl $0x400000|(1 << 21)|PTE_P|PTE_RW|PTE_US|PTE_PS, pd2+(RSVD_VA >> 22)*4
  movl $0, pd2+(NOPDE_VA >> 22)*4
  movl $0x11111111, DATA1
  movl $0x22222222, DATA2
  movl $0xa5a5a5a5, PG(0)+0xffc

  movl %cr4, %eax
  orl $CR4_PSE, %eax
  movl %eax, %cr4
  movl $pd2, %eax
  movl %eax, %cr3
  movl %cr0, %eax
  orl $CR0_PG, %eax
  movl %eax, %cr0
  movl %cr0, %eax
  CHECKM paging-enabled, %eax, $CR0_PG, $CR0_PG

  // Not present: read, write, fetch. The destination register is untouched by a faulting load.
  movl $0x5555, %eax
  TRY movl NP+0x10, %eax
  CHECK pf-np-read-vec, last_vec, $14
  CHECK pf-np-read-err, last_err, $0
  CHECK pf-np-read-cr2, last_cr2, $NP+0x10
  CHECK pf-np-read-eip, last_ip, try_ip
  CHECK pf-np-read-keeps-dest, %eax, $0x5555
  TRY movl $1, NP+0x20
  CHECK pf-np-write-err, last_err, $PF_W
  CHECK pf-np-write-cr2, last_cr2, $NP+0x20
  movl $NP, %eax
  TRY jmp *%eax
  CHECK pf-np-fetch-vec, last_vec, $14
  CHECK pf-np-fetch-err, last_err, $0          // I/D is only reported with PAE+NXE or SMEP
  CHECK pf-np-fetch-cr2, last_cr2, $NP
  CHECK pf-np-fetch-eip, last_ip, $NP
  TRY movl $0, NOPDE_VA+0x123
  CHECK pf-pde-np-err, last_err, $PF_W
  CHECK pf-pde-np-cr2, last_cr2, $NOPDE_VA+0x123

  // A dword write straddling into the missing page faults with CR2 = first byte of that page and
  // writes nothing.
  TRY movl $0xdeadbeef, NP-2
  CHECK pf-split-write-err, last_err, $PF_W
  CHECK pf-split-write-cr2, last_cr2, $NP
  CHECK pf-split-write-nothing-written, PG(0)+0xffc, $0xa5a5a5a5

  // Read-only page at CPL 0: faults only with CR0.WP=1, and a faulting write does not set D.
  andl $~(PTE_A|PTE_D), PTE32(RO)
  invlpg RO
  movl %cr0, %eax
  orl $CR0_WP, %eax
  movl %eax, %cr0
  TRY movl $0x1234, RO+8
  CHECK pf-wp-write-vec, last_vec, $14
  CHECK pf-wp-write-err, last_err, $(PF_P|PF_W)
  CHECK pf-wp-write-cr2, last_cr2, $RO+8
  CHECKM pf-wp-write-no-dirty, PTE32(RO), $PTE_D, $0
  movl %cr0, %eax
  andl $~CR0_WP, %eax
  movl %eax, %cr0
  TRY movl $0x1234, RO+8
  CHECK ro-write-without-wp-ok, last_vec, $0xffffffff
  CHECK ro-write-without-wp-stored, RO+8, $0x1234
  CHECKM ro-write-without-wp-dirty, PTE32(RO), $PTE_D, $PTE_D

  // CPL 3: supervisor page read/write, not-present read, read-only write (with WP=0: still a fault at CPL 3).
  movl $user_code, %eax
  call enter_user32
  CHECK user-sup-read-vec, r_sup_read_vec, $14
  CHECK user-sup-read-err, r_sup_read_err, $(PF_P|PF_U)
  CHECK user-sup-read-cr2, r_sup_read_cr2, $SUP+4
  CHECK user-sup-write-err, r_sup_write_err, $(PF_P|PF_W|PF_U)
  CHECK user-np-read-err, r_np_read_err, $PF_U
  CHECK user-ro-write-err, r_ro_write_err, $(PF_P|PF_W|PF_U)
  CHECK user-ro-read-ok, r_ro_read, $0x1234
  CHECK user-fault-saved-cs, r_fault_cs, $UCODE32|3

  // Accessed and dirty bits: 4 KiB PTE, its PDE, and a 4 MiB PDE.
  andl $~(PTE_A|PTE_D), PTE32(ADPAGE)
  andl $~PTE_A, pd2
  movl $pd2, %eax
  movl %eax, %cr3
  movl ADPAGE, %eax
  CHECKM ad-pte-read-sets-a-only, PTE32(ADPAGE), $(PTE_A|PTE_D), $PTE_A
  CHECKM ad-pde-read-sets-a, pd2, $PTE_A, $PTE_A
  movl %eax, ADPAGE
  CHECKM ad-pte-write-sets-d, PTE32(ADPAGE), $(PTE_A|PTE_D), $(PTE_A|PTE_D)
  andl $~(PTE_A|PTE_D), pd2+4
  invlpg 0x400000
  movl 0x400000, %eax
  CHECKM ad-4m-read-sets-a-only, pd2+4, $(PTE_A|PTE_D), $PTE_A
  movl %eax, 0x400000
  CHECKM ad-4m-write-sets-d, pd2+4, $(PTE_A|PTE_D), $(PTE_A|PTE_D)

  // A 4 MiB page mapping virtual 0x80000000 to physical 0.
  movl BIG_VA+DATA1, %eax
  CHECK pse-4m-page-read, %eax, $0x11111111

  // Reserved bit 21 in a 4 MiB PDE.
  TRY movl RSVD_VA+0x40, %eax
  CHECK pf-rsvd-vec, last_vec, $14
  CHECK pf-rsvd-err, last_err, $(PF_P|PF_RSVD)
  CHECK pf-rsvd-cr2, last_cr2, $RSVD_VA+0x40

  // INVLPG and CR3 reload make a changed PTE visible.
  movl ALIAS, %eax
  CHECK alias-initial, %eax, $0x11111111
  movl $DATA2|PTE_P|PTE_RW|PTE_US, PTE32(ALIAS)
  invlpg ALIAS
  movl ALIAS, %eax
  CHECK invlpg-new-mapping, %eax, $0x22222222
  movl $DATA1|PTE_P|PTE_RW|PTE_US, PTE32(ALIAS)
  movl %cr3, %eax
  movl %eax, %cr3
  movl ALIAS, %eax
  CHECK cr3-reload-new-mapping, %eax, $0x11111111

  // Unmapping the page under a faulting handler path: make NP present and retry the read.
  orl $PTE_P, PTE32(NP)
  movl $0x77, NP+0x10
  TRY movl NP+0x10, %eax
  CHECK np-after-mapping-ok, last_vec, $0xffffffff
  CHECK np-after-mapping-value, %eax, $0x77
  DONE32

user_code:
  TRY movl SUP+4, %eax
  movl last_vec, %eax
  movl %eax, r_sup_read_vec
  movl last_err, %eax
  movl %eax, r_sup_read_err
  movl last_cr2, %eax
  movl %eax, r_sup_read_cr2
  movl last_cs, %eax
  movl %eax, r_fault_cs
  TRY movl %eax, SUP+4
  movl last_err, %eax
  movl %eax, r_sup_write_err
  TRY movl NP+4, %eax
  movl last_err, %eax
  movl %eax, r_np_read_err
  TRY movl %eax, RO+12
  movl last_err, %eax
  movl %eax, r_ro_write_err
  movl RO+8, %eax
  movl %eax, r_ro_read
  int $USER_EXIT_VEC

  .data
r_sup_read_vec: .long 0
r_sup_read_err: .long 0
r_sup_read_cr2: .long 0
r_sup_write_err: .long 0
r_np_read_err: .long 0
r_ro_write_err: .long 0
r_ro_read: .long 0
r_fault_cs: .long 0
