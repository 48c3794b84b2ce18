/**
 * What the debug adapter needs from a guest image's symbols: the contract between `symbols/` (our ELF +
 * DWARF 5 reader), `values/` (types, values, C expressions) and the session. Nothing here knows DAP.
 *
 * Addresses are guest-virtual (what the image was linked at). Register numbers are DWARF numbers of the
 * image's architecture (x86-64: 0 rax, 1 rdx, 2 rcx, 3 rbx, 4 rsi, 5 rdi, 6 rbp, 7 rsp, 8–15 r8–r15,
 * 16 return address; i386: 0 eax, 1 ecx, 2 edx, 3 ebx, 4 esp, 5 ebp, 6 esi, 7 edi, 8 eip), per the psABIs.
 */

export type Arch = 'x86_64' | 'i386';

export interface SourceLocation {
  /** Absolute path as the compiler recorded it (comp_dir joined with the line table's file name). */
  file: string;
  line: number;
  /** 1-based; 0 when the line table has no column. */
  column: number;
}

export interface FunctionInfo {
  name: string;
  /** [low, high) of the function's code (the whole function for a DW_AT_ranges function: its entry range). */
  low: bigint;
  high: bigint;
  /** Where it is declared, if DWARF says. */
  decl?: SourceLocation;
  /** Address after the prologue (the first line-table row after the entry row with a different line), if known. */
  bodyStart?: bigint;
}

/** One level of inlining at an address: `name` was inlined at `callSite` into the next outer level. */
export interface InlinedFrame {
  name: string;
  callSite?: SourceLocation;
}

// ------------------------------------------------------------------ types

export type BaseEncoding = 'signed' | 'unsigned' | 'signed-char' | 'unsigned-char' | 'boolean' | 'float';

/** A C type as DWARF describes it (also built from the emulator's Xen ABI layouts by values/). May be cyclic. */
export type TypeInfo =
  | { kind: 'void' }
  | { kind: 'base'; name: string; size: number; encoding: BaseEncoding }
  | { kind: 'pointer'; size: number; target: TypeInfo }
  | { kind: 'struct' | 'union'; name?: string; size: number; members: MemberInfo[]; declarationOnly?: boolean }
  | { kind: 'array'; element: TypeInfo; /** undefined: flexible or unknown bound */ count: number | undefined }
  | { kind: 'enum'; name?: string; size: number; signed: boolean; enumerators: { name: string; value: bigint }[] }
  | { kind: 'typedef'; name: string; target: TypeInfo }
  | { kind: 'qualified'; qualifier: 'const' | 'volatile' | 'restrict' | 'atomic'; target: TypeInfo }
  | { kind: 'function'; returnType: TypeInfo; params: TypeInfo[]; variadic: boolean };

export interface MemberInfo {
  /** Undefined for an anonymous struct/union member (its members are reachable through it). */
  name?: string;
  /** Byte offset of the member (of its storage unit for a bit field). */
  offset: number;
  type: TypeInfo;
  /** Bit fields: width and offset in bits from `offset` (little-endian bit numbering, DW_AT_data_bit_offset). */
  bitSize?: number;
  bitOffset?: number;
}

// ------------------------------------------------------------------ values and frames

/** Where a value lives. `memory` is guest-virtual unless `space` says otherwise (debug-adapter/memory.ts defines the spaces). */
export type ValueLocation =
  | { kind: 'memory'; address: bigint; space?: 'virtual' | 'physical' | 'machine' }
  | { kind: 'register'; reg: number }
  | { kind: 'value'; value: bigint }
  | { kind: 'bytes'; bytes: Uint8Array }
  | { kind: 'pieces'; pieces: { location: ValueLocation; sizeBytes: number }[] }
  | { kind: 'optimized-out' }
  | { kind: 'unavailable'; why: string };

/** The machine state of one frame, as the location and CFI evaluators need it. */
export interface FrameContext {
  readonly arch: Arch;
  /** The frame's pc (for frames above the innermost: the return address, which lookups use as pc - 1). */
  readonly pc: bigint;
  /** Whether `pc` is a return address (caller frames); lookups then use pc - 1. */
  readonly isReturnAddress: boolean;
  /** A DWARF-numbered register of this frame, or undefined when unknown (not saved). */
  readRegister(reg: number): bigint | undefined;
  /** Guest-virtual memory; undefined when unmapped. */
  readMemory(address: bigint, length: number): Uint8Array | undefined;
}

export interface VariableInfo {
  name: string;
  type: TypeInfo;
  kind: 'parameter' | 'local' | 'global';
  decl?: SourceLocation;
  /** Evaluates the DWARF location (expression or location list) in a frame. */
  locate(frame: FrameContext): ValueLocation;
}

/** The caller's frame computed from CFI (or the frame-pointer fallback). */
export interface UnwoundFrame {
  /** The caller's pc: the return address. */
  pc: bigint;
  /** The caller's registers by DWARF number (callee-saved ones recovered, the stack pointer = CFA). */
  registers: Map<number, bigint>;
  cfa: bigint;
  method: 'cfi' | 'frame-pointer';
}

// ------------------------------------------------------------------ the symbol table of one image

export interface GuestSymbols {
  readonly path: string;
  readonly arch: Arch;
  /** Whether the image has DWARF line and info sections (without them only ELF symbols work). */
  readonly hasDebugInfo: boolean;
  /** Problems met while reading (DWARF forms or opcodes not understood, bad offsets): reported, never thrown. */
  readonly warnings: readonly string[];

  /** The line-table row covering `address` (for caller frames pass the return address - 1). */
  sourceAt(address: bigint): SourceLocation | undefined;
  /**
   * Where a breakpoint on file:line binds: is_stmt rows of that line, or of the next line with code (the
   * returned `line`). `file` matches by full path, else by path suffix. Undefined if no code follows.
   */
  resolveLine(file: string, line: number): { line: number; addresses: bigint[] } | undefined;
  /** Lines in [startLine, endLine] of `file` where a breakpoint can bind (DAP breakpointLocations). */
  breakpointLines(file: string, startLine: number, endLine: number): { line: number; column: number }[];
  /** The address range of the source line containing `address` (contiguous rows with the same file:line). */
  lineRangeAt(address: bigint): { start: bigint; end: bigint; location: SourceLocation } | undefined;
  /** Source files the line tables mention. */
  sourceFiles(): string[];

  /** The innermost concrete (not inlined) function containing `address`. */
  functionAt(address: bigint): FunctionInfo | undefined;
  /** Inlined subroutines at `address`, innermost first (empty when none). */
  inlinedAt(address: bigint): InlinedFrame[];
  functionByName(name: string): FunctionInfo | undefined;
  /** ELF symbol covering `address` (works without DWARF). */
  symbolAt(address: bigint): { name: string; offset: bigint } | undefined;
  /** ELF symbol value by name. */
  symbolByName(name: string): bigint | undefined;

  /** Parameters and locals visible at `pc` (lexical blocks and inlined scopes that cover it, innermost first). */
  variablesAt(pc: bigint): VariableInfo[];
  /** Global and static variables of the image (file-scope statics included). */
  globals(): VariableInfo[];
  /** A named type for casts and sizeof: `struct foo`, `union u`, `enum e`, a typedef name or a base type. */
  typeByName(name: string): TypeInfo | undefined;

  /** One frame up from `frame` using .debug_frame / .eh_frame CFI, with a frame-pointer fallback. */
  unwind(frame: FrameContext): UnwoundFrame | undefined;
}
