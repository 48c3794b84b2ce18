/**
 * Call frame information (DWARF 5 §6.4) from .debug_frame and .eh_frame (the LSB/psABI variant: CIE id 0,
 * CIE pointers relative to the field, 'z' augmentation data with R/P/L/S, DW_EH_PE_* pointer encodings).
 * Parses every CIE/FDE once into an address-sorted table; `rowAt` runs the CIE's initial instructions and
 * the FDE's instructions up to a pc to give the CFA rule and register rules there.
 */
import { evaluateValue } from './expr';
import { FrameContext } from './model';
import { Reader, readInitialLength } from './reader';

export type RegRule =
  | { k: 'undefined' } | { k: 'same' } | { k: 'offset'; n: bigint } | { k: 'val_offset'; n: bigint }
  | { k: 'register'; reg: number } | { k: 'expr'; e: Uint8Array } | { k: 'val_expr'; e: Uint8Array };

export type CfaRule = { reg: number; offset: bigint } | { expr: Uint8Array };

export interface CfiRow { cfa: CfaRule; rules: Map<number, RegRule>; raReg: number; signalFrame: boolean }

interface Cie {
  codeAlign: number; dataAlign: number; raReg: number; initial: Uint8Array; fdeEncoding: number;
  addrSize: number; signal: boolean; hasAugData: boolean;
}

export interface Fde { cie: Cie; start: bigint; end: bigint; instructions: Uint8Array; section: string }

// DW_EH_PE_* (LSB 4.1 "DWARF Extensions", psABI §4.2.4)
const PE_omit = 0xff;

export class CallFrameInfo {
  readonly fdes: Fde[] = [];

  constructor(private readonly addrSize: number, private readonly warnings: string[]) {}

  add(section: Uint8Array, isEh: boolean, sectionAddr: bigint): void {
    const name = isEh ? '.eh_frame' : '.debug_frame';
    const cies = new Map<number, Cie | undefined>();
    let off = 0;
    let count = 0;
    while (off + 4 <= section.length) {
      const r = new Reader(section, off, section.length, name);
      let next: number;
      try {
        const { length, offsetSize } = readInitialLength(r);
        if (length === 0) { off = r.pos; if (isEh) break; continue; } // .eh_frame terminator
        const body = r.pos;
        next = body + length;
        if (next > section.length) r.fail(off, `entry length 0x${length.toString(16)} runs past the section`);
        const er = new Reader(section, body, next, name);
        const idPos = er.pos;
        const id = offsetSize === 8 ? er.u64() : BigInt(er.u32());
        const isCie = isEh ? id === 0n : id === (offsetSize === 8 ? 0xffffffffffffffffn : 0xffffffffn);
        if (isCie) {
          cies.set(off, this.parseCie(er, isEh, name, off));
        } else {
          const cieOff = isEh ? idPos - Number(id) : Number(id);
          let cie = cies.get(cieOff);
          if (cie === undefined && !cies.has(cieOff)) {
            cie = this.cieAt(section, cieOff, isEh, name);
            cies.set(cieOff, cie);
          }
          if (!cie) throw new Error(`FDE at 0x${off.toString(16)} refers to no valid CIE (0x${cieOff.toString(16)})`);
          const start = readEncoded(er, cie.fdeEncoding, cie.addrSize, sectionAddr, name);
          const range = readEncoded(er, cie.fdeEncoding & 0x0f, cie.addrSize, sectionAddr, name);
          if (cie.hasAugData) er.skip(er.uleb());
          if (start !== undefined && range !== undefined && range > 0n) {
            this.fdes.push({ cie, start, end: start + range, instructions: er.bytes(er.remaining), section: name });
          }
        }
        off = next;
      } catch (e) {
        this.warnings.push(`${(e as Error).message} (${name} entry at 0x${off.toString(16)})`);
        break;
      }
      if (++count > 1_000_000) break;
    }
    this.fdes.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  }

  private cieAt(section: Uint8Array, off: number, isEh: boolean, name: string): Cie | undefined {
    try {
      const r = new Reader(section, off, section.length, name);
      const { length, offsetSize } = readInitialLength(r);
      const er = new Reader(section, r.pos, r.pos + length, name);
      if (offsetSize === 8) er.u64(); else er.u32();
      return this.parseCie(er, isEh, name, off);
    } catch (e) {
      this.warnings.push(`${(e as Error).message} (${name} CIE at 0x${off.toString(16)})`);
      return undefined;
    }
  }

