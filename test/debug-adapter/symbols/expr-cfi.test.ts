/**
 * The DWARF expression evaluator and the CFI interpreter on hand-assembled bytes: operations and CFA
 * instructions gcc rarely emits for the sample guests (pieces, implicit values, branches, typed errors,
 * remember/restore state, every register rule, 'zPLR' and 'S' augmentations, 64-bit .debug_frame).
 */
import * as assert from 'assert';
import { CallFrameInfo } from '../../../debug-adapter/symbols/cfi';
import { evaluateLocation, ExprContext } from '../../../debug-adapter/symbols/expr';
import { FrameContext } from '../../../debug-adapter/symbols/model';

const uleb = (v: number): number[] => { const o: number[] = []; do { let b = v & 0x7f; v = Math.floor(v / 128); if (v) b |= 0x80; o.push(b); } while (v); return o; };
const sleb = (v: number): number[] => {
  const o: number[] = [];
  for (;;) { const b = v & 0x7f; v >>= 7; if ((v === 0 && !(b & 0x40)) || (v === -1 && (b & 0x40))) { o.push(b); return o; } o.push(b | 0x80); }
};
const u32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
const u64 = (v: bigint): number[] => Array.from({ length: 8 }, (_, i) => Number((v >> BigInt(8 * i)) & 0xffn));

const REGS: Record<number, bigint> = { 0: 0x1111n, 1: 0x2222n, 3: 0x3333n, 6: 0x7000n, 7: 0x6ff0n, 16: 0x401000n };
const MEM = new Map<bigint, number>();
for (let i = 0; i < 0x200; i++) MEM.set(0x6f00n + BigInt(i), i & 0xff);

function frame(regs: Record<number, bigint> = REGS): FrameContext {
  return {
    arch: 'x86_64', pc: 0x401000n, isReturnAddress: false,
    readRegister: (r) => regs[r],
    readMemory: (a, n) => {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) { const b = MEM.get(a + BigInt(i)); if (b === undefined) return undefined; out[i] = b; }
      return out;
    },
  };
}
const ctx = (extra: Partial<ExprContext> = {}): ExprContext => ({ frame: frame(), addrSize: 8, ...extra });
const ev = (bytes: number[], extra?: Partial<ExprContext>) => evaluateLocation(new Uint8Array(bytes), ctx(extra));

