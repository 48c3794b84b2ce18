/**
 * Address-space layout shared by the native harness (native/harness.c) and the emulator side.
 * Both sides map exactly these pages at the same linear addresses, so any other access faults
 * identically. The data window is low (below 64 KiB) so 16-bit addressing can reach it too.
 */
export const CODE_BASE = 0x10000000n;
export const CODE_SIZE = 0x1000;
export const DATA_BASE = 0xc000n;
export const DATA_PAGES = 4;
export const DATA_SIZE = DATA_PAGES * 0x1000;
/** Read-only page right after the data window (writes fault with a protection #PF). */
export const RO_BASE = DATA_BASE + BigInt(DATA_SIZE);
export const RO_SIZE = 0x1000;
/** The top data page holds the stack; the pages below are split into per-item operand slots. */
export const STACK_PAGE = DATA_BASE + BigInt(DATA_SIZE - 0x1000);
export const SLOT_AREA = DATA_BASE;
export const SLOT_AREA_SIZE = DATA_SIZE - 0x1000;

/** The data pages as the harness fills them before patches (xorshift32, little-endian words). */
export function fillData(seed: number): Uint8Array {
  const out = new Uint8Array(DATA_SIZE);
  const view = new DataView(out.buffer);
  let x = seed >>> 0 || 0x9e3779b9;
  for (let i = 0; i < DATA_SIZE; i += 4) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    view.setUint32(i, x, true);
  }
  return out;
}

/** The read-only page's fixed pattern. */
export function roPattern(): Uint8Array {
  const out = new Uint8Array(RO_SIZE);
  for (let i = 0; i < RO_SIZE; i++) out[i] = (i * 7 + 3) & 0xff;
  return out;
}

/** True if [addr, addr+len) lies inside the read-write data window. */
export function inData(addr: bigint, len: number): boolean {
  return addr >= DATA_BASE && addr + BigInt(len) <= DATA_BASE + BigInt(DATA_SIZE);
}
