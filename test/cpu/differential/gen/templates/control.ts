/**
 * Control transfer as small self-contained blocks: Jcc/JMP over a marker instruction (taken or not),
 * indirect JMP/CALL through registers and memory, CALL/RET (incl. RET imm16), LOOP/LOOPcc, JrCXZ.
 * Every block ends at its own end, so items can be chained.
 */
import { EncodeError, type Insn } from '../asm';
import type { Fx, ItemGen } from '../item-gen';
import { imm } from '../operands';
import { ARITH, CF, ccFlags, type Template } from '../template';
import { leBytes, mask } from '../values';

/** A flag-neutral marker instruction that shows whether it ran: mov r32,imm32 or not r32. */
function marker(g: ItemGen, exclude: number[]): Insn {
  const r = g.pick({ exclude });
  g.need(r, 64, true);
  return g.rng.bool() ? { op: [0xb8], opReg: r, imm: imm(g.rng.u32(), 4) } : { op: [0xf7], ext: 2, rm: r, w: g.bits === 64 && g.rng.bool() };
}

/** An address that is not a valid code target (faults on fetch, or #GP if non-canonical). */
function badTarget(g: ItemGen): bigint {
  const opts = [0n, 0xc000n, 0x20000000n];
  if (g.bits === 64) opts.push(0x0000800000000000n, 0xffff800000000000n - 0x1000n);
  return g.rng.pick(opts);
}

