/**
 * The single source of truth for opcodes. Each row gives the encoding key, mnemonic,
 * operands (SDM vol. 2 appendix A notation), the operand-size rule, mode validity, LOCK
 * legality and the handler factory. The decoder is derived from these rows.
 *
 * Size rules: b byte; v 16/32/64 by prefixes; w/d/q fixed; y 32 or 64 (REX.W);
 * d64 defaults to 64 in 64-bit mode (66 gives 16); f64 is always 64 in 64-bit mode.
 */
import { CS, DS, ES, FS, GS, SS } from './constants';
import type { Handler } from './insn';
import { ALU_NAMES, aluAI, aluEG, aluEI, aluGE, CMP, incDecE, incDecZ, negE, notE, testAI, testEG, testEI } from './ops/alu';
import { cmpxchg, cmpxchgWide, xadd } from './ops/atomic';
import { andn, bextr, blsOp } from './ops/bmi';
import { bitScan, bitTest, BT, BTC, BTR, BTS, countZeros, popcnt } from './ops/bits';
import { callE, callRel, jcc, jmpE, jmpRel, jrcxz, loop, ret } from './ops/control';
import {
  bswap, cbw, cmov, cwd, flagOp, lahf, lea, movAO, movEG, movEI, movGE, movOA, movsxB, movsxd, movsxW, movZI, movzxB,
  movzxW, nop, sahf, setcc, xchgEG, xchgZA, xlat,
} from './ops/data';
import { arplHandler, bcd, bound } from './ops/bcd';
import { inOp, insOp, outOp, outsOp } from './ops/io';
import { div, imul2, mul1 } from './ops/muldiv';
import { SHIFT_NAMES, shiftDouble, shiftE } from './ops/shift';
import { enter, leave, popa, popE, popZ, pusha, pushE, pushI, pushZ } from './ops/stack';
import { stringOp } from './ops/string';
import {
  callFarMem, callFarPtr, cli, clflush, clts, cpuid, fsgsBase, hlt, hypercallInsn, invlpg, iretOp, jmpFarMem, jmpFarPtr,
  larLsl, lmsw, loadFarPointer, loadSystemSeg, loadTableRegister, movCr, movDr, movEFromSreg, movSregFromE, popf,
  popSreg, privilegedNop, pushf, pushSreg, rdmsr, rdpmc, rdtsc, retFar, smsw, softInt, sse, sti, storeSystemSeg,
  storeTableRegister, swapgs, syscall, sysenter, sysexit, sysret, ud2, verify, wrmsr, x87,
} from './ops/system';

export type SizeRule = 'b' | 'v' | 'w' | 'd' | 'q' | 'y' | 'd64' | 'f64';

export interface OpRow {
  key: string;
  mnemonic: string;
  operands: string;
  size: SizeRule;
  exec: (size: number) => Handler;
  /** Force a ModRM byte even if no operand token implies one. */
  modrm?: boolean;
  /** LOCK prefix allowed (with a memory destination). */
  lock?: boolean;
  modes?: 'no64' | 'only64';
  /** The row used instead in 64-bit mode (for 'no64' rows whose opcode is reused). */
  alt64?: OpRow;
  /** The register is encoded in the low 3 bits of the opcode. */
  opReg?: boolean;
  /** The low 4 bits of the opcode are a condition code. */
  cc?: boolean;
  /** The E operand is a byte register/memory even though the operand size is not. */
  eByte?: boolean;
  /** Effective address without a segment base (lea). */
  noSeg?: boolean;
  /** Memory operand required (mod = 3 is #UD). */
  memOnly?: boolean;
  /** Register operand required (mod != 3 is #UD). */
  regOnly?: boolean;
  /** ModRM.mod is ignored: rm is always a register (mov to/from CR and DR). */
  modIgnored?: boolean;
  /** Set to false when a 1-byte operand size does not mean byte registers. */
  byteRegs?: boolean;
}