  private parseCie(r: Reader, isEh: boolean, name: string, off: number): Cie | undefined {
    const version = r.u8();
    if (version !== 1 && version !== 3 && version !== 4) {
      this.warnings.push(`${name} CIE at 0x${off.toString(16)}: unsupported version ${version}`);
      return undefined;
    }
    const aug = r.cstr();
    let addrSize = this.addrSize;
    if (version >= 4) { addrSize = r.u8(); r.u8(); /* segment selector size */ }
    const codeAlign = r.uleb();
    const dataAlign = r.sleb();
    const raReg = version === 1 ? r.u8() : r.uleb();
    const cie: Cie = { codeAlign, dataAlign, raReg, initial: new Uint8Array(0), fdeEncoding: 0, addrSize, signal: false, hasAugData: false };
    if (aug.startsWith('z')) {
      cie.hasAugData = true;
      const len = r.uleb();
      const end = r.pos + len;
      for (const c of aug.slice(1)) {
        if (c === 'R') cie.fdeEncoding = r.u8();
        else if (c === 'P') { const enc = r.u8(); readEncoded(r, enc & 0x7f, addrSize, 0n, name); }
        else if (c === 'L') r.u8();
        else if (c === 'S') cie.signal = true;
        else break; // unknown: the rest of the augmentation data is skipped by its length
      }
      r.pos = end;
    } else if (aug === 'eh') {
      r.uN(addrSize); // old GCC eh_ptr
    } else if (aug !== '') {
      this.warnings.push(`${name} CIE at 0x${off.toString(16)}: unknown augmentation "${aug}"; its FDEs are skipped`);
      return undefined;
    }
    if (!isEh && cie.fdeEncoding === 0) cie.fdeEncoding = 0;
    cie.initial = r.bytes(r.remaining);
    return cie;
  }

  fdeFor(pc: bigint): Fde | undefined {
    const f = this.fdes;
    let lo = 0, hi = f.length - 1, best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (f[mid].start <= pc) { best = mid; lo = mid + 1; } else hi = mid - 1;
    }
    // Overlapping entries (both sections describing one function) are rare; scan back a little.
    for (let i = best; i >= 0 && i > best - 4; i--) if (pc >= f[i].start && pc < f[i].end) return f[i];
    return undefined;
  }

  /** The CFI row in effect at `pc`, or undefined without an FDE (or on malformed instructions). */
  rowAt(pc: bigint): CfiRow | undefined {
    const fde = this.fdeFor(pc);
    if (!fde) return undefined;
    const cie = fde.cie;
    const row: CfiRow = { cfa: { reg: -1, offset: 0n }, rules: new Map(), raReg: cie.raReg, signalFrame: cie.signal };
    try {
      const initialRules = this.execute(cie.initial, cie, row, undefined, fde.start, undefined);
      this.execute(fde.instructions, cie, row, initialRules, fde.start, pc);
    } catch (e) {
      this.warnings.push(`${(e as Error).message} (CFI for pc 0x${pc.toString(16)} in ${fde.section})`);
      return undefined;
    }
    return row;
  }

  /** Runs CFA instructions (§6.4.2) until the location passes `stopPc`. Returns the rules after them. */
  private execute(ins: Uint8Array, cie: Cie, row: CfiRow, initial: Map<number, RegRule> | undefined, start: bigint,
    stopPc: bigint | undefined): Map<number, RegRule> {
    const r = new Reader(ins, 0, ins.length, 'CFA instructions');
    let loc = start;
    const stack: { cfa: CfaRule; rules: Map<number, RegRule> }[] = [];
    const ca = BigInt(cie.codeAlign), da = BigInt(cie.dataAlign);
    const advance = (d: bigint): boolean => { loc += d * ca; return stopPc !== undefined && loc > stopPc; };
    const restore = (reg: number) => {
      const rule = initial?.get(reg);
      if (rule) row.rules.set(reg, rule); else row.rules.delete(reg);
    };
    const defCfaOffset = (off: bigint) => {
      if ('reg' in row.cfa) row.cfa = { reg: row.cfa.reg, offset: off };
    };
    let steps = 0;
    while (!r.atEnd) {
      if (++steps > 1_000_000) throw new Error('CFA program too long');
      const op = r.u8();
      const hi = op & 0xc0, low = op & 0x3f;
      if (hi === 0x40) { if (advance(BigInt(low))) break; continue; }
      if (hi === 0x80) { row.rules.set(low, { k: 'offset', n: BigInt(r.uleb()) * da }); continue; }
      if (hi === 0xc0) { restore(low); continue; }
      switch (op) {
        case 0x00: break; // nop
        case 0x01: { // set_loc
          const a = readEncoded(r, cie.fdeEncoding, cie.addrSize, 0n, 'CFA');
          if (a !== undefined) { loc = a; if (stopPc !== undefined && loc > stopPc) return row.rules; }
          break;
        }
        case 0x02: if (advance(BigInt(r.u8()))) return row.rules; break;
        case 0x03: if (advance(BigInt(r.u16()))) return row.rules; break;
        case 0x04: if (advance(BigInt(r.u32()))) return row.rules; break;
        case 0x05: { const reg = r.uleb(); row.rules.set(reg, { k: 'offset', n: BigInt(r.uleb()) * da }); break; }
        case 0x06: restore(r.uleb()); break;
        case 0x07: row.rules.set(r.uleb(), { k: 'undefined' }); break;
        case 0x08: row.rules.set(r.uleb(), { k: 'same' }); break;
        case 0x09: { const reg = r.uleb(); row.rules.set(reg, { k: 'register', reg: r.uleb() }); break; }
        case 0x0a: stack.push({ cfa: { ...row.cfa }, rules: new Map(row.rules) }); break; // remember_state
        case 0x0b: { // restore_state
          const s = stack.pop();
          if (!s) throw new Error('DW_CFA_restore_state without remember_state');
          row.cfa = s.cfa; row.rules = s.rules;
          break;
        }
        case 0x0c: { const reg = r.uleb(); row.cfa = { reg, offset: BigInt(r.uleb()) }; break; }
        case 0x0d: { const reg = r.uleb(); row.cfa = { reg, offset: 'reg' in row.cfa ? row.cfa.offset : 0n }; break; }
        case 0x0e: defCfaOffset(BigInt(r.uleb())); break;
        case 0x0f: row.cfa = { expr: r.bytes(r.uleb()) }; break;
        case 0x10: { const reg = r.uleb(); row.rules.set(reg, { k: 'expr', e: r.bytes(r.uleb()) }); break; }
        case 0x11: { const reg = r.uleb(); row.rules.set(reg, { k: 'offset', n: r.slebBig() * da }); break; }
        case 0x12: { const reg = r.uleb(); row.cfa = { reg, offset: r.slebBig() * da }; break; }
        case 0x13: defCfaOffset(r.slebBig() * da); break;
        case 0x14: { const reg = r.uleb(); row.rules.set(reg, { k: 'val_offset', n: BigInt(r.uleb()) * da }); break; }
        case 0x15: { const reg = r.uleb(); row.rules.set(reg, { k: 'val_offset', n: r.slebBig() * da }); break; }
        case 0x16: { const reg = r.uleb(); row.rules.set(reg, { k: 'val_expr', e: r.bytes(r.uleb()) }); break; }
        case 0x1d: if (advance(r.u64())) return row.rules; break; // MIPS_advance_loc8
        case 0x2e: r.uleb(); break; // GNU_args_size
        case 0x2f: { const reg = r.uleb(); row.rules.set(reg, { k: 'offset', n: -BigInt(r.uleb()) * da }); break; }
        default: throw new Error(`unknown CFA instruction 0x${op.toString(16)}`);
      }
    }
    return new Map(row.rules);
  }

  /** The CFA of `frame` (for DW_OP_call_frame_cfa), from CFI. */
  cfaOf(frame: FrameContext, addrSize: number): bigint | undefined {
    const pc = frame.isReturnAddress ? frame.pc - 1n : frame.pc;
    const row = this.rowAt(pc);
    return row ? computeCfa(row, frame, addrSize) : undefined;
  }
}

