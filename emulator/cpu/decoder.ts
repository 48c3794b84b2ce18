/**
 * The instruction decoder. Everything about an opcode (operands, operand-size rule, mode
 * validity, LOCK legality, handler) comes from the rows of opcode-table.ts; this file only
 * turns those rows into lookup structures and walks prefixes, ModRM, SIB, displacement and
 * immediates (SDM vol. 2 ch. 2).
 */
import type { CpuMode } from './api-types';
import { CpuFault, gp } from './fault';
import { eaNone, selectEa } from './ea';
import { FAST_ALU32, FAST_ALU64, FAST_JCC, FAST_MOV, Handler, Insn } from './insn';
import { OPCODE_ROWS, OpRow, SizeRule } from './opcode-table';
import { MODE16, MODE32, MODE64 } from './state';

/** How a row was resolved, with the decode attributes derived from its operand string. */
interface Entry {
  row: OpRow;
  modrm: boolean;
  imms: string[];
  /** Handlers by operand size index: 0: 1 byte, 1: 2, 2: 4, 3: 8. */
  handlers: (Handler | undefined)[];
}

/** A node of the opcode trie: a direct entry, or a split by ModRM.reg / exact ModRM / prefix / mod. */
interface Node {
  entry?: Entry;
  byReg?: (Node | undefined)[];
  byModrm?: Map<number, Node>;
  byPrefix?: Map<string, Node>;
  /** Entries that apply only when mod = 3 (reg) or mod != 3 (mem). */
  reg?: Node;
  mem?: Node;
}

/** Opcode maps: 0 one-byte, 1 0F, 2 0F38, 3 0F3A; 4..7 the same maps reached through a VEX prefix. */
const maps: (Node | undefined)[][] = [[], [], [], [], [], [], [], []];

const MODRM_TOKENS = /^(E[bvwdqy]?|G[bvwdqyz]|M[pq]?|Sw|Cd|Dd|R[dy])$/;

function parseImms(operands: string): string[] {
  const imms: string[] = [];
  for (const t of operands.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (t === 'Ib' || t === 'Ibs' || t === 'Iw' || t === 'Iz' || t === 'Iv' || t === 'Jb' || t === 'Jz' ||
      t === 'Ob' || t === 'Ov' || t === 'Ap') imms.push(t);
  }
  return imms;
}

function sizesFor(rule: SizeRule): number[] {
  switch (rule) {
    case 'b': return [1];
    case 'w': return [2];
    case 'd': return [4];
    case 'q': return [8];
    case 'y': return [4, 8];
    default: return [2, 4, 8];
  }
}

const SIZE_INDEX: Record<number, number> = { 1: 0, 2: 1, 4: 2, 8: 3 };

function makeEntry(row: OpRow): Entry {
  const tokens = row.operands.split(',').map((s) => s.trim()).filter(Boolean);
  const modrm = row.modrm ?? tokens.some((t) => MODRM_TOKENS.test(t));
  const handlers: (Handler | undefined)[] = [undefined, undefined, undefined, undefined];
  for (const s of sizesFor(row.size)) handlers[SIZE_INDEX[s]] = row.exec(s);
  return { row, modrm, imms: parseImms(row.operands), handlers };
}

/**
 * Row keys: optional mandatory prefix ("F3 ", "66 ", "F2 "), map ("0F ", "0F 38 ", "0F 3A "),
 * the opcode byte, then optionally "/r" (ModRM.reg), "/r m" or "/r r" (mem or reg form only),
 * or " XX" (an exact ModRM byte).
 */