const rows: OpRow[] = [];
type Extra = Partial<Omit<OpRow, 'key' | 'mnemonic' | 'operands' | 'size' | 'exec'>>;
function op(key: string, mnemonic: string, operands: string, size: SizeRule, exec: (size: number) => Handler, extra: Extra = {}): OpRow {
  const row: OpRow = { key, mnemonic, operands, size, exec, ...extra };
  if (/\bM[pq]?\b/.test(operands)) row.memOnly = true;
  rows.push(row);
  return row;
}
/** A row only used through another row's alt64 (not inserted in the trie by itself). */
function alt(key: string, mnemonic: string, operands: string, size: SizeRule, exec: (size: number) => Handler, extra: Extra = {}): OpRow {
  const row = op(key, mnemonic, operands, size, exec, extra);
  rows.pop();
  return row;
}
const hex = (n: number): string => n.toString(16).toUpperCase().padStart(2, '0');
const fixed = (h: Handler) => (): Handler => h;

// ---- one-byte map: ALU blocks 00-3F
for (let a = 0; a < 8; a++) {
  const base = a * 8, name = ALU_NAMES[a], lock = a !== CMP;
  op(hex(base), name, 'Eb,Gb', 'b', (s) => aluEG(a, s), { lock });
  op(hex(base + 1), name, 'Ev,Gv', 'v', (s) => aluEG(a, s), { lock });
  op(hex(base + 2), name, 'Gb,Eb', 'b', (s) => aluGE(a, s));
  op(hex(base + 3), name, 'Gv,Ev', 'v', (s) => aluGE(a, s));
  op(hex(base + 4), name, 'AL,Ib', 'b', (s) => aluAI(a, s));
  op(hex(base + 5), name, 'rAX,Iz', 'v', (s) => aluAI(a, s));
  // group 1
  op(`80/${a}`, name, 'Eb,Ib', 'b', (s) => aluEI(a, s), { lock });
  op(`81/${a}`, name, 'Ev,Iz', 'v', (s) => aluEI(a, s), { lock });
  op(`82/${a}`, name, 'Eb,Ib', 'b', (s) => aluEI(a, s), { lock, modes: 'no64' });
  op(`83/${a}`, name, 'Ev,Ibs', 'v', (s) => aluEI(a, s), { lock });
}
op('06', 'push es', '', 'v', () => pushSreg(ES), { modes: 'no64' });
op('07', 'pop es', '', 'v', () => popSreg(ES), { modes: 'no64' });
op('0E', 'push cs', '', 'v', () => pushSreg(CS), { modes: 'no64' });
op('16', 'push ss', '', 'v', () => pushSreg(SS), { modes: 'no64' });
op('17', 'pop ss', '', 'v', () => popSreg(SS), { modes: 'no64' });
op('1E', 'push ds', '', 'v', () => pushSreg(DS), { modes: 'no64' });
op('1F', 'pop ds', '', 'v', () => popSreg(DS), { modes: 'no64' });
op('27', 'daa', '', 'b', () => bcd('daa'), { modes: 'no64' });
op('2F', 'das', '', 'b', () => bcd('das'), { modes: 'no64' });
op('37', 'aaa', '', 'b', () => bcd('aaa'), { modes: 'no64' });
op('3F', 'aas', '', 'b', () => bcd('aas'), { modes: 'no64' });
for (let r = 0; r < 8; r++) {
  op(hex(0x40 + r), 'inc', 'Zv', 'v', (s) => incDecZ(s, false), { modes: 'no64', opReg: true });
  op(hex(0x48 + r), 'dec', 'Zv', 'v', (s) => incDecZ(s, true), { modes: 'no64', opReg: true });
  op(hex(0x50 + r), 'push', 'Zv', 'd64', pushZ, { opReg: true });
  op(hex(0x58 + r), 'pop', 'Zv', 'd64', popZ, { opReg: true });
}
op('60', 'pusha', '', 'v', pusha, { modes: 'no64' });
op('62', 'bound', 'Gv,M', 'v', bound, { modes: 'no64' });
op('61', 'popa', '', 'v', popa, { modes: 'no64' });
op('63', 'arpl', 'Ew,Gw', 'w', () => fixed(arplHandler)(), {
  modes: 'no64', alt64: alt('63', 'movsxd', 'Gv,Ed', 'v', movsxd),
});
op('68', 'push', 'Iz', 'd64', pushI);
op('69', 'imul', 'Gv,Ev,Iz', 'v', (s) => imul2(s, true));
op('6A', 'push', 'Ibs', 'd64', pushI);
op('6B', 'imul', 'Gv,Ev,Ibs', 'v', (s) => imul2(s, true));
op('6C', 'insb', '', 'b', insOp);
op('6D', 'ins', '', 'v', (s) => insOp(s === 8 ? 4 : s));
op('6E', 'outsb', '', 'b', outsOp);
op('6F', 'outs', '', 'v', (s) => outsOp(s === 8 ? 4 : s));
for (let c = 0; c < 16; c++) op(hex(0x70 + c), 'jcc', 'Jb', 'f64', jcc, { cc: true });
op('84', 'test', 'Eb,Gb', 'b', testEG);
op('85', 'test', 'Ev,Gv', 'v', testEG);
op('86', 'xchg', 'Eb,Gb', 'b', xchgEG, { lock: true });
op('87', 'xchg', 'Ev,Gv', 'v', xchgEG, { lock: true });
op('88', 'mov', 'Eb,Gb', 'b', movEG);
op('89', 'mov', 'Ev,Gv', 'v', movEG);
op('8A', 'mov', 'Gb,Eb', 'b', movGE);
op('8B', 'mov', 'Gv,Ev', 'v', movGE);
op('8C', 'mov', 'Ev,Sw', 'v', movEFromSreg);
op('8D', 'lea', 'Gv,M', 'v', lea, { noSeg: true });
op('8E', 'mov', 'Sw,Ew', 'w', movSregFromE);
op('8F/0', 'pop', 'Ev', 'd64', popE);
for (let r = 0; r < 8; r++) op(hex(0x90 + r), r === 0 ? 'nop' : 'xchg', 'Zv', 'v', xchgZA, { opReg: true });
op('F3 90', 'pause', '', 'v', nop);
op('98', 'cbw', '', 'v', cbw);
op('99', 'cwd', '', 'v', cwd);
op('9A', 'call far', 'Ap', 'v', callFarPtr, { modes: 'no64' });
op('9B', 'wait', '', 'v', () => x87(true));
op('9C', 'pushf', '', 'd64', pushf);
op('9D', 'popf', '', 'd64', popf);
op('9E', 'sahf', '', 'v', sahf);
op('9F', 'lahf', '', 'v', lahf);
op('A0', 'mov', 'AL,Ob', 'b', movAO);
op('A1', 'mov', 'rAX,Ov', 'v', movAO);
op('A2', 'mov', 'Ob,AL', 'b', movOA);
op('A3', 'mov', 'Ov,rAX', 'v', movOA);
op('A4', 'movsb', '', 'b', (s) => stringOp('movs', s));
op('A5', 'movs', '', 'v', (s) => stringOp('movs', s));
op('A6', 'cmpsb', '', 'b', (s) => stringOp('cmps', s));
op('A7', 'cmps', '', 'v', (s) => stringOp('cmps', s));
op('A8', 'test', 'AL,Ib', 'b', testAI);
op('A9', 'test', 'rAX,Iz', 'v', testAI);
op('AA', 'stosb', '', 'b', (s) => stringOp('stos', s));
op('AB', 'stos', '', 'v', (s) => stringOp('stos', s));
op('AC', 'lodsb', '', 'b', (s) => stringOp('lods', s));
op('AD', 'lods', '', 'v', (s) => stringOp('lods', s));
op('AE', 'scasb', '', 'b', (s) => stringOp('scas', s));
op('AF', 'scas', '', 'v', (s) => stringOp('scas', s));
for (let r = 0; r < 8; r++) {
  op(hex(0xb0 + r), 'mov', 'Zb,Ib', 'b', movZI, { opReg: true });
  op(hex(0xb8 + r), 'mov', 'Zv,Iv', 'v', movZI, { opReg: true });
}
for (let s = 0; s < 8; s++) {
  if (s === 6) continue; // /6 (sal alias) is handled below with its own rows
  op(`C0/${s}`, SHIFT_NAMES[s], 'Eb,Ib', 'b', (z) => shiftE(s, z, 'imm'));
  op(`C1/${s}`, SHIFT_NAMES[s], 'Ev,Ib', 'v', (z) => shiftE(s, z, 'imm'));
  op(`D0/${s}`, SHIFT_NAMES[s], 'Eb', 'b', (z) => shiftE(s, z, 'one'));
  op(`D1/${s}`, SHIFT_NAMES[s], 'Ev', 'v', (z) => shiftE(s, z, 'one'));
  op(`D2/${s}`, SHIFT_NAMES[s], 'Eb', 'b', (z) => shiftE(s, z, 'cl'));
  op(`D3/${s}`, SHIFT_NAMES[s], 'Ev', 'v', (z) => shiftE(s, z, 'cl'));
}
op('C0/6', 'sal', 'Eb,Ib', 'b', (z) => shiftE(6, z, 'imm'));
op('C1/6', 'sal', 'Ev,Ib', 'v', (z) => shiftE(6, z, 'imm'));
op('D0/6', 'sal', 'Eb', 'b', (z) => shiftE(6, z, 'one'));
op('D1/6', 'sal', 'Ev', 'v', (z) => shiftE(6, z, 'one'));
op('D2/6', 'sal', 'Eb', 'b', (z) => shiftE(6, z, 'cl'));
op('D3/6', 'sal', 'Ev', 'v', (z) => shiftE(6, z, 'cl'));
op('C2', 'ret', 'Iw', 'f64', () => ret(true));
op('C3', 'ret', '', 'f64', () => ret(false));
op('C4', 'les', 'Gv,Mp', 'v', () => loadFarPointer(ES), { modes: 'no64' });
op('C5', 'lds', 'Gv,Mp', 'v', () => loadFarPointer(DS), { modes: 'no64' });
op('C6/0', 'mov', 'Eb,Ib', 'b', movEI);
op('C7/0', 'mov', 'Ev,Iz', 'v', movEI);
op('C8', 'enter', 'Iw,Ib', 'd64', enter);
op('C9', 'leave', '', 'd64', leave);
op('CA', 'retf', 'Iw', 'v', () => retFar(true));
op('CB', 'retf', '', 'v', () => retFar(false));
op('CC', 'int3', '', 'v', () => softInt('int3'));
op('CD', 'int', 'Ib', 'v', () => softInt('int'));
op('CE', 'into', '', 'v', () => softInt('into'), { modes: 'no64' });
op('CF', 'iret', '', 'v', iretOp);
op('D4', 'aam', 'Ib', 'b', () => bcd('aam'), { modes: 'no64' });
op('D5', 'aad', 'Ib', 'b', () => bcd('aad'), { modes: 'no64' });
op('D7', 'xlat', '', 'b', xlat);
for (let e = 0xd8; e <= 0xdf; e++) op(hex(e), 'x87', '', 'v', () => x87(false), { modrm: true });
op('E0', 'loopne', 'Jb', 'f64', () => loop('loopne'));
op('E1', 'loope', 'Jb', 'f64', () => loop('loope'));
op('E2', 'loop', 'Jb', 'f64', () => loop('loop'));
op('E3', 'jrcxz', 'Jb', 'f64', jrcxz);
op('E4', 'in', 'AL,Ib', 'b', (s) => inOp(false, s));
op('E5', 'in', 'eAX,Ib', 'v', (s) => inOp(false, s === 8 ? 4 : s));
op('E6', 'out', 'Ib,AL', 'b', (s) => outOp(false, s));
op('E7', 'out', 'Ib,eAX', 'v', (s) => outOp(false, s === 8 ? 4 : s));
op('E8', 'call', 'Jz', 'f64', callRel);
op('E9', 'jmp', 'Jz', 'f64', jmpRel);
op('EA', 'jmp far', 'Ap', 'v', jmpFarPtr, { modes: 'no64' });
op('EB', 'jmp', 'Jb', 'f64', jmpRel);
op('EC', 'in', 'AL,DX', 'b', (s) => inOp(true, s));
op('ED', 'in', 'eAX,DX', 'v', (s) => inOp(true, s === 8 ? 4 : s));
op('EE', 'out', 'DX,AL', 'b', (s) => outOp(true, s));
op('EF', 'out', 'DX,eAX', 'v', (s) => outOp(true, s === 8 ? 4 : s));
op('F1', 'int1', '', 'v', () => softInt('int1'));
op('F4', 'hlt', '', 'v', hlt);
op('F5', 'cmc', '', 'v', () => flagOp('cmc'));
op('F6/0', 'test', 'Eb,Ib', 'b', testEI);
op('F6/1', 'test', 'Eb,Ib', 'b', testEI);
op('F6/2', 'not', 'Eb', 'b', notE, { lock: true });
op('F6/3', 'neg', 'Eb', 'b', negE, { lock: true });
op('F6/4', 'mul', 'Eb', 'b', (s) => mul1(s, false));
op('F6/5', 'imul', 'Eb', 'b', (s) => mul1(s, true));
op('F6/6', 'div', 'Eb', 'b', (s) => div(s, false));
op('F6/7', 'idiv', 'Eb', 'b', (s) => div(s, true));
op('F7/0', 'test', 'Ev,Iz', 'v', testEI);
op('F7/1', 'test', 'Ev,Iz', 'v', testEI);
op('F7/2', 'not', 'Ev', 'v', notE, { lock: true });
op('F7/3', 'neg', 'Ev', 'v', negE, { lock: true });
op('F7/4', 'mul', 'Ev', 'v', (s) => mul1(s, false));
op('F7/5', 'imul', 'Ev', 'v', (s) => mul1(s, true));
op('F7/6', 'div', 'Ev', 'v', (s) => div(s, false));
op('F7/7', 'idiv', 'Ev', 'v', (s) => div(s, true));
op('F8', 'clc', '', 'v', () => flagOp('clc'));
op('F9', 'stc', '', 'v', () => flagOp('stc'));
op('FA', 'cli', '', 'v', cli);
op('FB', 'sti', '', 'v', sti);
op('FC', 'cld', '', 'v', () => flagOp('cld'));
op('FD', 'std', '', 'v', () => flagOp('std'));
op('FE/0', 'inc', 'Eb', 'b', (s) => incDecE(s, false), { lock: true });
op('FE/1', 'dec', 'Eb', 'b', (s) => incDecE(s, true), { lock: true });
op('FF/0', 'inc', 'Ev', 'v', (s) => incDecE(s, false), { lock: true });
op('FF/1', 'dec', 'Ev', 'v', (s) => incDecE(s, true), { lock: true });
op('FF/2', 'call', 'Ev', 'f64', callE);
op('FF/3', 'call far', 'Mp', 'v', callFarMem);
op('FF/4', 'jmp', 'Ev', 'f64', jmpE);
op('FF/5', 'jmp far', 'Mp', 'v', jmpFarMem);
op('FF/6', 'push', 'Ev', 'd64', pushE);

