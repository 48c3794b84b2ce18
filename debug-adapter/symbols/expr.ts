/**
 * The DWARF expression evaluator (DWARF 5 §2.5 and §2.6): a stack machine over 64-bit values that yields a
 * location description: memory (the top of the stack), a register (DW_OP_reg*), an implicit value
 * (DW_OP_stack_value, DW_OP_implicit_value), or pieces of those (DW_OP_piece, DW_OP_bit_piece). What it
 * cannot know (DW_OP_entry_value, a missing register or memory) becomes `unavailable`; malformed
 * expressions too, with the reason.
 */
import { FrameContext, ValueLocation } from './model';
import { Reader } from './reader';

export interface ExprContext {
  frame?: FrameContext;
  addrSize: number;
  /** DW_AT_frame_base of the enclosing function, evaluated (for DW_OP_fbreg). */
  frameBase?: () => bigint | undefined;
  /** The frame's canonical frame address from CFI (for DW_OP_call_frame_cfa). */
  cfa?: () => bigint | undefined;
  /** Entry of the unit's .debug_addr table (DW_OP_addrx, DW_OP_constx). */
  addrIndex?: (i: number) => bigint | undefined;
  /** Values pushed before evaluation (CFI DW_CFA_expression pushes the CFA, §6.4.2.3). */
  initialStack?: bigint[];
}

class Unavailable extends Error {}

const U64 = (v: bigint) => BigInt.asUintN(64, v);
const S64 = (v: bigint) => BigInt.asIntN(64, v);

/** Evaluates a location expression. */
export function evaluateLocation(expr: Uint8Array, ctx: ExprContext): ValueLocation {
  if (expr.length === 0) return { kind: 'optimized-out' };
  try {
    return run(expr, ctx);
  } catch (e) {
    return { kind: 'unavailable', why: e instanceof Unavailable ? e.message : `bad DWARF expression: ${(e as Error).message}` };
  }
}

/** Evaluates an expression for its value (frame base, CFA rules): the top of the stack as an address. */
export function evaluateValue(expr: Uint8Array, ctx: ExprContext): bigint | undefined {
  const loc = evaluateLocation(expr, ctx);
  if (loc.kind === 'memory') return loc.address;
  if (loc.kind === 'value') return loc.value;
  if (loc.kind === 'register' && ctx.frame) return ctx.frame.readRegister(loc.reg);
  return undefined;
}

