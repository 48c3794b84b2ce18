/**
 * Little-endian cursor over a byte range with the encodings DWARF uses (fixed-size integers, LEB128,
 * NUL-terminated strings, offset-size and address-size fields). Reading past `end` throws a
 * `DwarfFormatError`; the public API catches it at section/unit boundaries and records a warning.
 */

export class DwarfFormatError extends Error {}

const decoder = new TextDecoder('utf-8', { fatal: false });

export class Reader {
  private readonly dv: DataView;
  pos: number;
  readonly end: number;

  constructor(readonly buf: Uint8Array, pos = 0, end = buf.length, readonly what = 'section') {
    this.dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.pos = pos;
    this.end = Math.min(end, buf.length);
  }

  /** A reader over [pos, pos + length) of the same buffer. */
  sub(pos: number, length: number): Reader {
    if (pos < 0 || length < 0 || pos + length > this.end) this.fail(pos, `range of ${length} bytes out of bounds`);
    return new Reader(this.buf, pos, pos + length, this.what);
  }

  get remaining(): number { return this.end - this.pos; }
  get atEnd(): boolean { return this.pos >= this.end; }

  fail(at: number, msg: string): never {
    throw new DwarfFormatError(`${this.what} +0x${at.toString(16)}: ${msg}`);
  }

  private need(n: number): number {
    const p = this.pos;
    if (n < 0 || p + n > this.end) this.fail(p, `truncated (need ${n} bytes, have ${this.end - p})`);
    this.pos = p + n;
    return p;
  }

  skip(n: number): void { this.need(n); }
  u8(): number { return this.buf[this.need(1)]; }
  i8(): number { return this.dv.getInt8(this.need(1)); }
  u16(): number { return this.dv.getUint16(this.need(2), true); }
  i16(): number { return this.dv.getInt16(this.need(2), true); }
  u32(): number { return this.dv.getUint32(this.need(4), true); }
  i32(): number { return this.dv.getInt32(this.need(4), true); }
  u64(): bigint { return this.dv.getBigUint64(this.need(8), true); }
  i64(): bigint { return this.dv.getBigInt64(this.need(8), true); }

  /** A u64 as a number (offsets and lengths; values above 2^53 become unsafe and fail later bound checks). */
  u64n(): number { return Number(this.u64()); }

  /** Unsigned integer of `size` bytes (1, 2, 4, 8). */
  uN(size: number): bigint {
    switch (size) {
      case 1: return BigInt(this.u8());
      case 2: return BigInt(this.u16());
      case 4: return BigInt(this.u32());
      case 8: return this.u64();
      default: return this.fail(this.pos, `unsupported integer size ${size}`);
    }
  }

  iN(size: number): bigint {
    switch (size) {
      case 1: return BigInt(this.i8());
      case 2: return BigInt(this.i16());
      case 4: return BigInt(this.i32());
      case 8: return this.i64();
      default: return this.fail(this.pos, `unsupported integer size ${size}`);
    }
  }

  /** A section offset of the unit's offset size (4 for 32-bit DWARF, 8 for 64-bit DWARF). */
  offset(offsetSize: number): number { return offsetSize === 8 ? this.u64n() : this.u32(); }

  /** ULEB128 as a number (counts, indices, offsets). */
  uleb(): number {
    let result = 0, mul = 1;
    for (;;) {
      const b = this.u8();
      result += (b & 0x7f) * mul;
      if (!(b & 0x80)) return result;
      mul *= 128;
      if (mul > 2 ** 70) { this.skipLeb(); return result; } // overlong: the excess bits are dropped
    }
  }

  private skipLeb(): void { while (this.u8() & 0x80) { /* consume the rest of the number */ } }

  ulebBig(): bigint {
    let result = 0n, shift = 0n;
    for (;;) {
      const b = this.u8();
      if (shift < 64n) result |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if (!(b & 0x80)) return BigInt.asUintN(64, result);
    }
  }

  slebBig(): bigint {
    let result = 0n, shift = 0n, b: number;
    do {
      b = this.u8();
      if (shift < 64n) result |= BigInt(b & 0x7f) << shift;
      shift += 7n;
    } while (b & 0x80);
    if (shift < 64n && (b & 0x40)) result -= 1n << shift;
    return BigInt.asIntN(64, result);
  }

  sleb(): number { return Number(this.slebBig()); }

  cstr(): string {
    const start = this.pos;
    let p = start;
    while (p < this.end && this.buf[p] !== 0) p++;
    if (p >= this.end) this.fail(start, 'unterminated string');
    this.pos = p + 1;
    return decoder.decode(this.buf.subarray(start, p));
  }

  bytes(n: number): Uint8Array {
    const p = this.need(n);
    return this.buf.subarray(p, p + n);
  }
}

/** NUL-terminated string at `offset` of a string section, or undefined when out of range. */
export function stringAt(section: Uint8Array | undefined, offset: number): string | undefined {
  if (!section || offset < 0 || offset >= section.length) return undefined;
  let end = offset;
  while (end < section.length && section[end] !== 0) end++;
  return decoder.decode(section.subarray(offset, end));
}

/** Reads the initial length of a unit (DWARF 5 §7.4): returns the length and the offset size (4 or 8). */
export function readInitialLength(r: Reader): { length: number; offsetSize: number } {
  const l = r.u32();
  if (l === 0xffffffff) return { length: r.u64n(), offsetSize: 8 };
  if (l >= 0xfffffff0) r.fail(r.pos - 4, `reserved initial length 0x${l.toString(16)}`);
  return { length: l, offsetSize: 4 };
}