// ---- two-byte map (0F xx)
op('0F 00/0', 'sldt', 'Ew', 'v', () => storeSystemSeg(false));
op('0F 00/1', 'str', 'Ew', 'v', () => storeSystemSeg(true));
op('0F 00/2', 'lldt', 'Ew', 'w', () => loadSystemSeg(false));
op('0F 00/3', 'ltr', 'Ew', 'w', () => loadSystemSeg(true));
op('0F 00/4', 'verr', 'Ew', 'w', () => verify(false));
op('0F 00/5', 'verw', 'Ew', 'w', () => verify(true));
op('0F 01/0 m', 'sgdt', 'M', 'v', () => storeTableRegister(false));
op('0F 01/1 m', 'sidt', 'M', 'v', () => storeTableRegister(true));
op('0F 01/2 m', 'lgdt', 'M', 'v', () => loadTableRegister(false));
op('0F 01/3 m', 'lidt', 'M', 'v', () => loadTableRegister(true));
op('0F 01/4', 'smsw', 'Ew', 'v', smsw);
op('0F 01/6', 'lmsw', 'Ew', 'w', lmsw);
op('0F 01/7 m', 'invlpg', 'M', 'v', invlpg);
op('0F 01 C1', 'vmcall', '', 'v', () => hypercallInsn('vmcall'));
op('0F 01 D9', 'vmmcall', '', 'v', () => hypercallInsn('vmmcall'));
op('0F 01 F8', 'swapgs', '', 'v', swapgs, { modes: 'only64' });
op('0F 01 F9', 'rdtscp', '', 'v', () => rdtsc(true));
op('0F 02', 'lar', 'Gv,Ew', 'v', () => larLsl(false));
op('0F 03', 'lsl', 'Gv,Ew', 'v', () => larLsl(true));
op('0F 05', 'syscall', '', 'v', syscall);
op('0F 06', 'clts', '', 'v', clts);
op('0F 07', 'sysret', '', 'y', sysret);
op('0F 08', 'invd', '', 'v', () => privilegedNop('invd'));
op('0F 09', 'wbinvd', '', 'v', () => privilegedNop('wbinvd'));
op('0F 0B', 'ud2', '', 'v', ud2);
op('0F 0D', 'prefetch', 'Ev', 'v', nop); // register forms are reserved NOPs
op('0F 18', 'prefetch', 'Ev', 'v', nop);
for (let h = 0x19; h <= 0x1f; h++) op(hex(0x0f) + ' ' + hex(h), 'nop', 'Ev', 'v', nop); // hint NOPs (incl. multi-byte nop, endbr)
op('0F 20', 'mov', 'Rd,Cd', 'v', () => movCr(false), { modrm: true, modIgnored: true });
op('0F 21', 'mov', 'Rd,Dd', 'v', () => movDr(false), { modrm: true, modIgnored: true });
op('0F 22', 'mov', 'Cd,Rd', 'v', () => movCr(true), { modrm: true, modIgnored: true });
op('0F 23', 'mov', 'Dd,Rd', 'v', () => movDr(true), { modrm: true, modIgnored: true });
op('0F 30', 'wrmsr', '', 'v', wrmsr);
op('0F 31', 'rdtsc', '', 'v', () => rdtsc(false));
op('0F 32', 'rdmsr', '', 'v', rdmsr);
op('0F 33', 'rdpmc', '', 'v', rdpmc);
op('0F 34', 'sysenter', '', 'v', sysenter);
op('0F 35', 'sysexit', '', 'y', sysexit);
for (let c = 0; c < 16; c++) {
  op('0F ' + hex(0x40 + c), 'cmovcc', 'Gv,Ev', 'v', cmov, { cc: true });
  op('0F ' + hex(0x80 + c), 'jcc', 'Jz', 'f64', jcc, { cc: true });
  op('0F ' + hex(0x90 + c), 'setcc', 'Eb', 'b', setcc, { cc: true });
}
op('0F A0', 'push fs', '', 'd64', () => pushSreg(FS));
op('0F A1', 'pop fs', '', 'd64', () => popSreg(FS));
op('0F A2', 'cpuid', '', 'v', cpuid);
op('0F A3', 'bt', 'Ev,Gv', 'v', (s) => bitTest(BT, s, true));
op('0F A4', 'shld', 'Ev,Gv,Ib', 'v', (s) => shiftDouble(true, s, 'imm'));
op('0F A5', 'shld', 'Ev,Gv,CL', 'v', (s) => shiftDouble(true, s, 'cl'));
op('0F A8', 'push gs', '', 'd64', () => pushSreg(GS));
op('0F A9', 'pop gs', '', 'd64', () => popSreg(GS));
op('0F AB', 'bts', 'Ev,Gv', 'v', (s) => bitTest(BTS, s, true), { lock: true });
op('0F AC', 'shrd', 'Ev,Gv,Ib', 'v', (s) => shiftDouble(false, s, 'imm'));
op('0F AD', 'shrd', 'Ev,Gv,CL', 'v', (s) => shiftDouble(false, s, 'cl'));
op('0F AE/7 m', 'clflush', 'M', 'v', clflush);
op('0F AE/5 r', 'lfence', '', 'v', nop, { modrm: true });
op('0F AE/6 r', 'mfence', '', 'v', nop, { modrm: true });
op('0F AE/7 r', 'sfence', '', 'v', nop, { modrm: true });
op('0F AE/0 m', 'fxsave', 'M', 'v', () => x87(false));
op('0F AE/1 m', 'fxrstor', 'M', 'v', () => x87(false));
op('F3 0F AE/0 r', 'rdfsbase', 'Ry', 'y', () => fsgsBase(false, false), { modrm: true, modes: 'only64' });
op('F3 0F AE/1 r', 'rdgsbase', 'Ry', 'y', () => fsgsBase(false, true), { modrm: true, modes: 'only64' });
op('F3 0F AE/2 r', 'wrfsbase', 'Ry', 'y', () => fsgsBase(true, false), { modrm: true, modes: 'only64' });
op('F3 0F AE/3 r', 'wrgsbase', 'Ry', 'y', () => fsgsBase(true, true), { modrm: true, modes: 'only64' });
op('0F AF', 'imul', 'Gv,Ev', 'v', (s) => imul2(s, false));
op('0F B0', 'cmpxchg', 'Eb,Gb', 'b', cmpxchg, { lock: true });
op('0F B1', 'cmpxchg', 'Ev,Gv', 'v', cmpxchg, { lock: true });
op('0F B2', 'lss', 'Gv,Mp', 'v', () => loadFarPointer(SS));
op('0F B3', 'btr', 'Ev,Gv', 'v', (s) => bitTest(BTR, s, true), { lock: true });
op('0F B4', 'lfs', 'Gv,Mp', 'v', () => loadFarPointer(FS));
op('0F B5', 'lgs', 'Gv,Mp', 'v', () => loadFarPointer(GS));
op('0F B6', 'movzx', 'Gv,Eb', 'v', movzxB, { eByte: true });
op('0F B7', 'movzx', 'Gv,Ew', 'v', movzxW);
op('F3 0F B8', 'popcnt', 'Gv,Ev', 'v', popcnt);
op('0F BA/4', 'bt', 'Ev,Ib', 'v', (s) => bitTest(BT, s, false));
op('0F BA/5', 'bts', 'Ev,Ib', 'v', (s) => bitTest(BTS, s, false), { lock: true });
op('0F BA/6', 'btr', 'Ev,Ib', 'v', (s) => bitTest(BTR, s, false), { lock: true });
op('0F BA/7', 'btc', 'Ev,Ib', 'v', (s) => bitTest(BTC, s, false), { lock: true });
op('0F BB', 'btc', 'Ev,Gv', 'v', (s) => bitTest(BTC, s, true), { lock: true });
op('0F BC', 'bsf', 'Gv,Ev', 'v', (s) => bitScan(false, s));
op('F3 0F BC', 'tzcnt', 'Gv,Ev', 'v', (s) => countZeros(false, s));
op('0F BD', 'bsr', 'Gv,Ev', 'v', (s) => bitScan(true, s));
op('F3 0F BD', 'lzcnt', 'Gv,Ev', 'v', (s) => countZeros(true, s));
op('0F BE', 'movsx', 'Gv,Eb', 'v', movsxB, { eByte: true });
op('0F BF', 'movsx', 'Gv,Ew', 'v', movsxW);
op('0F C0', 'xadd', 'Eb,Gb', 'b', xadd, { lock: true });
op('0F C1', 'xadd', 'Ev,Gv', 'v', xadd, { lock: true });
op('0F C7/1 m', 'cmpxchg8b', 'Mq', 'y', cmpxchgWide, { lock: true });
for (let r = 0; r < 8; r++) op('0F ' + hex(0xc8 + r), 'bswap', 'Zv', 'v', bswap, { opReg: true });
op('0F FF', 'ud0', 'Gv,Ev', 'v', ud2);

