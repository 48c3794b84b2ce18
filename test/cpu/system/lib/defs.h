// Constants shared by the system-test images (C preprocessor: the images are .S files).
#ifndef DEFS_H
#define DEFS_H

// GDT layout. Chosen so that both SYSENTER/SYSEXIT (kcode, kdata, ucode32, udata consecutive)
// and SYSCALL/SYSRET (STAR.SYSCALL=KCODE64 → SS=KCODE64+8; STAR.SYSRET=UCODE32 → CS64=+16, SS=+8) work.
#define KCODE32 0x08
#define KDATA   0x10
#define UCODE32 0x18
#define UDATA   0x20
#define UCODE64 0x28
#define KCODE64 0x30
#define KDATA64 0x38
#define TSS_SEL 0x40
#define XSEL0   0x50   // spare slots 0x50..0x78 for per-test descriptors
#define XSEL1   0x58
#define XSEL2   0x60
#define XSEL3   0x68
#define XSEL4   0x70
#define XSEL5   0x78

#define USER_EXIT_VEC 0x7f   // DPL3 gate that returns from enter_user*
#define FIXUP_RESUME  1      // fixup_ip value meaning "iret to the saved instruction pointer"

#define TSS_IOMAP_OFF 0x68
#define TSS_LIMIT     (0x68 + 0x2000)   // bitmap for all 65536 ports + the trailing 0xff byte

#define MSR_TSC         0x10
#define MSR_SYSENTER_CS  0x174
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176
#define MSR_EFER   0xC0000080
#define MSR_STAR   0xC0000081
#define MSR_LSTAR  0xC0000082
#define MSR_CSTAR  0xC0000083
#define MSR_SFMASK 0xC0000084
#define MSR_FS_BASE  0xC0000100
#define MSR_GS_BASE  0xC0000101
#define MSR_KGS_BASE 0xC0000102
#define MSR_TSC_AUX  0xC0000103

#define EFER_SCE 0x1
#define EFER_LME 0x100
#define EFER_LMA 0x400
#define EFER_NXE 0x800

#define CR0_PE 0x1
#define CR0_MP 0x2
#define CR0_TS 0x8
#define CR0_WP 0x10000
#define CR0_PG 0x80000000
#define CR4_DE  0x8
#define CR4_PSE 0x10
#define CR4_PAE 0x20
#define CR4_PGE 0x80

#define PTE_P  0x1
#define PTE_RW 0x2
#define PTE_US 0x4
#define PTE_A  0x20
#define PTE_D  0x40
#define PTE_PS 0x80
#define PTE_G  0x100

#define FL_CF 0x1
#define FL_TF 0x100
#define FL_IF 0x200
#define FL_DF 0x400
#define FL_OF 0x800
#define FL_IOPL3 0x3000
#define FL_NT 0x4000
#define FL_RF 0x10000
#define FL_AC 0x40000

#define DR6_B0 0x1
#define DR6_B1 0x2
#define DR6_B2 0x4
#define DR6_B3 0x8
#define DR6_BS 0x4000

#define PF_P 1
#define PF_W 2
#define PF_U 4
#define PF_RSVD 8
#define PF_I 0x10

// Scratch pages at fixed physical addresses (identity-mapped with 4 KiB pages), so PTE addresses are
// link-time constants: PTE32(PG(n)) / PTE64(PG(n)) from paging.inc. The image itself ends below 2 MiB.
#define TESTPAGES 0x200000
#define PG(n) (TESTPAGES + (n) * 0x1000)

#define DEBUGCON 0xE9
#define TEST_PORT 0x700   // the harness answers portIn here (see harness.ts) and logs portOut

// Offsets in user_regs64 (rt64's user_exit64 saves the ring-3 registers in push order).
#define U_R15 0
#define U_R14 8
#define U_R13 16
#define U_R12 24
#define U_R11 32
#define U_R10 40
#define U_R9  48
#define U_R8  56
#define U_RBP 64
#define U_RDI 72
#define U_RSI 80
#define U_RDX 88
#define U_RCX 96
#define U_RBX 104
#define U_RAX 112
// Offsets in user_regs (rt32's user_exit32 saves pushal's layout).
#define U_EDI 0
#define U_ESI 4
#define U_EBP 8
#define U_EBX 16
#define U_EDX 20
#define U_ECX 24
#define U_EAX 28

#endif