describe('symbols: DWARF expressions', () => {
  it('computes values and memory locations', () => {
    assert.deepStrictEqual(ev([0x35, 0x33, 0x1c, 0x9f]), { kind: 'value', value: 2n }); // lit5 lit3 minus stack_value
    assert.deepStrictEqual(ev([0x77, ...sleb(8)]), { kind: 'memory', address: 0x6ff8n }); // breg7 +8
    assert.deepStrictEqual(ev([0x91, ...sleb(-20)], { frameBase: () => 0x7010n }), { kind: 'memory', address: 0x6ffcn });
    assert.deepStrictEqual(ev([0x9c, 0x23, ...uleb(4)], { cfa: () => 0x7010n }), { kind: 'memory', address: 0x7014n });
    assert.deepStrictEqual(ev([0x03, ...u64(0xffffffff80001234n)]), { kind: 'memory', address: 0xffffffff80001234n });
    assert.deepStrictEqual(ev([0xa1, ...uleb(2)], { addrIndex: (i) => 0x5000n + BigInt(i) }), { kind: 'memory', address: 0x5002n });
    // deref (8 bytes at 0x6f10: 10 11 .. 17) and deref_size 2 (0x6f20: 20 21)
    assert.deepStrictEqual(ev([0x0a, ...[0x10, 0x6f], 0x06, 0x9f]), { kind: 'value', value: 0x1716151413121110n });
    assert.deepStrictEqual(ev([0x0a, ...[0x20, 0x6f], 0x94, 2, 0x9f]), { kind: 'value', value: 0x2120n });
    // signed arithmetic: -7 / 2 = -3 (truncating), abs, neg, shra, comparisons, over/swap/rot/pick/dup/drop
    assert.deepStrictEqual(ev([0x11, ...sleb(-7), 0x32, 0x1b, 0x9f]), { kind: 'value', value: BigInt.asUintN(64, -3n) });
    assert.deepStrictEqual(ev([0x11, ...sleb(-7), 0x19, 0x9f]), { kind: 'value', value: 7n });
    assert.deepStrictEqual(ev([0x11, ...sleb(-16), 0x32, 0x26, 0x9f]), { kind: 'value', value: BigInt.asUintN(64, -4n) });
    assert.deepStrictEqual(ev([0x31, 0x32, 0x2d, 0x9f]), { kind: 'value', value: 1n }); // 1 < 2
    assert.deepStrictEqual(ev([0x31, 0x32, 0x14, 0x22, 0x22, 0x9f]), { kind: 'value', value: 4n }); // 1 2 over + + = 1+2+1
    assert.deepStrictEqual(ev([0x31, 0x32, 0x33, 0x17, 0x1c, 0x1c, 0x9f]), { kind: 'value', value: 4n }); // rot: 3 1 2
    assert.deepStrictEqual(ev([0x31, 0x32, 0x15, 1, 0x16, 0x13, 0x22, 0x9f]), { kind: 'value', value: 2n }); // 1 2 1, 1 1 2, 1 1
    // a loop with bra: count 5 down to 0 (lit5; L: dup bra->body; skip end; body: lit1 minus skip L)
    assert.deepStrictEqual(ev([0x35, 0x12, 0x28, ...[3, 0], 0x2f, ...[5, 0], 0x31, 0x1c, 0x2f, ...[0xf4, 0xff], 0x9f]), { kind: 'value', value: 0n });
  });

  it('registers, pieces and implicit values', () => {
    assert.deepStrictEqual(ev([0x53]), { kind: 'register', reg: 3 });
    assert.deepStrictEqual(ev([0x90, ...uleb(17)]), { kind: 'register', reg: 17 });
    assert.deepStrictEqual(ev([0x50, 0x93, 4, 0x51, 0x93, 4]), {
      kind: 'pieces', pieces: [{ location: { kind: 'register', reg: 0 }, sizeBytes: 4 }, { location: { kind: 'register', reg: 1 }, sizeBytes: 4 }],
    });
    assert.deepStrictEqual(ev([0x93, 4, 0x77, 0, 0x93, 4]), {
      kind: 'pieces', pieces: [{ location: { kind: 'optimized-out' }, sizeBytes: 4 }, { location: { kind: 'memory', address: 0x6ff0n }, sizeBytes: 4 }],
    });
    assert.deepStrictEqual(ev([0x50, 0x9d, 16, 0]), { kind: 'pieces', pieces: [{ location: { kind: 'register', reg: 0 }, sizeBytes: 2 }] });
    assert.deepStrictEqual(ev([0x9e, 4, 1, 2, 3, 4]), { kind: 'bytes', bytes: new Uint8Array([1, 2, 3, 4]) });
    assert.deepStrictEqual(ev([0x34, 0x9f, 0x93, 4]), { kind: 'pieces', pieces: [{ location: { kind: 'value', value: 4n }, sizeBytes: 4 }] });
    assert.deepStrictEqual(ev([]), { kind: 'optimized-out' });
  });

  it('reports what it cannot know as unavailable, and malformed expressions without throwing', () => {
    const why = (b: number[], extra?: Partial<ExprContext>) => { const l = ev(b, extra); assert.strictEqual(l.kind, 'unavailable'); return (l as { why: string }).why; };
    assert.match(why([0xa3, 1, 0x55, 0x9f]), /entry_value/);
    assert.match(why([0xf3, 1, 0x55, 0x9f]), /entry_value/);
    assert.match(why([0x7d, 0]), /register 13/); // breg13: not known in this frame
    assert.match(why([0x91, 0]), /frame base/);
    assert.match(why([0x9c]), /CFA/);
    assert.match(why([0x0a, 0, 0x10, 0x06]), /not readable/);
    assert.match(why([0x30, 0x30, 0x1b]), /division by zero/);
    assert.match(why([0x22]), /underflow/);
    assert.match(why([0x0c, 1, 2]), /truncated/);
    assert.match(why([0xff]), /unknown operation/);
    assert.match(why([0x2f, 0x00, 0x10]), /branch/);
    assert.match(why([0x2f, 0xfd, 0xff]), /too many operations/); // skip -3: an endless loop
    assert.match(why([0xa8, 0]), /not supported/);
    assert.match(why([0x50, 0x30]), /after a register/);
  });
});

