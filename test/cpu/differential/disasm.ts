/** Disassembly of test bytes with iced-x86 (Intel syntax), for reproducers and generator checks. */
import { Decoder, DecoderOptions, Formatter, FormatterSyntax, Mnemonic } from 'iced-x86';

export interface DecodedInsn { offset: number; length: number; text: string; mnemonic: string; invalid: boolean; }

export function decodeAll(code: Uint8Array, bits: number, ip: bigint): DecodedInsn[] {
  const d = new Decoder(bits, code, DecoderOptions.None);
  const f = new Formatter(FormatterSyntax.Intel);
  d.ip = ip;
  const out: DecodedInsn[] = [];
  try {
    let off = 0;
    while (d.canDecode) {
      const i = d.decode();
      out.push({ offset: off, length: i.length, text: i.isInvalid ? '(bad)' : f.format(i), mnemonic: Mnemonic[i.mnemonic], invalid: i.isInvalid });
      off += i.length;
      i.free();
    }
  } finally {
    d.free();
    f.free();
  }
  return out;
}

/** "48 01 d8  add rax,rbx; ..." one line per instruction. */
export function disassemble(code: Uint8Array, bits: number, ip: bigint): string[] {
  return decodeAll(code, bits, ip).map((i) => {
    const hex = Array.from(code.subarray(i.offset, i.offset + i.length), (b) => b.toString(16).padStart(2, '0')).join(' ');
    return `${(ip + BigInt(i.offset)).toString(16)}: ${hex.padEnd(36)} ${i.text}`;
  });
}
