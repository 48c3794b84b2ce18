// Debug exceptions: TF single-step (one #DB per instruction, DR6.BS, not after the POPF that sets TF, the
// MOV SS shadow), DR0 instruction breakpoints (fault before execution, DR6.B0, RF to resume), DR1 write and
// DR2 read/write watchpoints (trap after the access, DR6.Bn), DR7.GD, INT1, DR4/DR5 aliasing under CR4.DE.
// #DB events are recorded by db_hook: EIP, DR6 and the handler's EFLAGS per event.
#include "rt.inc"

#define DR7_L0 0x1
#define DR7_L1 0x4
#define DR7_L2 0x10
#define DR7_GD 0x2000
#define DR6_BD 0x2000
#define DR7_W1_LEN4 ((1 << 20) | (3 << 22))
#define DR7_RW2_LEN4 ((3 << 24) | (3 << 26))

.macro DB_RESET
  movl $0, db_count
  xorl %eax, %eax
  movl %eax, %dr6
.endm

main32:
  PUTS "# debug\n"
  movl $db_hook, exc_hook

  // Single-step over nop, nop, mov, pushf, and, popf (TF set by the first popf, cleared by the last).
  DB_RESET
  pushfl
  orl $FL_TF, (%esp)
  popfl
ss1: nop
ss2: nop
ss3: movl $1, %eax
ss4: pushfl
  andl $~FL_TF, (%esp)
  popfl
ss_end:
  CHECK tf-step-count, db_count, $6
  CHECK tf-first-trap-after-first-nop, db_eips+0, $ss2
  CHECK tf-second-trap, db_eips+4, $ss3
  CHECK tf-third-trap, db_eips+8, $ss4
  CHECK tf-last-trap-after-clearing-popf, db_eips+20, $ss_end
  CHECKM tf-dr6-bs, db_dr6s+0, $(DR6_BS|0xf), $DR6_BS
  CHECKM tf-handler-runs-without-tf, db_hflags+0, $FL_TF, $0
  pushfl
  popl %eax
  CHECKM tf-clear-after, %eax, $FL_TF, $0

  // MOV SS inhibits the single-step trap for one instruction: no trap at ms2.
  DB_RESET
  movw %ss, %bx
  pushfl
  orl $FL_TF, (%esp)
  popfl
ms0: nop
ms1: movw %bx, %ss
ms2: nop
ms3: pushfl
  andl $~FL_TF, (%esp)
  popfl
  CHECK mov-ss-shadow-first-trap, db_eips+0, $ms1
  CHECK mov-ss-shadow-next-trap-after-following-insn, db_eips+4, $ms3

  // DR0 execute breakpoint: fault before the instruction, twice around a loop; the handler sets RF.
  DB_RESET
  movl $bp_target, %eax
  movl %eax, %dr0
  movl $DR7_L0, %eax
  movl %eax, %dr7
  xorl %ebx, %ebx
  movl $2, %ecx
1:
bp_target:
  incl %ebx
  decl %ecx
  jnz 1b
  xorl %eax, %eax
  movl %eax, %dr7
  CHECK dr0-exec-hits, db_count, $2
  CHECK dr0-exec-eip-is-target, db_eips+0, $bp_target
  CHECK dr0-exec-second-eip, db_eips+4, $bp_target
  CHECKM dr0-exec-dr6-b0, db_dr6s+0, $(DR6_BS|0xf), $DR6_B0
  CHECK dr0-exec-rf-resumes-instruction, %ebx, $2

  // DR1 write watchpoint on a dword: traps after the writing instruction; reads do not trigger.
  DB_RESET
  movl $watch_var, %eax
  movl %eax, %dr1
  movl $DR7_L1|DR7_W1_LEN4, %eax
  movl %eax, %dr7
  movl $5, watch_var
w1_after:
  movl watch_var, %eax
  movb $1, watch_var+2
