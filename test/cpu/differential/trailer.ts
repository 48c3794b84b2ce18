/** The native harness's exit trailer (see trailer() in native/harness.c), so both code pages match. */
export function trailerBytes(bits: number, exitTarget: bigint, at: bigint): Uint8Array {
  if (bits === 64) {
    const pad = Number((8n - ((at + 6n) & 7n)) & 7n);
    const t = new Uint8Array(14 + pad).fill(0xcc);
    const v = new DataView(t.buffer);
    t[0] = 0xff; t[1] = 0x25;
    v.setUint32(2, pad, true);
    v.setBigUint64(6 + pad, exitTarget, true);
    return t;
  }
  const t = new Uint8Array(6);
  t[0] = 0xff; t[1] = 0x25;
  new DataView(t.buffer).setUint32(2, Number(exitTarget), true);
  return t;
}