// ---- VEX-encoded BMI1 (VEX.L must be 0; VEX.W selects 64-bit in 64-bit mode)
op('VEX 0F 38 F2', 'andn', 'Gy,By,Ey', 'y', andn);
op('VEX 0F 38 F7', 'bextr', 'Gy,Ey,By', 'y', bextr);
op('VEX 0F 38 F3/1', 'blsr', 'By,Ey', 'y', (s) => blsOp('blsr', s));
op('VEX 0F 38 F3/2', 'blsmsk', 'By,Ey', 'y', (s) => blsOp('blsmsk', s));
op('VEX 0F 38 F3/3', 'blsi', 'By,Ey', 'y', (s) => blsOp('blsi', s));
op('0F B9', 'ud1', 'Gv,Ev', 'v', ud2);

// ---- SSE/MMX space: decoded with ModRM so lengths are right, executed as "not available"
const SSE_OPCODES = [
  ...range(0x10, 0x17), ...range(0x28, 0x2f), ...range(0x50, 0x76), ...range(0x78, 0x7f), ...range(0xc2, 0xc6), ...range(0xd0, 0xfe),
];
for (const b of SSE_OPCODES) {
  const name = `sse 0f ${b.toString(16)}`;
  const imm = b === 0x70 || (b >= 0x71 && b <= 0x73) || b === 0xc2 || b === 0xc4 || b === 0xc5 || b === 0xc6;
  op('0F ' + hex(b), name, imm ? 'Ev,Ib' : 'Ev', 'v', () => sse(name), { byteRegs: false });
}
op('0F 77', 'emms', '', 'v', () => x87(false));
// SSE4A extrq/insertq (66/F2 0F 78) carry two imm8 bytes; plain 0F 78 is vmread (no VMX here).
op('66 0F 78', 'extrq', 'Ev,Ib,Ib', 'v', () => sse('extrq'));
op('F2 0F 78', 'insertq', 'Ev,Ib,Ib', 'v', () => sse('insertq'));
function range(a: number, b: number): number[] { const r: number[] = []; for (let x = a; x <= b; x++) r.push(x); return r; }

export const OPCODE_ROWS: readonly OpRow[] = rows;