function insert(row: OpRow): void {
  let key = row.key.trim();
  let prefix: string | undefined;
  let vex = 0;
  if (key.startsWith('VEX ')) { vex = 4; key = key.slice(4); }
  const pm = /^(F3|F2|66) (.*)$/.exec(key);
  if (pm) { prefix = pm[1]; key = pm[2]; }
  let map = 0;
  if (key.startsWith('0F 38 ')) { map = 2; key = key.slice(6); }
  else if (key.startsWith('0F 3A ')) { map = 3; key = key.slice(6); }
  else if (key.startsWith('0F ')) { map = 1; key = key.slice(3); }
  const m = /^([0-9A-F]{2})(?:\/([0-7])(?: ([mr]))?| ([0-9A-F]{2})| ([mr]))?$/.exec(key);
  if (!m) throw new Error(`bad opcode key ${row.key}`);
  const op = parseInt(m[1], 16);
  let node = maps[map + vex][op] ??= {};
  if (prefix) {
    node.byPrefix ??= new Map();
    let p = node.byPrefix.get(prefix);
    if (!p) { p = {}; node.byPrefix.set(prefix, p); }
    node = p;
  }
  if (m[4] !== undefined) {
    node.byModrm ??= new Map();
    node.byModrm.set(parseInt(m[4], 16), { entry: makeEntry(row) });
    return;
  }
  const form = m[3] ?? m[5];
  if (m[2] !== undefined) {
    node.byReg ??= [];
    node = node.byReg[parseInt(m[2], 10)] ??= {};
  }
  if (form === 'm') node = node.mem ??= {};
  else if (form === 'r') node = node.reg ??= {};
  if (node.entry) throw new Error(`duplicate opcode key ${row.key}`);
  node.entry = makeEntry(row);
}

for (const row of OPCODE_ROWS) insert(row);

/** Handler for invalid and unimplemented encodings. */
const raiseUd: Handler = (cpu, i) => {
  throw new CpuFault(6, -1, 0, 0, i.mnemonic ? `${i.mnemonic} is not implemented` : 'invalid opcode');
};

/** Byte source for the decoder: returns byte k of the instruction (may throw #PF). */
export type FetchByte = (k: number) => number;

const SEG_PREFIX: Record<number, number> = { 0x26: 0, 0x2e: 1, 0x36: 2, 0x3e: 3, 0x64: 4, 0x65: 5 };

/** Decoder scratch state, reused so decoding allocates only the Insn. */
let fb: FetchByte;
let pos = 0;
function next(): number {
  if (pos >= 15) throw gp(0, 'instruction longer than 15 bytes');
  return fb(pos++);
}

function fillInvalid(i: Insn, mnemonic: string): void {
  i.exec = raiseUd;
  i.fast = 0;
  i.mnemonic = mnemonic;
}

/**
 * Decodes one instruction. `modeKey` is MODE16/32/64. The returned record's `len` is valid
 * even for invalid opcodes (so reports can show the bytes), unless decoding itself faulted.
 */