function run(expr: Uint8Array, ctx: ExprContext): ValueLocation {
  const r = new Reader(expr, 0, expr.length, 'DWARF expression');
  const stack: bigint[] = [...(ctx.initialStack ?? [])];
  const pieces: { location: ValueLocation; sizeBytes: number }[] = [];
  let pending: ValueLocation | undefined; // a register/implicit location waiting for DW_OP_piece or the end
  const addrMask = (1n << BigInt(ctx.addrSize * 8)) - 1n;

  const pop = (): bigint => {
    const v = stack.pop();
    if (v === undefined) throw new Error('stack underflow');
    return v;
  };
  const push = (v: bigint) => { if (stack.length > 10000) throw new Error('stack overflow'); stack.push(U64(v)); };
  const reg = (n: number): bigint => {
    if (!ctx.frame) throw new Unavailable(`register ${n} needs a frame`);
    const v = ctx.frame.readRegister(n);
    if (v === undefined) throw new Unavailable(`register ${n} is not known in this frame`);
    return v;
  };
  const mem = (addr: bigint, size: number): bigint => {
    if (!ctx.frame) throw new Unavailable('memory read needs a frame');
    const b = ctx.frame.readMemory(addr & addrMask, size);
    if (!b || b.length < size) throw new Unavailable(`memory at 0x${(addr & addrMask).toString(16)} is not readable`);
    let v = 0n;
    for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    return v;
  };
  const finishPiece = (): ValueLocation => {
    if (pending) { const p = pending; pending = undefined; return p; }
    if (stack.length === 0) return { kind: 'optimized-out' }; // an empty piece: that part is optimized out (§2.6.1.2)
    return { kind: 'memory', address: stack[stack.length - 1] & addrMask };
  };

  let steps = 0;
  while (!r.atEnd) {
    if (++steps > 100000) throw new Error('too many operations (loop?)');
    const opPos = r.pos;
    const op = r.u8();
    if (pending && op !== 0x93 && op !== 0x9d) throw new Error(`operation 0x${op.toString(16)} after a register or implicit location`);
    if (op >= 0x30 && op <= 0x4f) { push(BigInt(op - 0x30)); continue; } // lit0..31
    if (op >= 0x50 && op <= 0x6f) { pending = { kind: 'register', reg: op - 0x50 }; continue; } // reg0..31
    if (op >= 0x70 && op <= 0x8f) { push(reg(op - 0x70) + r.slebBig()); continue; } // breg0..31
    switch (op) {
      case 0x03: push(r.uN(ctx.addrSize)); break; // addr
      case 0x06: push(mem(pop(), ctx.addrSize)); break; // deref
      case 0x08: push(BigInt(r.u8())); break; // const1u
      case 0x09: push(BigInt(r.i8())); break;
      case 0x0a: push(BigInt(r.u16())); break;
      case 0x0b: push(BigInt(r.i16())); break;
      case 0x0c: push(BigInt(r.u32())); break;
      case 0x0d: push(BigInt(r.i32())); break;
      case 0x0e: push(r.u64()); break;
      case 0x0f: push(r.i64()); break;
      case 0x10: push(r.ulebBig()); break; // constu
      case 0x11: push(r.slebBig()); break; // consts
      case 0x12: push(stack[stack.length - 1] ?? pop()); break; // dup
      case 0x13: pop(); break; // drop
      case 0x14: push(stack[stack.length - 2] ?? (() => { throw new Error('stack underflow'); })()); break; // over
      case 0x15: { const i = r.u8(); const v = stack[stack.length - 1 - i]; if (v === undefined) throw new Error('pick out of range'); push(v); break; }
      case 0x16: { const a = pop(), b = pop(); push(a); push(b); break; } // swap
      case 0x17: { const a = pop(), b = pop(), c = pop(); push(a); push(c); push(b); break; } // rot
      case 0x18: throw new Unavailable('DW_OP_xderef is not supported');
      case 0x19: { const a = S64(pop()); push(a < 0n ? -a : a); break; } // abs
      case 0x1a: { const b = pop(), a = pop(); push(a & b); break; }
      case 0x1b: { const b = S64(pop()), a = S64(pop()); if (b === 0n) throw new Error('division by zero'); push(a / b); break; }
      case 0x1c: { const b = pop(), a = pop(); push(a - b); break; }
      case 0x1d: { const b = pop(), a = pop(); if (b === 0n) throw new Error('modulo by zero'); push(a % b); break; }
      case 0x1e: { const b = pop(), a = pop(); push(a * b); break; }
      case 0x1f: push(-pop()); break;
      case 0x20: push(~pop()); break;
      case 0x21: { const b = pop(), a = pop(); push(a | b); break; }
      case 0x22: { const b = pop(), a = pop(); push(a + b); break; }
      case 0x23: push(pop() + r.ulebBig()); break; // plus_uconst
      case 0x24: { const b = pop(), a = pop(); push(b >= 64n ? 0n : a << b); break; }
      case 0x25: { const b = pop(), a = pop(); push(b >= 64n ? 0n : a >> b); break; }
      case 0x26: { const b = pop(), a = S64(pop()); push(b >= 64n ? (a < 0n ? -1n : 0n) : a >> b); break; }
      case 0x27: { const b = pop(), a = pop(); push(a ^ b); break; }
      case 0x28: { const off = r.i16(); if (pop() !== 0n) jump(r, off); break; } // bra
      case 0x29: { const b = S64(pop()), a = S64(pop()); push(a === b ? 1n : 0n); break; }
      case 0x2a: { const b = S64(pop()), a = S64(pop()); push(a >= b ? 1n : 0n); break; }
      case 0x2b: { const b = S64(pop()), a = S64(pop()); push(a > b ? 1n : 0n); break; }
      case 0x2c: { const b = S64(pop()), a = S64(pop()); push(a <= b ? 1n : 0n); break; }
      case 0x2d: { const b = S64(pop()), a = S64(pop()); push(a < b ? 1n : 0n); break; }
      case 0x2e: { const b = S64(pop()), a = S64(pop()); push(a !== b ? 1n : 0n); break; }
      case 0x2f: jump(r, r.i16()); break; // skip
      case 0x90: pending = { kind: 'register', reg: r.uleb() }; break; // regx
      case 0x91: { // fbreg
        const off = r.slebBig();
        const fb = ctx.frameBase?.();
        if (fb === undefined) throw new Unavailable('the frame base is not known');
        push(fb + off);
        break;
      }
      case 0x92: { const n = r.uleb(); push(reg(n) + r.slebBig()); break; } // bregx
      case 0x93: { // piece
        const size = r.uleb();
        pieces.push({ location: finishPiece(), sizeBytes: size });
        stack.length = 0;
        break;
      }
      case 0x94: { const n = r.u8(); push(mem(pop(), n)); break; } // deref_size
      case 0x95: { r.u8(); throw new Unavailable('DW_OP_xderef_size is not supported'); }
      case 0x96: break; // nop
      case 0x97: throw new Unavailable('DW_OP_push_object_address has no object here');
      case 0x98: case 0x99: case 0x9a: throw new Unavailable('DW_OP_call* is not supported');
      case 0x9b: throw new Unavailable('DW_OP_form_tls_address: thread-local storage is not supported');
      case 0x9c: { // call_frame_cfa
        const cfa = ctx.cfa?.();
        if (cfa === undefined) throw new Unavailable('the CFA is not known (no CFI for this pc)');
        push(cfa);
        break;
      }
      case 0x9d: { // bit_piece: recorded to byte granularity when byte-aligned
        const bits = r.uleb(); const offset = r.uleb();
        if (bits % 8 !== 0 || offset % 8 !== 0) throw new Unavailable('DW_OP_bit_piece with a non-byte size or offset');
        pieces.push({ location: finishPiece(), sizeBytes: bits / 8 });
        stack.length = 0;
        break;
      }
      case 0x9e: { // implicit_value
        const n = r.uleb();
        pending = { kind: 'bytes', bytes: r.bytes(n).slice() };
        break;
      }
      case 0x9f: pending = { kind: 'value', value: pop() }; break; // stack_value
      case 0xa0: case 0xf2: throw new Unavailable('DW_OP_implicit_pointer: the pointed-to object has no address');
      case 0xa3: case 0xf3: throw new Unavailable('DW_OP_entry_value: value on entry to the function is not recorded');
      case 0xa1: case 0xa2: { // addrx, constx (§2.5.1.1)
        const i = r.uleb();
        const a = ctx.addrIndex?.(i);
        if (a === undefined) throw new Error(`DW_OP_addrx ${i}: no .debug_addr entry`);
        push(a);
        break;
      }
      case 0xa4: case 0xa5: case 0xa6: case 0xa7: case 0xa8: case 0xa9:
        throw new Unavailable(`typed DWARF operation 0x${op.toString(16)} is not supported`);
      case 0xe0: throw new Unavailable('DW_OP_GNU_push_tls_address is not supported');
      case 0xf0: case 0xf1: case 0xf4: case 0xf5: case 0xf6: case 0xf7: case 0xf8: case 0xf9: case 0xfa:
        throw new Unavailable(`GNU DWARF operation 0x${op.toString(16)} is not supported`);
      case 0xfb: case 0xfc: { // GNU_addr_index, GNU_const_index
        const i = r.uleb();
        const a = ctx.addrIndex?.(i);
        if (a === undefined) throw new Error(`index ${i}: no .debug_addr entry`);
        push(a);
        break;
      }
      default:
        throw new Error(`unknown operation 0x${op.toString(16)} at offset ${opPos}`);
    }
  }
  if (pieces.length > 0) {
    if (pending || stack.length > 0) throw new Error('operations after the last piece');
    return { kind: 'pieces', pieces };
  }
  if (pending) return pending;
  if (stack.length === 0) throw new Error('empty stack at the end');
  return { kind: 'memory', address: stack[stack.length - 1] & addrMask };
}

function jump(r: Reader, off: number): void {
  const to = r.pos + off;
  if (to < 0 || to > r.end) throw new Error(`branch to ${to} outside the expression`);
  r.pos = to;
}