export function computeCfa(row: CfiRow, frame: FrameContext, addrSize: number): bigint | undefined {
  const mask = (1n << BigInt(addrSize * 8)) - 1n;
  if ('reg' in row.cfa) {
    const v = frame.readRegister(row.cfa.reg);
    return v === undefined ? undefined : (v + row.cfa.offset) & mask;
  }
  const v = evaluateValue(row.cfa.expr, { frame, addrSize });
  return v === undefined ? undefined : v & mask;
}

/** Reads a DW_EH_PE_* encoded pointer; `pcBase` is the section's address for pc-relative values. */
function readEncoded(r: Reader, enc: number, addrSize: number, sectionAddr: bigint, what: string): bigint | undefined {
  if (enc === PE_omit) return undefined;
  const fieldAddr = sectionAddr + BigInt(r.pos);
  let v: bigint;
  switch (enc & 0x0f) {
    case 0x00: v = r.uN(addrSize); break;
    case 0x01: v = r.ulebBig(); break;
    case 0x02: v = BigInt(r.u16()); break;
    case 0x03: v = BigInt(r.u32()); break;
    case 0x04: v = r.u64(); break;
    case 0x09: v = r.slebBig(); break;
    case 0x0a: v = BigInt(r.i16()); break;
    case 0x0b: v = BigInt(r.i32()); break;
    case 0x0c: v = r.i64(); break;
    default: return r.fail(r.pos, `${what}: unknown pointer encoding 0x${enc.toString(16)}`);
  }
  switch (enc & 0x70) {
    case 0x00: break;
    case 0x10: v += fieldAddr; break; // pcrel: relative to the field's own address
    case 0x30: // datarel: relative to the GOT (only in .eh_frame_hdr); not meaningful in a static kernel
    case 0x20: case 0x40: case 0x50: break; // textrel/funcrel/aligned: leave the value as is
    default: return r.fail(r.pos, `${what}: unknown pointer application 0x${enc.toString(16)}`);
  }
  return BigInt.asUintN(addrSize * 8, v);
}
