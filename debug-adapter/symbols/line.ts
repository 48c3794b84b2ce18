/**
 * .debug_line: line number programs of versions 2–5 (DWARF 5 §6.2), run into rows. A program's rows are
 * grouped into sequences (ending at DW_LNE_end_sequence), each covering [first address, end address).
 */
import { DW_FORM, DW_LNCT } from './constants';
import { DwarfFormatError, Reader, readInitialLength, stringAt } from './reader';

export interface LineRow {
  address: bigint;
  /** Index into the program's `files` (already resolved to a full path). */
  file: number;
  line: number;
  column: number;
  isStmt: boolean;
}

/**
 * One sequence's rows as parallel arrays of small numbers (no object or BigInt per row, so kernel-size
 * tables stay cheap): row i covers [start + off[i], start + off[i + 1]) and the last row ends at `end`.
 * The DW_LNE_end_sequence row itself is not stored.
 */
export interface LineSequence {
  start: bigint;
  end: bigint;
  off: number[];
  file: number[];
  line: number[];
  column: number[];
  isStmt: boolean[];
  program: LineProgram;
}

export function rowOf(seq: LineSequence, i: number): LineRow {
  return { address: seq.start + BigInt(seq.off[i]), file: seq.file[i], line: seq.line[i], column: seq.column[i], isStmt: seq.isStmt[i] };
}

export interface LineProgram {
  offset: number;
  version: number;
  /** Full paths by file index (DWARF 5: 0-based; earlier: 1-based, index 0 unused). */
  files: string[];
  sequences: LineSequence[];
}

/** Joins POSIX-style paths the way the compiler records them (absolute components win). */
export function joinPath(dir: string, name: string): string {
  if (!dir || name.startsWith('/') || /^[A-Za-z]:[\\/]/.test(name)) return name;
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}

interface Strs { str?: Uint8Array; lineStr?: Uint8Array }

/**
 * Parses the program at `offset`. `compDir` and `compName` come from the unit DIE (DWARF 4 directory 0 and
 * file 0 are implicitly the compilation directory and primary source file).
 */
export function parseLineProgram(sec: Uint8Array, offset: number, addrSize: number, compDir: string, strs: Strs,
  warnings: string[]): LineProgram | undefined {
  const prog: LineProgram = { offset, version: 0, files: [], sequences: [] };
  const what = '.debug_line';
  let r: Reader;
  let end: number;
  try {
    r = new Reader(sec, offset, sec.length, what);
    const { length, offsetSize } = readInitialLength(r);
    end = r.pos + length;
    if (end > sec.length) {
      warnings.push(`${what} +0x${offset.toString(16)}: unit length runs past the section; truncated`);
      end = sec.length;
    }
    r = new Reader(sec, r.pos, end, what);
    const version = r.u16();
    prog.version = version;
    if (version < 2 || version > 5) {
      warnings.push(`${what} +0x${offset.toString(16)}: unsupported line table version ${version}`);
      return undefined;
    }
    if (version >= 5) { addrSize = r.u8(); r.u8(); /* segment selector size */ }
    const headerLength = r.offset(offsetSize);
    const programStart = r.pos + headerLength;
    const minInst = r.u8();
    const maxOps = version >= 4 ? r.u8() : 1;
    const defaultIsStmt = r.u8() !== 0;
    const lineBase = r.i8();
    const lineRange = r.u8();
    const opcodeBase = r.u8();
    const stdLengths: number[] = [0];
    for (let i = 1; i < opcodeBase; i++) stdLengths.push(r.u8());
    if (lineRange === 0) r.fail(r.pos, 'line_range 0');

    const dirs: string[] = [];
    if (version >= 5) {
      const readEntries = (): Map<number, unknown>[] => {
        const fmtCount = r.u8();
        const fmt: [number, number][] = [];
        for (let i = 0; i < fmtCount; i++) fmt.push([r.uleb(), r.uleb()]);
        const count = r.uleb();
        const out: Map<number, unknown>[] = [];
        for (let i = 0; i < count; i++) {
          const m = new Map<number, unknown>();
          for (const [ct, form] of fmt) m.set(ct, readLineForm(r, form, offsetSize, strs));
          out.push(m);
        }
        return out;
      };
      for (const e of readEntries()) dirs.push(String(e.get(DW_LNCT.path) ?? ''));
      // DWARF 5 §6.2.4: directory 0 is the compilation directory.
      const base = dirs[0] || compDir;
      for (const e of readEntries()) {
        const name = String(e.get(DW_LNCT.path) ?? '');
        const di = Number(e.get(DW_LNCT.directory_index) ?? 0);
        const dir = di === 0 ? base : joinPath(base, dirs[di] ?? '');
        prog.files.push(joinPath(dir, name));
      }
    } else {
      dirs.push(compDir);
      for (;;) { const d = r.cstr(); if (!d) break; dirs.push(joinPath(compDir, d)); }
      prog.files.push('');
      for (;;) {
        const name = r.cstr();
        if (!name) break;
        const di = r.uleb(); r.uleb(); r.uleb();
        prog.files.push(joinPath(dirs[di] ?? compDir, name));
      }
    }
    r.pos = programStart;
    runProgram(r, prog, { addrSize, minInst, maxOps, defaultIsStmt, lineBase, lineRange, opcodeBase, stdLengths }, strs, warnings, dirs);
  } catch (e) {
    warnings.push(`${(e as Error).message} (line program at 0x${offset.toString(16)})`);
  }
  return prog;
}

