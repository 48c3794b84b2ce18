/**
 * Random x86 byte strings biased towards the interesting corners of the decoder: stacks of
 * legacy prefixes and REX, the 0F / 0F38 / 0F3A maps, and ModRM/SIB/displacement shapes
 * (uniformly random bytes would be mostly one-byte integer opcodes with trivial ModRMs).
 */
import { Rng } from './rng';

const LEGACY_PREFIXES = [0x66, 0x67, 0xf2, 0xf3, 0xf0, 0x2e, 0x3e, 0x26, 0x64, 0x65, 0x36];

/** One instruction-shaped chunk: prefixes, an opcode from some map, then ModRM/SIB/disp/imm-ish bytes. */
export function randomInstructionBytes(rng: Rng, allowRex: boolean): number[] {
  const out: number[] = [];
  // Prefixes: usually none or one, occasionally a long run (tests the 15-byte limit).
  const nPrefix = rng.chance(0.5) ? 0 : rng.chance(0.8) ? 1 + rng.below(2) : 3 + rng.below(13);
  for (let i = 0; i < nPrefix; i++) out.push(rng.pick(LEGACY_PREFIXES));
  if (allowRex && rng.chance(0.35)) out.push(0x40 | rng.below(16));
  // Opcode map.
  const m = rng.below(100);
  if (m < 50) {
    out.push(rng.byte());
  } else if (m < 85) {
    out.push(0x0f, rng.byte());
  } else if (m < 92) {
    out.push(0x0f, 0x38, rng.byte());
  } else if (m < 97) {
    out.push(0x0f, 0x3a, rng.byte());
  } else {
    // VEX/EVEX/XOP lead bytes: in 32-bit mode these double as LES/LDS/BOUND/POP.
    out.push(rng.pick([0xc4, 0xc5, 0x62, 0x8f]));
  }
  // ModRM shapes: register form, [disp32]/RIP-relative, SIB with no base, and random.
  const shape = rng.below(6);
  let modrm: number;
  if (shape === 0) modrm = 0xc0 | rng.below(64);
  else if (shape === 1) modrm = (rng.below(8) << 3) | 5;
  else if (shape === 2) modrm = (rng.below(3) << 6) | (rng.below(8) << 3) | 4;
  else modrm = rng.byte();
  out.push(modrm);
  if ((modrm & 7) === 4 && modrm < 0xc0) out.push(rng.chance(0.3) ? (rng.byte() & 0xf8) | 5 : rng.byte());
  // Tail: displacement/immediate-ish bytes (random length so truncation points vary).
  const tail = rng.below(10);
  for (let i = 0; i < tail; i++) out.push(rng.chance(0.25) ? rng.pick([0x00, 0xff]) : rng.byte());
  return out;
}

/** A buffer of `len` bytes made of instruction-shaped chunks (with some pure noise mixed in). */
export function randomCodeBytes(rng: Rng, len: number, allowRex: boolean): Uint8Array {
  const buf = new Uint8Array(len);
  let p = 0;
  while (p < len) {
    const chunk = rng.chance(0.1) ? [rng.byte()] : randomInstructionBytes(rng, allowRex);
    for (const b of chunk) {
      if (p >= len) break;
      buf[p++] = b;
    }
  }
  return buf;
}

export function toHex(bytes: ArrayLike<number>): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += (bytes[i] & 0xff).toString(16).padStart(2, '0');
  return s;
}

export function fromHex(hex: string): Uint8Array {
  const clean = hex.replace(/[^0-9a-fA-F]/g, '');
  const out = new Uint8Array(clean.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}