w2_after:
  movl $0, watch_var+4
  xorl %eax, %eax
  movl %eax, %dr7
  CHECK dr1-write-hits, db_count, $2
  CHECK dr1-write-trap-eip-after, db_eips+0, $w1_after
  CHECKM dr1-write-dr6-b1, db_dr6s+0, $(DR6_BS|0xf), $DR6_B1
  CHECK dr1-write-value-stored-before-trap, db_vals+0, $5
  CHECK dr1-overlapping-byte-write-eip, db_eips+4, $w2_after

  // DR2 read/write watchpoint: a read traps.
  DB_RESET
  movl $watch_var2, %eax
  movl %eax, %dr2
  movl $DR7_L2|DR7_RW2_LEN4, %eax
  movl %eax, %dr7
  movl watch_var2, %eax
r1_after:
  xorl %eax, %eax
  movl %eax, %dr7
  CHECK dr2-read-hits, db_count, $1
  CHECK dr2-read-trap-eip-after, db_eips+0, $r1_after
  CHECKM dr2-read-dr6-b2, db_dr6s+0, $(DR6_BS|0xf), $DR6_B2

  // DR7.GD: the next MOV DR faults with DR6.BD and GD cleared.
  movl $0, exc_hook
  movl $DR7_GD, %eax
  movl %eax, %dr7
  TRY movl %eax, %dr0
  CHECK dr7-gd-db, last_vec, $1
  CHECK dr7-gd-eip-is-mov, last_ip, try_ip
  movl %dr6, %eax
  CHECKM dr7-gd-dr6-bd, %eax, $DR6_BD, $DR6_BD
  movl %dr7, %eax
  CHECKM dr7-gd-cleared, %eax, $DR7_GD, $0

  // INT1 (icebp) is a trap with EIP after it.
#ifndef QEMU_QUIRKS   // QEMU 7.2 TCG raises #UD for INT1
  TRYR .byte 0xf1
  CHECK int1-vec, last_vec, $1
  CHECK int1-eip-after, last_ip, after_ip
#endif

  // DR4/DR5 alias DR6/DR7 while CR4.DE=0 and are #UD with CR4.DE=1.
  movl $DR7_L0, %eax
  movl %eax, %dr7
  movl %dr5, %eax
  CHECKM dr5-aliases-dr7, %eax, $0xff, $DR7_L0
  xorl %eax, %eax
  movl %eax, %dr7
  movl %cr4, %eax
  orl $CR4_DE, %eax
  movl %eax, %cr4
  TRY movl %dr4, %eax
  CHECK dr4-with-cr4-de-ud, last_vec, $6
  DONE32

// exc_hook for #DB: record, clear DR6, set RF after an instruction breakpoint, resume.
db_hook:
  movl 4(%esp), %edx
  cmpl $1, 32(%edx)
  jne 9f
  movl db_count, %ecx
  cmpl $16, %ecx
  jae 8f
  movl 40(%edx), %eax
  movl %eax, db_eips(,%ecx,4)
  movl %dr6, %eax
  movl %eax, db_dr6s(,%ecx,4)
  pushfl
  popl %eax
  movl %eax, db_hflags(,%ecx,4)
  movl watch_var, %eax
  movl %eax, db_vals(,%ecx,4)
8:
  incl db_count
  movl %dr6, %eax
  testl $0xf, %eax
  jz 7f
  testl $DR6_B0, %eax
  jz 7f
  orl $FL_RF, 48(%edx)
7:
  xorl %eax, %eax
  movl %eax, %dr6
  movl $1, %eax
  ret
9:
  xorl %eax, %eax
  ret

  .data
  .balign 8
watch_var: .long 0, 0
watch_var2: .long 0x77
db_count: .long 0
db_vals: .fill 16, 4, 0
db_eips: .fill 16, 4, 0
db_dr6s: .fill 16, 4, 0
db_hflags: .fill 16, 4, 0