function readLineForm(r: Reader, form: number, offsetSize: number, strs: Strs): unknown {
  switch (form) {
    case DW_FORM.string: return r.cstr();
    case DW_FORM.line_strp: return stringAt(strs.lineStr, r.offset(offsetSize)) ?? '';
    case DW_FORM.strp: return stringAt(strs.str, r.offset(offsetSize)) ?? '';
    case DW_FORM.udata: return r.uleb();
    case DW_FORM.data1: return r.u8();
    case DW_FORM.data2: return r.u16();
    case DW_FORM.data4: return r.u32();
    case DW_FORM.data8: return r.u64();
    case DW_FORM.data16: return r.bytes(16);
    case DW_FORM.block: return r.bytes(r.uleb());
    default: throw new DwarfFormatError(`.debug_line +0x${r.pos.toString(16)}: unsupported form 0x${form.toString(16)} in a file entry`);
  }
}

interface Params {
  addrSize: number; minInst: number; maxOps: number; defaultIsStmt: boolean; lineBase: number; lineRange: number;
  opcodeBase: number; stdLengths: number[];
}

function runProgram(r: Reader, prog: LineProgram, p: Params, _strs: Strs, warnings: string[], dirs: string[]): void {
  // The address is kept as a BigInt base (set by DW_LNE_set_address) plus a number offset.
  let base = 0n, offset = 0, opIndex = 0, file = 1, line = 1, column = 0, isStmt = p.defaultIsStmt;
  let seq: LineSequence | undefined;
  const reset = () => { base = 0n; offset = 0; opIndex = 0; file = 1; line = 1; column = 0; isStmt = p.defaultIsStmt; };
  const current = () => base + BigInt(offset);
  const emit = (endSequence: boolean) => {
    if (endSequence) {
      if (seq && seq.off.length > 0) {
        const end = current();
        if (end > seq.start) { seq.end = end; prog.sequences.push(seq); }
      }
      seq = undefined;
      return;
    }
    if (!seq) seq = { start: current(), end: 0n, off: [], file: [], line: [], column: [], isStmt: [], program: prog };
    const o = Number(current() - seq.start);
    const last = seq.off.length > 0 ? seq.off[seq.off.length - 1] : 0;
    // Rows must not go backwards within a sequence (§6.2.5.1); a producer that does gets a new sequence.
    if (o < last || o > 0xffffffff) {
      seq.end = seq.start + BigInt(last);
      if (seq.off.length > 1) { seq.off.pop(); seq.file.pop(); seq.line.pop(); seq.column.pop(); seq.isStmt.pop(); prog.sequences.push(seq); }
      seq = { start: current(), end: 0n, off: [], file: [], line: [], column: [], isStmt: [], program: prog };
      return emit(false);
    }
    seq.off.push(o); seq.file.push(file); seq.line.push(line); seq.column.push(column); seq.isStmt.push(isStmt);
  };
  // §6.2.5.1: advancing by operation_advance (VLIW op_index is kept for completeness; x86 has max_ops 1).
  const advance = (adv: number) => {
    if (p.maxOps <= 1) offset += p.minInst * adv;
    else {
      const t = opIndex + adv;
      offset += p.minInst * Math.floor(t / p.maxOps);
      opIndex = t % p.maxOps;
    }
    if (offset > 2 ** 40) { base += BigInt(offset); offset = 0; } // keep the number exact
  };
  const mask = (1n << BigInt(p.addrSize * 8)) - 1n;
  while (!r.atEnd) {
    const op = r.u8();
    if (op >= p.opcodeBase) {
      const adj = op - p.opcodeBase;
      advance(Math.floor(adj / p.lineRange));
      line += p.lineBase + (adj % p.lineRange);
      emit(false);
      continue;
    }
    switch (op) {
      case 0: { // extended
        const len = r.uleb();
        if (len === 0) continue;
        const start = r.pos;
        const sub = r.u8();
        switch (sub) {
          case 1: emit(true); reset(); break; // DW_LNE_end_sequence
          case 2: base = r.uN(Math.min(len - 1, 8)) & mask; offset = 0; opIndex = 0; break; // set_address
          case 3: { // define_file (DWARF 2–4)
            const name = r.cstr(); const di = r.uleb(); r.uleb(); r.uleb();
            prog.files.push(joinPath(dirs[di] ?? '', name));
            break;
          }
          case 4: r.uleb(); break; // set_discriminator
          default: break; // unknown: skipped by its length
        }
        r.pos = start + len;
        break;
      }
      case 1: emit(false); break; // copy
      case 2: advance(r.uleb()); break; // advance_pc
      case 3: line += r.sleb(); break; // advance_line
      case 4: file = r.uleb(); break; // set_file
      case 5: column = r.uleb(); break; // set_column
      case 6: isStmt = !isStmt; break; // negate_stmt
      case 7: break; // set_basic_block
      case 8: advance(Math.floor((255 - p.opcodeBase) / p.lineRange)); break; // const_add_pc
      case 9: offset += r.u16(); opIndex = 0; break; // fixed_advance_pc
      case 10: case 11: break; // prologue_end, epilogue_begin
      case 12: r.uleb(); break; // set_isa
      default: // unknown standard opcode: skip its declared ULEB operands (§6.2.5.2)
        for (let i = 0; i < (p.stdLengths[op] ?? 0); i++) r.uleb();
    }
  }
  if (seq) warnings.push(`.debug_line +0x${prog.offset.toString(16)}: sequence without end_sequence dropped`);
}
