/**
 * Minimal loader for the flat test images: copies PT_LOAD segments to their physical addresses and zeroes
 * the rest of each segment (.bss). Only what the images need: little-endian ELF32/ELF64 program headers.
 */
export interface LoadTarget {
  writeBytes(pa: number, data: Uint8Array): void;
}

export function loadElf(elf: Uint8Array, mem: LoadTarget): { entry: bigint } {
  const dv = new DataView(elf.buffer, elf.byteOffset, elf.byteLength);
  if (dv.getUint32(0, false) !== 0x7f454c46) throw new Error('not an ELF file');
  const is64 = elf[4] === 2;
  const entry = is64 ? dv.getBigUint64(24, true) : BigInt(dv.getUint32(24, true));
  const phoff = is64 ? Number(dv.getBigUint64(32, true)) : dv.getUint32(28, true);
  const phentsize = dv.getUint16(is64 ? 54 : 42, true);
  const phnum = dv.getUint16(is64 ? 56 : 44, true);
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize;
    if (dv.getUint32(ph, true) !== 1) continue; // PT_LOAD
    const offset = is64 ? Number(dv.getBigUint64(ph + 8, true)) : dv.getUint32(ph + 4, true);
    const paddr = is64 ? Number(dv.getBigUint64(ph + 24, true)) : dv.getUint32(ph + 12, true);
    const filesz = is64 ? Number(dv.getBigUint64(ph + 32, true)) : dv.getUint32(ph + 16, true);
    const memsz = is64 ? Number(dv.getBigUint64(ph + 40, true)) : dv.getUint32(ph + 20, true);
    const seg = new Uint8Array(memsz);
    seg.set(elf.subarray(offset, offset + filesz));
    mem.writeBytes(paddr, seg);
  }
  return { entry };
}