export function decode(fetch: FetchByte, modeKey: number, i: Insn = new Insn(raiseUd, eaNone)): Insn {
  fb = fetch;
  pos = 0;
  i.modeKey = modeKey;
  i.exec = raiseUd;
  i.ea = eaNone;
  i.rep = 0;
  i.lock = false;
  i.seg = 3;
  i.base = -1; i.index = -1; i.scale = 0; i.disp = 0; i.dispHi = 0;
  i.imm = 0; i.immHi = 0; i.imm2 = 0; i.rm = -1; i.reg = 0; i.cc = 0;
  i.mnemonic = '';
  const is64 = modeKey === MODE64;
  let opsize16 = false, addrOverride = false, segOverride = -1, lastMandatory = '';
  let rex = 0;
  let b: number;
  // Prefixes. A REX prefix counts only when it is the last prefix before the opcode.
  for (;;) {
    b = next();
    if (b === 0x66) { opsize16 = true; rex = 0; if (!lastMandatory) lastMandatory = '66'; continue; }
    if (b === 0x67) { addrOverride = true; rex = 0; continue; }
    if (b === 0xf0) { i.lock = true; rex = 0; continue; }
    if (b === 0xf2) { i.rep = 2; lastMandatory = 'F2'; rex = 0; continue; }
    if (b === 0xf3) { i.rep = 1; lastMandatory = 'F3'; rex = 0; continue; }
    const s = SEG_PREFIX[b];
    if (s !== undefined) { segOverride = s; rex = 0; continue; }
    if (is64 && (b & 0xf0) === 0x40) { rex = b; continue; }
    break;
  }
  let map = 0;
  let opByte = b;
  // VEX (c4/c5). Outside 64-bit mode these bytes are les/lds unless the next byte has mod = 3.
  if ((b === 0xc4 || b === 0xc5) && (is64 || (fb(pos) & 0xc0) === 0xc0)) {
    const b1 = next();
    let w = 0, r: number, x = 0, bb = 0, mmmmm = 1, vvvv: number, l: number, pp: number;
    if (b === 0xc5) { r = (~b1 >> 7) & 1; vvvv = (~b1 >> 3) & 15; l = (b1 >> 2) & 1; pp = b1 & 3; }
    else {
      const b2 = next();
      r = (~b1 >> 7) & 1; x = (~b1 >> 6) & 1; bb = (~b1 >> 5) & 1; mmmmm = b1 & 31;
      w = b2 >> 7; vvvv = (~b2 >> 3) & 15; l = (b2 >> 2) & 1; pp = b2 & 3;
    }
    opByte = next();
    if (!is64) { r = 0; x = 0; bb = 0; w = 0; vvvv &= 7; }
    // Legacy prefixes (66, F2, F3, LOCK, REX) before VEX are #UD; so are L = 1 and unknown maps here.
    const bad = opsize16 || i.rep !== 0 || i.lock || rex !== 0 || l !== 0 || mmmmm < 1 || mmmmm > 3;
    i.vreg = vvvv;
    rex = 0x40 | (w << 3) | (r << 2) | (x << 1) | bb;
    map = 4 + mmmmm;
    lastMandatory = ['', '66', 'F3', 'F2'][pp];
    i.opcode = (mmmmm << 8) | opByte;
    if (bad) { skipModrm(is64, addrOverride, modeKey); i.len = pos; fillInvalid(i, '(bad vex)'); return i; }
  } else if (b === 0x0f) {
    opByte = next();
    map = 1;
    if (opByte === 0x38) { map = 2; opByte = next(); }
    else if (opByte === 0x3a) { map = 3; opByte = next(); }
  }
  if (map < 4) i.opcode = (map << 8) | opByte;
  const rexW = (rex & 8) !== 0, rexR = (rex & 4) << 1, rexX = (rex & 2) << 2, rexB = (rex & 1) << 3;

  let node: Node | undefined = maps[map][opByte];
  if (node?.byPrefix && lastMandatory) {
    // A mandatory prefix selects a different instruction; 66 also remains the operand-size prefix.
    const alt = node.byPrefix.get(lastMandatory) ?? (lastMandatory !== '66' && opsize16 ? node.byPrefix.get('66') : undefined);
    if (alt) {
      node = alt;
      if (lastMandatory === 'F3' || lastMandatory === 'F2') i.rep = 0;
    }
  }
  // Opcodes whose meaning depends on ModRM need it read before the row is known.
  let modrm = -1;
  const needsModrmFirst = node !== undefined && !node.entry && (node.byReg || node.byModrm || node.reg || node.mem);
  if (needsModrmFirst) {
    modrm = next();
    const mod = modrm >> 6;
    if (node!.byModrm?.has(modrm)) node = node!.byModrm.get(modrm);
    else {
      if (node!.byReg) node = node!.byReg[(modrm >> 3) & 7];
      if (node && !node.entry) node = mod === 3 ? node.reg : node.mem;
    }
  }
  let entry = node?.entry;
  if (entry && entry.row.modes) {
    if (entry.row.modes === 'no64' && is64) entry = entry.row.alt64 ? makeAlt(entry) : undefined;
    else if (entry.row.modes === 'only64' && !is64) entry = undefined;
  }
  if (!entry) {
    // Unknown or invalid: still consume a ModRM for maps that always have one, so length reports are sensible.
    // The ModRM bytes are read only to report a plausible length: an undefined opcode is #UD
    // even if those bytes lie on an unmapped page (as the hardware does).
    if (modrm < 0 && map !== 0 && map !== 4) {
      const keep = pos;
      try { modrm = skipModrm(is64, addrOverride, modeKey); } catch (e) { if (!(e instanceof CpuFault)) throw e; pos = keep; }
    }
    i.len = pos;
    fillInvalid(i, '(bad)');
    return i;
  }
  const row = entry.row;
  i.mnemonic = row.mnemonic;

  // Operand size.
  let size: number;
  switch (row.size) {
    case 'b': size = 1; break;
    case 'w': size = 2; break;
    case 'd': size = 4; break;
    case 'q': size = 8; break;
    case 'y': size = is64 && rexW ? 8 : 4; break;
    case 'd64': size = is64 ? (rexW || !opsize16 ? 8 : 2) : (modeKey === MODE16) !== opsize16 ? 2 : 4; break;
    case 'f64': size = is64 ? 8 : (modeKey === MODE16) !== opsize16 ? 2 : 4; break;
    default: size = rexW ? 8 : (modeKey === MODE16) !== opsize16 ? 2 : 4; break;
  }
  i.size = size;
  i.addrSize = is64 ? (addrOverride ? 4 : 8) : (modeKey === MODE16) !== addrOverride ? 2 : 4;
  i.seg = segOverride >= 0 ? segOverride : 3;

  // ModRM, SIB, displacement.
  if (entry.modrm) {
    if (modrm < 0) modrm = next();
    const mod = modrm >> 6;
    i.reg = ((modrm >> 3) & 7) | rexR;
    if (size === 1 && row.byteRegs !== false && !rex && i.reg >= 4 && i.reg < 8) i.reg += 12; // AH..BH
    if (mod === 3 || row.modIgnored) {
      i.rm = (modrm & 7) | rexB;
      if ((size === 1 || row.eByte) && row.byteRegs !== false && !rex && i.rm >= 4 && i.rm < 8) i.rm += 12;
      if (row.memOnly) { i.len = finishImms(i, entry, size, is64); fillInvalid(i, row.mnemonic); return i; }
    } else {
      if (row.regOnly) { decodeMem(i, modrm, is64, rexX, rexB, segOverride); i.len = finishImms(i, entry, size, is64); fillInvalid(i, row.mnemonic); return i; }
      decodeMem(i, modrm, is64, rexX, rexB, segOverride);
    }
  } else if (row.opReg) {
    i.reg = (opByte & 7) | rexB;
    if (size === 1 && !rex && i.reg >= 4 && i.reg < 8) i.reg += 12;
  }
  i.len = finishImms(i, entry, size, is64);
  if (row.cc) i.cc = opByte & 15;
  i.fast = 0;
  if (row.mnemonic === 'jcc') i.fast = FAST_JCC;
  else if (map === 0 && opByte < 0x40 && (opByte & 7) < 4 && (opByte & 1) && i.rm >= 0 && (size === 4 || size === 8)) {
    // 01/03/09/0B/...: ALU Ev,Gv or Gv,Ev with two registers.
    i.fast = size === 8 ? FAST_ALU64 : FAST_ALU32;
    i.aluOp = opByte >> 3;
    i.fastDst = opByte & 2 ? i.reg : i.rm;
    i.fastSrc = opByte & 2 ? i.rm : i.reg;
  } else if (map === 0 && (opByte === 0x89 || opByte === 0x8b) && i.rm >= 0 && (size === 4 || size === 8)) {
    i.fast = FAST_MOV;
    i.fastDst = opByte === 0x8b ? i.reg : i.rm;
    i.fastSrc = opByte === 0x8b ? i.rm : i.reg;
  }
  if (row.noSeg) i.seg = 8;

  // LOCK is legal only on the listed read-modify-write forms with a memory destination.
  if (i.lock && (!row.lock || i.rm >= 0)) { fillInvalid(i, row.mnemonic); return i; }
  const h = entry.handlers[SIZE_INDEX[size]];
  if (!h) { fillInvalid(i, row.mnemonic); return i; }
  i.exec = h;
  return i;
}

