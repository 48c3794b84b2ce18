/**
 * Puts a core straight into a flat environment (GDT, TSS, identity-mapped page tables built
 * in guest RAM) for tests, benchmarks and bare-metal images. Guest kernels booted by the
 * hypervisor get their start-of-day state from emulator/boot instead.
 */
import type { Cpu } from './cpu';
import {
  CR0_ET, CR0_MP, CR0_NE, CR0_PE, CR0_PG, CR0_WP, CR4_PAE, CR4_PSE, CS, DS, EFER_LMA, EFER_LME, EFER_NXE, EFER_SCE, ES,
  FS, GS, IF, LDTR, SS, TR,
} from './constants';
import { decodeDescriptor } from './segments';

export interface FlatSetupOptions {
  mode: 'long64' | 'compat32' | 'protected32';
  cpl: 0 | 3;
  paging?: 'none' | '2level' | 'pae' | '4level';
  /** Bytes identity-mapped from address 0 (default: all RAM, at most 4 GiB). */
  identityMapBytes?: number;
  /** Where the GDT, TSS, ring-0 stack and page tables go (default: the last MiB of RAM). */
  pageTableBase?: number;
}

/** GDT selectors of the flat environment. */
export const FLAT_SELECTORS = {
  code32: 0x08, data: 0x10, code64: 0x18, userCode32: 0x23, userData: 0x2b, userCode64: 0x33, tss: 0x38,
};

function descriptor(base: number, limit: number, access: number, flags: number): [number, number] {
  const lo = ((base & 0xffff) << 16) | (limit & 0xffff);
  const hi = (base & 0xff000000) | ((flags & 0xf) << 20) | (limit & 0xf0000) | ((access & 0xff) << 8) | ((base >>> 16) & 0xff);
  return [lo | 0, hi | 0];
}

export function setupFlatMode(cpu: Cpu, opts: FlatSetupOptions): void {
  const mem = cpu.mem;
  const base = opts.pageTableBase ?? mem.size - 0x100000;
  if (base < 0 || base + 0x10000 > mem.size || base & 0xfff) throw new RangeError('pageTableBase must be page aligned with 64 KiB of RAM above it');
  const long = opts.mode !== 'protected32';
  const paging = long ? '4level' : opts.paging ?? 'none';
  const mapBytes = Math.min(opts.identityMapBytes ?? mem.size, 0x100000000);
  const w32 = (pa: number, v: number): void => { mem.view.setInt32(pa, v, true); };
  mem.fill(base, 0x10000, 0);

  // GDT: null, code32, data, code64 (ring 0), code32, data, code64 (ring 3), 64-bit-capable TSS.
  const gdt: [number, number][] = [
    [0, 0],
    descriptor(0, 0xfffff, 0x9b, 0xc), descriptor(0, 0xfffff, 0x93, 0xc), descriptor(0, 0xfffff, 0x9b, 0xa),
    descriptor(0, 0xfffff, 0xfb, 0xc), descriptor(0, 0xfffff, 0xf3, 0xc), descriptor(0, 0xfffff, 0xfb, 0xa),
    descriptor(base + 0x100, 0x67 + 0x2000 + 1, 0x89, 0), [0, 0],
  ];
  gdt.forEach(([lo, hi], n) => { w32(base + n * 8, lo); w32(base + n * 8 + 4, hi); });
  cpu.gdtBaseLo = base; cpu.gdtBaseHi = 0; cpu.gdtLimit = gdt.length * 8 - 1;
  cpu.idtBaseLo = 0; cpu.idtBaseHi = 0; cpu.idtLimit = 0;

  // TSS at base+0x100: ring-0 stack top at base+0x3000; I/O bitmap offset beyond the limit (no ports).
  const tss = base + 0x100;
  const stackTop = base + 0x3000;
  if (long) { w32(tss + 4, stackTop); w32(tss + 8, 0); }
  else { w32(tss + 4, stackTop); w32(tss + 8, FLAT_SELECTORS.data); }
  mem.view.setUint16(tss + 0x66, 0x68 + 0x2000 + 2, true);

  // Page tables from base+0x3000, identity-mapped with large pages, user-accessible and writable.
  const pt = base + 0x3000;
  let cr3 = 0, cr4 = 0;
  if (paging === '2level') {
    for (let n = 0; n * 0x400000 < mapBytes; n++) w32(pt + n * 4, (n * 0x400000) | 0x87);
    cr3 = pt; cr4 = CR4_PSE;
  } else if (paging === 'pae' || paging === '4level') {
    const gig = Math.ceil(mapBytes / 0x40000000);
    const pdpt = paging === 'pae' ? pt : pt + 0x1000;
    const pds = pdpt + 0x1000;
    for (let g = 0; g < gig; g++) {
      w32(pdpt + g * 8, (pds + g * 0x1000) | (paging === 'pae' ? 0x1 : 0x7));
      for (let e = 0; e < 512; e++) {
        const addr = g * 0x40000000 + e * 0x200000;
        if (addr >= mapBytes) break;
        w32(pds + g * 0x1000 + e * 8, (addr | 0x87) | 0);
      }
    }
    if (paging === '4level') w32(pt, pdpt | 0x7);
    cr3 = pt; cr4 = CR4_PAE;
  }
  mem.noteWrite(base, 0x10000);

  cpu.cr4 = cr4;
  cpu.cr3Lo = cr3; cpu.cr3Hi = 0;
  cpu.efer = long ? EFER_LME | EFER_LMA | EFER_NXE | EFER_SCE : 0;
  cpu.cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_MP | (paging === 'none' ? 0 : CR0_PG | CR0_WP);

  const cpl = opts.cpl;
  const codeSel = opts.mode === 'long64'
    ? (cpl === 3 ? FLAT_SELECTORS.userCode64 : FLAT_SELECTORS.code64)
    : (cpl === 3 ? FLAT_SELECTORS.userCode32 : FLAT_SELECTORS.code32);
  const dataSel = cpl === 3 ? FLAT_SELECTORS.userData : FLAT_SELECTORS.data;
  const load = (seg: number, sel: number): void => {
    const d = decodeDescriptor(mem.view.getInt32(base + (sel & ~7), true), mem.view.getInt32(base + (sel & ~7) + 4, true));
    cpu.segSel[seg] = sel;
    cpu.segBaseLo[seg] = d.baseLo; cpu.segBaseHi[seg] = 0;
    cpu.segLimit[seg] = d.limit;
    cpu.segAttr[seg] = d.attr | 1; // accessed
  };
  load(CS, codeSel);
  for (const s of [SS, DS, ES, FS, GS]) load(s, dataSel);
  load(TR, FLAT_SELECTORS.tss);
  cpu.segAttr[TR] = (cpu.segAttr[TR] & ~0xf) | 0xb; // busy TSS
  cpu.segSel[LDTR] = 0; cpu.segAttr[LDTR] = 1 << 16;
  cpu.cpl = cpl;
  cpu.setFlagsRaw(cpl === 3 ? IF | 2 : 2);
  cpu.halted = false;
  cpu.clearShutdown();
  cpu.updateMode();
  if (cpu.pagingLevels === 3) cpu.loadPdptes();
}
