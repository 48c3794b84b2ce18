/**
 * Public types of the CPU core's execution API. The hypervisor (emulator/xen) and the
 * debugger (via the emulator facade) program against these; keep them stable.
 */

/** Register numbers, in x86 encoding order (REX.B/R/X extend to 8..15). */
export const enum Reg {
  RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7,
  R8 = 8, R9 = 9, R10 = 10, R11 = 11, R12 = 12, R13 = 13, R14 = 14, R15 = 15,
}

/** Segment register numbers, in x86 encoding order. */
export const enum Seg { ES = 0, CS = 1, SS = 2, DS = 3, FS = 4, GS = 5 }

/** What the core is executing. */
export type CpuMode = 'real' | 'protected16' | 'protected32' | 'compat16' | 'compat32' | 'long64';

/** Architectural exception vectors. */
export const enum Vector {
  DE = 0, DB = 1, NMI = 2, BP = 3, OF = 4, BR = 5, UD = 6, NM = 7, DF = 8,
  TS = 10, NP = 11, SS = 12, GP = 13, PF = 14, MF = 16, AC = 17, MC = 18, XM = 19,
}

/** Instructions that can be configured to trap out to the hypervisor before they execute. */
export type TrapKind =
  | 'cpuid' | 'rdmsr' | 'wrmsr' | 'in' | 'out' | 'hlt' | 'vmcall' | 'vmmcall'
  | 'int' | 'syscall' | 'sysenter' | 'invlpg' | 'mov-cr' | 'ud-fep';

export interface TrapInfo {
  kind: TrapKind;
  /** Linear address of the trapping instruction (RIP has not been advanced). */
  rip: bigint;
  /** Length of the trapping instruction in bytes, so a handler can skip it. */
  length: number;
  /** For 'int': the vector. For 'in'/'out': the port. For 'rdmsr'/'wrmsr': the MSR index. */
  value?: number;
  /** For 'in'/'out': access size in bytes (1, 2, 4). */
  size?: number;
  /** CPL at the time of the trap. */
  cpl: number;
}

/** What a trap handler wants the core to do with a trapped instruction. */
export const enum TrapAction {
  /** The handler emulated it (and moved RIP as it wished). Execution continues. */
  Handled = 0,
  /** Execute the instruction natively as if no trap was configured. */
  Native = 1,
  /** End run() with a 'trap' stop; the instruction has not executed and RIP points at it. */
  Stop = 2,
}

export type StopReason =
  /** step() finished one instruction (or delivered one event). */
  | { kind: 'step' }
  /** The instruction budget given to run() ran out. */
  | { kind: 'budget' }
  /** An emulator breakpoint (never a guest-visible patch) at this linear address, before execution. */
  | { kind: 'breakpoint'; address: bigint }
  /** A memory watch fired, after the accessing instruction completed. */
  | { kind: 'watch'; id: number; address: bigint; size: number; access: 'read' | 'write'; physical: boolean }
  /** A configured trap; the instruction has not executed. */
  | { kind: 'trap'; trap: TrapInfo }
  /** An exception the configuration asked to intercept, before it is delivered to the guest. */
  | { kind: 'exception'; vector: number; errorCode?: number; cr2?: bigint; rip: bigint; bytes?: number[]; message?: string }
  /** hlt with interrupts disabled or no wake-up source, or hlt trapped as a stop. */
  | { kind: 'halt' }
  /** Triple fault: the guest cannot continue. */
  | { kind: 'triple-fault'; vector: number; rip: bigint }
  /** stop() was called (from a hook, another thread's flag, or the debugger). */
  | { kind: 'paused' };

export interface RunOptions {
  /** Maximum instructions to retire in this call. */
  maxInstructions: number;
}

export interface MemoryWatch {
  /** Start of the watched range. */
  address: bigint;
  length: number;
  /** guest-physical or guest-virtual (through the current page tables). */
  space: 'physical' | 'virtual';
  access: 'read' | 'write' | 'readwrite';
}

/** Handlers the hypervisor installs; all optional. */
export interface CpuHooks {
  /** Called for an instruction whose trap kind is enabled with Cpu.setTrap(kind, true). */
  onTrap?(trap: TrapInfo): TrapAction;
  /** cpuid results; return undefined to use the core's built-in table. */
  cpuid?(leaf: number, subleaf: number): [number, number, number, number] | undefined;
  /** rdmsr; return undefined to use the built-in MSRs (unknown ones #GP). */
  readMsr?(msr: number): bigint | undefined;
  /** wrmsr; return true if handled, false to use the built-in MSRs. */
  writeMsr?(msr: number, value: bigint): boolean;
  /** Port input; return undefined for an unclaimed port (reads all-ones). */
  portIn?(port: number, size: number): number | undefined;
  /** Port output; unclaimed ports ignore writes. */
  portOut?(port: number, size: number, value: number): void;
  /** Physical access outside RAM (MMIO); return undefined for all-ones. */
  mmioRead?(address: number, size: number): number | undefined;
  mmioWrite?(address: number, size: number, value: number): void;
}