/** For rows valid outside 64-bit mode whose opcode means something else in 64-bit mode. */
function makeAlt(entry: Entry): Entry | undefined {
  const alt = entry.row.alt64!;
  return altCache.get(alt) ?? (altCache.set(alt, makeEntry(alt)), altCache.get(alt));
}
const altCache = new Map<OpRow, Entry>();

function decodeMem(i: Insn, modrm: number, is64: boolean, rexX: number, rexB: number, segOverride: number): void {
  const mod = modrm >> 6;
  const rm = modrm & 7;
  let ripRel = false;
  if (i.addrSize === 2) {
    const bases = [3, 3, 5, 5, 6, 7, 5, 3];
    const indexes = [6, 7, 6, 7, -1, -1, -1, -1];
    if (mod === 0 && rm === 6) { i.base = -1; i.index = -1; i.disp = next() | (next() << 8); }
    else {
      i.base = bases[rm]; i.index = indexes[rm];
      if (rm === 4) { i.base = 6; } else if (rm === 5) { i.base = 7; }
      if (mod === 1) i.disp = (next() << 24) >> 24;
      else if (mod === 2) i.disp = ((next() | (next() << 8)) << 16) >> 16;
    }
    // BP-based forms default to SS.
    if (segOverride < 0 && (rm === 2 || rm === 3 || (rm === 6 && mod !== 0))) i.seg = 2;
    i.ea = selectEa(i, false);
    return;
  }
  if (rm === 4) {
    const sib = next();
    const base = (sib & 7) | rexB;
    const index = ((sib >> 3) & 7) | rexX;
    i.scale = sib >> 6;
    i.index = index === 4 ? -1 : index;
    if ((sib & 7) === 5 && mod === 0) { i.base = -1; i.disp = readDisp32(); }
    else i.base = base;
  } else if (rm === 5 && mod === 0) {
    i.base = -1;
    i.disp = readDisp32();
    if (is64) ripRel = true;
  } else {
    i.base = rm | rexB;
  }
  if (mod === 1) i.disp = (next() << 24) >> 24;
  else if (mod === 2) i.disp = readDisp32();
  i.dispHi = i.disp < 0 ? -1 : 0;
  if (segOverride < 0 && (i.base === 4 || i.base === 5) && !ripRel) i.seg = 2; // rsp/rbp-based default to SS
  i.ea = selectEa(i, ripRel);
}