/** A .eh_frame with a 'zPLR' CIE, its FDE (with LSDA augmentation data), an 'zRS' CIE and FDE, and a terminator. */
function ehFrame(sectionAddr: bigint): Uint8Array {
  const out: number[] = [];
  const entry = (body: number[]) => { out.push(...u32(body.length), ...body); };
  // CIE 1 at 0: version 1, "zPLR", code align 1, data align -8, RA 16.
  const cie1Start = out.length;
  const aug1 = [0x9b, ...u32(0), 0x1b, 0x1b]; // P: indirect|pcrel|sdata4 personality, L: pcrel|sdata4, R: pcrel|sdata4
  entry([...u32(0), 1, ...Buffer.from('zPLR\0'), ...uleb(1), ...sleb(-8), 16, ...uleb(aug1.length), ...aug1,
    0x0c, 7, 8, 0x90, 1]); // def_cfa rsp+8; offset r16 at cfa-8
  // FDE for [0x1000, 0x1100): pcrel start.
  const fdeStart = out.length;
  const fieldAddr = Number(sectionAddr) + fdeStart + 8;
  const ins = [
    0x41, // advance 1 -> 0x1001
    0x0e, 16, 0x86, 2, // def_cfa_offset 16; offset r6 at cfa-16
    0x43, // advance 3 -> 0x1004
    0x0d, 6, // def_cfa_register r6
    0x0a, // remember_state
    0x02, 12, // advance_loc1 12 -> 0x1010
    0x0c, 7, 8, 0xc6, // def_cfa rsp+8; restore r6
    0x03, 0x10, 0x00, // advance_loc2 16 -> 0x1020
    0x0b, // restore_state
    0x14, 3, 2, // val_offset r3 = cfa+16... (2 * -8 = -16)
    0x09, 12, 0, // r12 in rax
    0x08, 13, 0x07, 14, // same_value r13, undefined r14
    0x10, 15, 2, 0x23, 8, // r15 at [cfa + 8] via an expression (CFA pushed first)
    0x16, 1, 3, 0x70, ...sleb(4), 0x9f, // val_expression r1 = rax + 4
    0x04, ...u32(0x20), // advance_loc4 32 -> 0x1040
    0x12, 7, ...sleb(-3), // def_cfa_sf rsp + (-3 * -8 = 24)
    0x11, 6, ...sleb(-4), // offset_extended_sf r6 at cfa + (-4 * -8)
    0x2e, 8, 0x05, 3, 1, // GNU_args_size; offset_extended r3 at cfa-8
    0x06, 3, // restore_extended r3 (to the CIE's: none)
    0x13, ...sleb(-4), // def_cfa_offset_sf 32
    0x15, 12, ...sleb(2), // val_offset_sf r12 = cfa-16
    0x2f, 13, 1, // GNU_negative_offset_extended r13 at cfa+8
    0x0f, 2, 0x77, 40, // def_cfa_expression rsp+40
    0x00, 0x00,
  ];
  const lsda = u32(0x1234);
  entry([...u32(fdeStart + 4 - cie1Start), ...u32((0x1000 - fieldAddr) >>> 0), ...u32(0x100), ...uleb(lsda.length), ...lsda, ...ins]);
  // CIE 2: "zRS" (a signal frame) with udata4 absolute pointers, and its FDE for [0x2000, 0x2010).
  const cie2Start = out.length;
  entry([...u32(0), 3, ...Buffer.from('zRS\0'), ...uleb(1), ...sleb(-8), ...uleb(16), ...uleb(1), 0x03, 0x0c, 7, 8, 0x90, 1]);
  const fde2 = out.length;
  entry([...u32(fde2 + 4 - cie2Start), ...u32(0x2000), ...u32(0x10), ...uleb(0), 0x01, ...u32(0x2008), 0x0e, 64]); // set_loc 0x2008
  out.push(...u32(0));
  return new Uint8Array(out);
}