export const controlTemplates: Template[] = [
  {
    name: 'jcc rel8/rel32 over marker', group: 'branch', weight: 4,
    gen(g) {
      const cc = g.rng.int(16);
      const long = g.rng.bool(0.35);
      const len = long ? 6 : 2;
      const body = g.assemble(marker(g, []), g.pc() + BigInt(len));
      const extra = g.rng.bool(0.1) ? 0 : body.length; // sometimes a jump to the next instruction
      g.emit({ op: long ? [0x0f, 0x80 + cc] : [0x70 + cc], imm: imm(extra, long ? 4 : 1) }, { noise: false });
      g.raw(body);
      return { fr: ccFlags(cc) };
    },
  },
  {
    name: 'jmp rel8/rel32 over marker', group: 'branch',
    gen(g) {
      const long = g.rng.bool();
      const body = g.assemble(marker(g, []), g.pc() + BigInt(long ? 5 : 2));
      g.emit({ op: [long ? 0xe9 : 0xeb], imm: imm(body.length, long ? 4 : 1) }, { noise: false });
      g.raw(body);
      return {};
    },
  },
  {
    name: 'jmp/jcc rel16 (66, 32-bit: EIP truncated to 16 bits)', group: 'branch', bits: [32], weight: 0.3,
    gen(g) {
      const cc = g.rng.int(16);
      const isJcc = g.rng.bool();
      g.emit({ pfx: [0x66], op: isJcc ? [0x0f, 0x80 + cc] : [0xe9], imm: imm(g.rng.int(0x10000), 2) }, { noise: false });
      return isJcc ? { fr: ccFlags(cc) } : {};
    },
  },
  {
    name: 'jmp r/m (indirect)', group: 'branch', weight: 2,
    gen(g) {
      const useMem = g.rng.bool();
      const bad = g.rng.bool(0.08);
      const osz = g.bits;
      let rm: number | ReturnType<ItemGen['mem']>;
      let reg = -1;
      if (useMem) rm = g.mem(osz, 'r', { safe: !bad && g.rng.bool(0.9) });
      else { reg = g.pick({ sp: false }); rm = reg; }
      const jmp: Insn = { op: [0xff], ext: 4, rm };
      const jlen = g.assemble(jmp, g.pc()).length;
      const body = g.assemble(marker(g, reg >= 0 ? [reg] : []), g.pc() + BigInt(jlen));
      const target = bad ? badTarget(g) : g.pc() + BigInt(jlen + body.length);
      if (typeof rm === 'object') g.setMem(rm.ea, leBytes(target, osz / 8));
      else if (!g.needExact(reg, osz, target & mask(osz))) throw new EncodeError('jmp reg');
      g.emit(jmp, { noise: false });
      g.raw(body);
      return {};
    },
  },
  {
    name: 'call rel32 / ret [imm16]', group: 'call', weight: 2,
    gen(g) {
      g.stack();
      const variant = g.rng.int(3);
      if (variant === 0) {
        // call +0; pop r  (the return address lands in r)
        g.emit({ op: [0xe8], imm: imm(0, 4) }, { noise: false });
        const r = g.pick();
        g.emit({ op: [0x58], opReg: r });
        return {};
      }
      // call L; jmp short end; L: ret [n]
      const retImm = variant === 2 ? g.rng.pick([0, 8, 16, 2, 0xfff8]) : -1;
      const retLen = retImm >= 0 ? 3 : 1;
      g.emit({ op: [0xe8], imm: imm(2, 4) }, { noise: false });
      g.emit({ op: [0xeb], imm: [retLen] }, { noise: false });
      g.emit(retImm >= 0 ? { op: [0xc2], imm: imm(retImm, 2) } : { op: [0xc3] }, { noise: false });
      return {};
    },
  },
  {
    name: 'call r/m (indirect) / ret', group: 'call', weight: 2,
    gen(g) {
      g.stack();
      const useMem = g.rng.bool();
      let reg = -1;
      let rm: number | ReturnType<ItemGen['mem']>;
      if (useMem) rm = g.mem(g.bits, 'r', { safe: true, avoid: [4] });
      else { reg = g.pick(); rm = reg; }
      const call: Insn = { op: [0xff], ext: 2, rm };
      const clen = g.assemble(call, g.pc()).length;
      const target = g.pc() + BigInt(clen + 2);
      if (typeof rm === 'object') g.setMem(rm.ea, leBytes(target, g.bits / 8));
      else if (!g.needExact(reg, g.bits, target)) throw new EncodeError('call reg');
      g.emit(call, { noise: false });
      g.emit({ op: [0xeb], imm: [1] }, { noise: false });
      g.emit({ op: [0xc3] }, { noise: false });
      return {};
    },
  },
  {
    name: 'push imm32; ret (absolute return)', group: 'call',
    gen(g) {
      g.stack();
      const target = g.pc() + 6n;
      g.emit({ op: [0x68], imm: imm(target, 4) }, { noise: false });
      g.emit({ op: [0xc3] }, { noise: false });
      return {};
    },
  },
  {
    name: 'loop/loope/loopne', group: 'loop', weight: 2,
    gen(g) {
      const kind = g.rng.int(3); // E2 loop, E1 loope, E0 loopne
      const narrow = g.rng.bool(0.25);
      const cbits = narrow ? (g.bits === 64 ? 32 : 16) : g.bits;
      const count = BigInt(1 + g.rng.int(6));
      const hi = narrow ? g.rng.bits(g.bits) & ~mask(cbits) : 0n;
      if (!g.fix(1, hi | count)) throw new EncodeError('rcx');
      // Body: dec r32 (sets ZF when it reaches 0) or add r32,r32.
      const r = g.pick({ exclude: [1] });
      const r2 = g.pick({ exclude: [1] });
      g.need(r, 32);
      g.need(r2, 32, true);
      const isDec = g.rng.bool();
      const start = g.bytes.length;
      if (isDec) g.emit({ op: [0xff], ext: 1, rm: r }, { noise: false });
      else g.emit({ op: [0x01], reg: r2, rm: r }, { noise: false });
      const back = -(g.bytes.length - start + 2 + (narrow ? 1 : 0));
      g.emit({ pfx: narrow ? [0x67] : [], op: [0xe2 - kind], imm: imm(back, 1) }, { noise: false });
      const fx: Fx = isDec ? { fw: ARITH & ~CF } : { fw: ARITH };
      return fx;
    },
  },
  {
    name: 'jrcxz/jecxz/jcxz over marker', group: 'loop',
    gen(g) {
      const narrow = g.rng.bool(0.3);
      const cbits = narrow ? (g.bits === 64 ? 32 : 16) : g.bits;
      const low = g.rng.bool(0.5) ? 0n : g.rng.bits(cbits) | 1n;
      const hi = g.rng.bool() ? g.rng.bits(g.bits) & ~mask(cbits) : 0n;
      if (!g.fix(1, hi | low)) throw new EncodeError('rcx');
      const len = narrow ? 3 : 2;
      const body = g.assemble(marker(g, [1]), g.pc() + BigInt(len));
      g.emit({ pfx: narrow ? [0x67] : [], op: [0xe3], imm: [body.length] }, { noise: false });
      g.raw(body);
      return {};
    },
  },
];