function readDisp32(): number {
  return next() | (next() << 8) | (next() << 16) | (next() << 24);
}

function skipModrm(is64: boolean, addrOverride: boolean, modeKey: number): number {
  const modrm = next();
  const tmp = new Insn(raiseUd, eaNone);
  tmp.addrSize = is64 ? (addrOverride ? 4 : 8) : (modeKey === MODE16) !== addrOverride ? 2 : 4;
  if ((modrm >> 6) !== 3) decodeMem(tmp, modrm, is64, 0, 0, -1);
  return modrm;
}

function finishImms(i: Insn, entry: Entry, size: number, is64: boolean): number {
  let first = true;
  for (const t of entry.imms) {
    let v = 0, vHi = 0;
    switch (t) {
      case 'Ib': v = next(); break;
      case 'Ibs': case 'Jb': v = (next() << 24) >> 24; vHi = v < 0 ? -1 : 0; break;
      case 'Iw': v = next() | (next() << 8); break;
      case 'Iz': case 'Jz':
        if ((t === 'Jz' ? (is64 ? 4 : size) : size) === 2) { v = ((next() | (next() << 8)) << 16) >> 16; }
        else v = readDisp32();
        vHi = v < 0 ? -1 : 0;
        if (t === 'Iz' && size === 2) v &= 0xffff;
        break;
      case 'Iv':
        if (size === 2) v = next() | (next() << 8);
        else if (size === 4) v = readDisp32();
        else { v = readDisp32(); vHi = readDisp32(); }
        break;
      case 'Ob': case 'Ov':
        // moffs: an address-size offset.
        if (i.addrSize === 8) { v = readDisp32(); vHi = readDisp32(); }
        else if (i.addrSize === 4) v = readDisp32();
        else v = next() | (next() << 8);
        break;
      case 'Ap':
        v = size === 2 ? next() | (next() << 8) : readDisp32();
        i.imm2 = next() | (next() << 8);
        break;
    }
    if (first) { i.imm = v; i.immHi = vHi; first = false; }
    else i.imm2 = v;
  }
  return pos;
}

/** Instruction length for a byte string in a mode, or -1 if invalid, unimplemented or truncated. */
export function instructionLength(bytes: Uint8Array, mode: CpuMode): number {
  const modeKey = mode === 'long64' ? MODE64 : mode === 'protected16' || mode === 'compat16' || mode === 'real' ? MODE16 : MODE32;
  try {
    const i = decode((k) => {
      if (k >= bytes.length) throw new RangeError('truncated');
      return bytes[k];
    }, modeKey);
    return i.exec === raiseUd ? -1 : i.len;
  } catch {
    return -1;
  }
}

/** True if the record decodes to no implemented instruction. */
export function isInvalid(i: Insn): boolean {
  return i.exec === raiseUd;
}

export { MODE16, MODE32, MODE64 };