describe('symbols: CFI', () => {
  const addr = 0x400000n;
  const cfi = new CallFrameInfo(8, []);
  cfi.add(ehFrame(addr), true, addr);

  it('parses zPLR / zRS CIEs and pc-relative FDE addresses', () => {
    assert.deepStrictEqual(cfi.fdes.map((f) => [f.start, f.end]), [[0x1000n, 0x1100n], [0x2000n, 0x2010n]]);
    assert.strictEqual(cfi.rowAt(0x2000n)?.signalFrame, true);
    assert.strictEqual(cfi.rowAt(0x1000n)?.signalFrame, false);
    assert.strictEqual(cfi.rowAt(0x0fffn), undefined);
    assert.strictEqual(cfi.rowAt(0x1100n), undefined);
  });

  it('runs every CFA instruction up to the pc', () => {
    const at = (pc: number) => cfi.rowAt(BigInt(pc))!;
    assert.deepStrictEqual(at(0x1000).cfa, { reg: 7, offset: 8n });
    assert.deepStrictEqual(at(0x1000).rules.get(16), { k: 'offset', n: -8n });
    assert.deepStrictEqual(at(0x1001).cfa, { reg: 7, offset: 16n });
    assert.deepStrictEqual(at(0x1003).rules.get(6), { k: 'offset', n: -16n });
    assert.deepStrictEqual(at(0x1004).cfa, { reg: 6, offset: 16n });
    assert.deepStrictEqual(at(0x1010).cfa, { reg: 7, offset: 8n });
    assert.strictEqual(at(0x1010).rules.has(6), false, 'restored to the CIE (no rule)');
    const r = at(0x1020);
    assert.deepStrictEqual(r.cfa, { reg: 6, offset: 16n }, 'restore_state');
    assert.deepStrictEqual(r.rules.get(6), { k: 'offset', n: -16n });
    assert.deepStrictEqual(r.rules.get(3), { k: 'val_offset', n: -16n });
    assert.deepStrictEqual(r.rules.get(12), { k: 'register', reg: 0 });
    assert.deepStrictEqual(r.rules.get(13), { k: 'same' });
    assert.deepStrictEqual(r.rules.get(14), { k: 'undefined' });
    assert.strictEqual(r.rules.get(15)?.k, 'expr');
    assert.strictEqual(r.rules.get(1)?.k, 'val_expr');
    const e = at(0x1040);
    assert.deepStrictEqual(e.rules.get(6), { k: 'offset', n: 32n });
    assert.strictEqual(e.rules.has(3), false);
    assert.deepStrictEqual(e.rules.get(12), { k: 'val_offset', n: -16n });
    assert.deepStrictEqual(e.rules.get(13), { k: 'offset', n: 8n });
    assert.ok('expr' in e.cfa);
    assert.deepStrictEqual(cfi.rowAt(0x2007n)!.cfa, { reg: 7, offset: 8n });
    assert.deepStrictEqual(cfi.rowAt(0x2008n)!.cfa, { reg: 7, offset: 64n }, 'set_loc');
  });

  it('reads a 64-bit-format, version 4 .debug_frame', () => {
    const body = (b: number[]) => [0xff, 0xff, 0xff, 0xff, ...u64(BigInt(b.length)), ...b];
    const cie = body([...u64(0xffffffffffffffffn), 4, 0, 8, 0, ...uleb(1), ...sleb(-8), ...uleb(16), 0x0c, 7, 8, 0x90, 1]);
    const fde = body([...u64(0n), ...u64(0x3000n), ...u64(0x40n), 0x44, 0x0e, 16]);
    const c = new CallFrameInfo(8, []);
    c.add(new Uint8Array([...cie, ...fde]), false, 0n);
    assert.deepStrictEqual(c.fdes.map((f) => [f.start, f.end]), [[0x3000n, 0x3040n]]);
    assert.deepStrictEqual(c.rowAt(0x3003n)!.cfa, { reg: 7, offset: 8n });
    assert.deepStrictEqual(c.rowAt(0x3004n)!.cfa, { reg: 7, offset: 16n });
  });

  it('reports bad entries as warnings', () => {
    const warnings: string[] = [];
    const c = new CallFrameInfo(8, warnings);
    c.add(new Uint8Array([...u32(0x100), 0, 0, 0, 0, 1]), true, 0n);
    c.add(new Uint8Array([...u32(12), ...u32(0), 9, 0, 1, 0x78, 16, 0, 0, 0]), false, 0n);
    assert.strictEqual(c.fdes.length, 0);
    assert.ok(warnings.length >= 2 && warnings.every((w) => /frame/.test(w)), warnings.join('; '));
  });
});
