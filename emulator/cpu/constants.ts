/** Architectural constants (Intel SDM vol. 3, chapters 2-6). */

// RFLAGS bits
export const CF = 1 << 0;
export const PF = 1 << 2;
export const AF = 1 << 4;
export const ZF = 1 << 6;
export const SF = 1 << 7;
export const TF = 1 << 8;
export const IF = 1 << 9;
export const DF = 1 << 10;
export const OF = 1 << 11;
export const IOPL_MASK = 3 << 12;
export const IOPL_SHIFT = 12;
export const NT = 1 << 14;
export const RF = 1 << 16;
export const VM = 1 << 17;
export const AC = 1 << 18;
export const VIF = 1 << 19;
export const VIP = 1 << 20;
export const ID = 1 << 21;
/** The six arithmetic flags kept lazily. */
export const ARITH_FLAGS = CF | PF | AF | ZF | SF | OF;
/** Bits a guest can ever see set in RFLAGS (bit 1 is always 1). */
export const RFLAGS_DEFINED = ARITH_FLAGS | TF | IF | DF | IOPL_MASK | NT | RF | VM | AC | VIF | VIP | ID;
export const RFLAGS_FIXED1 = 1 << 1;

// CR0
export const CR0_PE = 1 << 0;
export const CR0_MP = 1 << 1;
export const CR0_EM = 1 << 2;
export const CR0_TS = 1 << 3;
export const CR0_ET = 1 << 4;
export const CR0_NE = 1 << 5;
export const CR0_WP = 1 << 16;
export const CR0_AM = 1 << 18;
export const CR0_NW = 1 << 29;
export const CR0_CD = 1 << 30;
export const CR0_PG = 1 << 31;

// CR4
export const CR4_VME = 1 << 0;
export const CR4_PVI = 1 << 1;
export const CR4_TSD = 1 << 2;
export const CR4_DE = 1 << 3;
export const CR4_PSE = 1 << 4;
export const CR4_PAE = 1 << 5;
export const CR4_MCE = 1 << 6;
export const CR4_PGE = 1 << 7;
export const CR4_PCE = 1 << 8;
export const CR4_OSFXSR = 1 << 9;
export const CR4_OSXMMEXCPT = 1 << 10;
export const CR4_UMIP = 1 << 11;
export const CR4_FSGSBASE = 1 << 16;
export const CR4_OSXSAVE = 1 << 18;
/** CR4 bits this core accepts; setting any other bit is #GP(0). */
export const CR4_SUPPORTED = CR4_VME | CR4_PVI | CR4_TSD | CR4_DE | CR4_PSE | CR4_PAE | CR4_MCE | CR4_PGE | CR4_PCE |
  CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_FSGSBASE;

// EFER
export const EFER_SCE = 1 << 0;
export const EFER_LME = 1 << 8;
export const EFER_LMA = 1 << 10;
export const EFER_NXE = 1 << 11;
export const EFER_WRITABLE = EFER_SCE | EFER_LME | EFER_NXE;

// MSRs
export const MSR_TSC = 0x10;
export const MSR_APIC_BASE = 0x1b;
export const MSR_SYSENTER_CS = 0x174;
export const MSR_SYSENTER_ESP = 0x175;
export const MSR_SYSENTER_EIP = 0x176;
export const MSR_PAT = 0x277;
export const MSR_EFER = 0xc0000080;
export const MSR_STAR = 0xc0000081;
export const MSR_LSTAR = 0xc0000082;
export const MSR_CSTAR = 0xc0000083;
export const MSR_SFMASK = 0xc0000084;
export const MSR_FS_BASE = 0xc0000100;
export const MSR_GS_BASE = 0xc0000101;
export const MSR_KERNEL_GS_BASE = 0xc0000102;
export const MSR_TSC_AUX = 0xc0000103;

// Segment descriptor attribute bits, in the VMX "access rights" layout used by the API.
export const ATTR_TYPE_MASK = 0xf;
export const ATTR_TYPE_ACCESSED = 1;
/** For data segments: writable. For code segments: readable. */
export const ATTR_TYPE_WR = 2;
/** For data segments: expand-down. For code segments: conforming. */
export const ATTR_TYPE_EC = 4;
export const ATTR_TYPE_CODE = 8;
export const ATTR_S = 1 << 4;
export const ATTR_DPL_SHIFT = 5;
export const ATTR_P = 1 << 7;
export const ATTR_AVL = 1 << 12;
export const ATTR_L = 1 << 13;
export const ATTR_DB = 1 << 14;
export const ATTR_G = 1 << 15;
/** Not an architectural bit: marks a segment register loaded with a null selector. */
export const ATTR_UNUSABLE = 1 << 16;

// System descriptor types (S = 0)
export const SYS_LDT = 2;
export const SYS_TSS16_AVAIL = 1;
export const SYS_TSS16_BUSY = 3;
export const SYS_CALL_GATE16 = 4;
export const SYS_TASK_GATE = 5;
export const SYS_INT_GATE16 = 6;
export const SYS_TRAP_GATE16 = 7;
export const SYS_TSS_AVAIL = 9;
export const SYS_TSS_BUSY = 11;
export const SYS_CALL_GATE = 12;
export const SYS_INT_GATE = 14;
export const SYS_TRAP_GATE = 15;

// Segment register slots: ES CS SS DS FS GS as encoded, then LDTR and TR.
export const ES = 0;
export const CS = 1;
export const SS = 2;
export const DS = 3;
export const FS = 4;
export const GS = 5;
export const LDTR = 6;
export const TR = 7;

// Exception vectors
export const DE = 0;
export const DB = 1;
export const NMI = 2;
export const BP = 3;
export const OF_VEC = 4;
export const BR = 5;
export const UD = 6;
export const NM = 7;
export const DF_VEC = 8;
export const TS = 10;
export const NP = 11;
export const SS_VEC = 12;
export const GP = 13;
export const PF_VEC = 14;
export const MF = 16;
export const AC_VEC = 17;

// Page-fault error code bits
export const PFEC_P = 1;
export const PFEC_W = 2;
export const PFEC_U = 4;
export const PFEC_RSVD = 8;
export const PFEC_I = 16;

// DR6/DR7
export const DR6_BS = 1 << 14;
export const DR6_BD = 1 << 13;
export const DR6_BT = 1 << 15;
export const DR6_FIXED1 = 0xffff0ff0;
export const DR7_GD = 1 << 13;
export const DR7_FIXED1 = 0x400;

/** Physical-address width this core reports (CPUID 0x80000008) and enforces in page tables. */
export const MAXPHYADDR = 40;
