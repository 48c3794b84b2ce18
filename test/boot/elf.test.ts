/**
 * ELF parser tests: real gcc-built images (ELF64, ELF32, and an XTF-style ELF32 file with
 * e_machine EM_X86_64) cross-checked field by field against binutils' readelf, then
 * malformed images that must each fail with an ElfError naming the problem.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  ElfError, ElfFile, EM_386, EM_X86_64, ET_EXEC, ET_REL, PT_LOAD, PT_NOTE, SHN_ABS, SHN_UNDEF, SHT_NOBITS, parseElf,
} from '../../emulator/boot/elf';

// A tiny freestanding program with two PT_LOADs or more, symbols, and hand-made notes
// (a Xen-owned note with an 8-byte descriptor and an empty GNU note) plus a build-id note.
const TINY_C = `
int counter = 5;
int zeroed[32];
int add(int a, int b) { return a + b + zeroed[a & 31]; }
void _start(void) { counter = add(counter, 2); zeroed[counter & 31] = 1; for (;;) __asm__ volatile("hlt"); }
__asm__(".pushsection .note.test,\\"a\\",@note\\n.balign 4\\n"
        ".long 4\\n.long 8\\n.long 0x1234\\n.asciz \\"Xen\\"\\n.balign 4\\n.quad 0x1122334455667788\\n"
        ".long 4\\n.long 0\\n.long 7\\n.asciz \\"GNU\\"\\n.popsection\\n");
`;

interface Images { dir: string; elf64: string; elf32: string; x32: string; obj64: string }

function buildImages(): Images {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'elf-test-'));
  const src = path.join(dir, 'tiny.c');
  fs.writeFileSync(src, TINY_C);
  const common = ['-O1', '-g', '-ffreestanding', '-nostdlib', '-static', '-no-pie', '-fno-pic', '-Wl,--build-id'];
  const elf64 = path.join(dir, 'tiny64'), elf32 = path.join(dir, 'tiny32'), x32 = path.join(dir, 'tinyx32');
  const obj64 = path.join(dir, 'tiny64.o');
  execFileSync('gcc', ['-m64', ...common, '-o', elf64, src]);
  execFileSync('gcc', ['-m32', ...common, '-o', elf32, src]);
  execFileSync('gcc', ['-m64', '-O1', '-ffreestanding', '-fno-pic', '-c', '-o', obj64, src]);
  // XTF builds hvm64 images this way: 64-bit code in an ELFCLASS32 container.
  execFileSync('objcopy', ['-O', 'elf32-x86-64', elf64, x32]);
  return { dir, elf64, elf32, x32, obj64 };
}

function readelf(args: string[], file: string): string {
  return execFileSync('readelf', ['-W', ...args, file], { encoding: 'utf8' });
}

const big = (s: string): bigint => BigInt(s.startsWith('0x') ? s : `0x${s}`);

/** Runs fn and asserts it throws an ElfError whose message matches re. */
function expectElfError(fn: () => unknown, re: RegExp, label: string): void {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  assert.ok(thrown !== undefined, `${label}: expected an ElfError matching ${re}, but parsing succeeded`);
  assert.ok(thrown instanceof ElfError, `${label}: expected ElfError, got ${String(thrown)}`);
  assert.match(thrown.message, re, label);
}

// ---- little-endian patch helpers for building malformed images ------------------------

function patch(bytes: Uint8Array, off: number, size: 1 | 2 | 4 | 8, value: bigint | number): Uint8Array {
  const out = bytes.slice();
  const v = new DataView(out.buffer);
  if (size === 1) v.setUint8(off, Number(value));
  else if (size === 2) v.setUint16(off, Number(value), true);
  else if (size === 4) v.setUint32(off, Number(value), true);
  else v.setBigUint64(off, BigInt(value), true);
  return out;
}

/** Field offsets in the file/program/section headers, by class. */
function layout(is64: boolean) {
  return is64
    ? { entry: 24, phoff: 32, shoff: 40, ehsize: 64, phentsize: 54, phnum: 56, shentsize: 58, shnum: 60, shstrndx: 62, addr: 8 as const,
        ph: { offset: 8, vaddr: 16, paddr: 24, filesz: 32, memsz: 40 }, sh: { name: 0, offset: 24, size: 32, link: 40 } }
    : { entry: 24, phoff: 28, shoff: 32, ehsize: 52, phentsize: 42, phnum: 44, shentsize: 46, shnum: 48, shstrndx: 50, addr: 4 as const,
        ph: { offset: 4, vaddr: 8, paddr: 12, filesz: 16, memsz: 20 }, sh: { name: 0, offset: 16, size: 20, link: 24 } };
}

describe('ELF parser', function () {
  this.timeout(60_000);
  let img: Images;
  before(() => { img = buildImages(); });
  after(() => { if (img) fs.rmSync(img.dir, { recursive: true, force: true }); });

  // ---- agreement with readelf on real images --------------------------------------------

  for (const which of ['elf64', 'elf32', 'x32', 'obj64'] as const) {
    describe(`matches readelf on a gcc-built ${which} image`, () => {
      let file: string;
      let elf: ElfFile;
      before(() => {
        file = img[which];
        elf = parseElf(fs.readFileSync(file));
      });

      it('file header', () => {
        const out = readelf(['-h'], file);
        const field = (name: string): string => {
          const m = new RegExp(`^\\s*${name}:\\s+(.*)$`, 'm').exec(out);
          assert.ok(m, `readelf -h has no ${name}`);
          return m[1].trim();
        };
        assert.equal(elf.header.elfClass, field('Class') === 'ELF64' ? 64 : 32);
        assert.equal(elf.header.entry, big(field('Entry point address')));
        assert.equal(elf.header.phoff, BigInt(field('Start of program headers').split(' ')[0]));
        assert.equal(elf.header.shoff, BigInt(field('Start of section headers').split(' ')[0]));
        assert.equal(elf.header.phnum, Number(field('Number of program headers')));
        assert.equal(elf.header.shnum, Number(field('Number of section headers')));
        assert.equal(elf.header.shstrndx, Number(field('Section header string table index')));
        const machine = field('Machine');
        assert.equal(elf.header.machine, machine.includes('X86-64') ? EM_X86_64 : EM_386);
        assert.equal(elf.header.type, field('Type').startsWith('EXEC') ? ET_EXEC : ET_REL);
      });

      it('program headers', () => {
        const out = readelf(['-l'], file);
        const rows = [...out.matchAll(
          /^\s+(\w+)\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+([RWE ]{3})\s+(0x[0-9a-f]+)$/gm)];
        assert.equal(elf.programHeaders.length, rows.length);
        rows.forEach((m, i) => {
          const ph = elf.programHeaders[i];
          const typeNames: Record<string, number> = { LOAD: PT_LOAD, NOTE: PT_NOTE };
          if (m[1] in typeNames) assert.equal(ph.type, typeNames[m[1]], `phdr ${i} type`);
          assert.deepEqual([ph.offset, ph.vaddr, ph.paddr, ph.filesz, ph.memsz, ph.align],
            [m[2], m[3], m[4], m[5], m[6], m[8]].map(big), `phdr ${i}`);
          const flags = (m[7].includes('R') ? 4 : 0) | (m[7].includes('W') ? 2 : 0) | (m[7].includes('E') ? 1 : 0);
          assert.equal(ph.flags, flags, `phdr ${i} flags`);
        });
      });

      it('section headers and names', () => {
        const out = readelf(['-S'], file);
        const rows = [...out.matchAll(
          /^\s*\[\s*(\d+)\]\s+(.*?)\s+(\w+)\s+([0-9a-f]{8,16})\s+([0-9a-f]{6,})\s+([0-9a-f]{6,})\s+([0-9a-f]{2})\s+([A-Za-z]*)\s+(\d+)\s+(\d+)\s+(\d+)$/gm)];
        assert.equal(elf.sections.length, rows.length);
        assert.ok(rows.length > 5);
        for (const m of rows) {
          const s = elf.sections[Number(m[1])];
          assert.equal(s.name, m[2], `section ${m[1]} name`);
          assert.deepEqual([s.addr, s.offset, s.size, s.entsize], [m[4], m[5], m[6], m[7]].map(big), `section ${s.name}`);
          assert.deepEqual([s.link, s.info, s.addralign], [Number(m[9]), Number(m[10]), BigInt(m[11])], `section ${s.name} link/info/align`);
        }
        assert.ok(elf.section('.text'), '.text found by name');
      });

      it('symbols', () => {
        const out = readelf(['-s'], file);
        const section = out.split(/Symbol table '/).find((t) => t.startsWith('.symtab'));
        assert.ok(section, 'readelf shows .symtab');
        const rows = [...section.matchAll(/^\s*(\d+):\s+([0-9a-f]+)\s+(0x[0-9a-f]+|\d+)\s+(\w+)\s+(\w+)\s+(\w+)\s+(\w+)\s?(.*)$/gm)]
          .filter((m) => m[1] !== '0');
        const syms = elf.symbols();
        assert.equal(syms.length, rows.length);
        const types: Record<string, number> = { NOTYPE: 0, OBJECT: 1, FUNC: 2, SECTION: 3, FILE: 4 };
        const binds: Record<string, number> = { LOCAL: 0, GLOBAL: 1, WEAK: 2 };
        for (const m of rows) {
          const s = syms[Number(m[1]) - 1];
          assert.equal(s.index, Number(m[1]));
          // readelf shows a section symbol under its section's name.
          const expectedName = s.type === 3 && s.name === '' ? elf.sections[s.shndx].name : s.name;
          assert.equal(expectedName, m[8], `symbol ${m[1]}`);
          assert.equal(s.value, big(m[2]), `value of ${s.name}`);
          assert.equal(s.size, BigInt(m[3]), `size of ${s.name}`);
          assert.equal(s.type, types[m[4]], `type of ${s.name}`);
          assert.equal(s.bind, binds[m[5]], `bind of ${s.name}`);
          const ndx = m[7] === 'UND' ? SHN_UNDEF : m[7] === 'ABS' ? SHN_ABS : Number(m[7]);
          assert.equal(s.shndx, ndx, `section index of ${s.name}`);
        }
        const start = elf.symbol('_start');
        assert.ok(start);
        if (which !== 'obj64') assert.equal(start.value, elf.header.entry);
      });

      it('notes, from sections and from PT_NOTE segments', () => {
        const out = readelf(['-n'], file);
        const rows = [...out.matchAll(/^\s+(\S+)\s+(0x[0-9a-f]{8})\s+/gm)];
        const fromSections = elf.sectionNotes();
        assert.deepEqual(fromSections.map((n) => [n.name, n.desc.length]), rows.map((m) => [m[1], Number(m[2])]));
        const xen = fromSections.find((n) => n.name === 'Xen');
        assert.ok(xen);
        assert.equal(xen.type, 0x1234);
        assert.equal(Buffer.from(xen.desc).readBigUInt64LE(0), 0x1122334455667788n);
        assert.deepEqual(xen.origin.kind, 'section');
        const gnuEmpty = fromSections.find((n) => n.name === 'GNU' && n.type === 7);
        assert.ok(gnuEmpty && gnuEmpty.desc.length === 0);
        if (which === 'obj64') {
          assert.equal(elf.notes().length, fromSections.length, 'no PT_NOTE: notes() falls back to sections');
        } else {
          const fromSegments = elf.segmentNotes();
          assert.deepEqual(fromSegments.map((n) => [n.name, n.type, Buffer.from(n.desc).toString('hex')]),
            fromSections.map((n) => [n.name, n.type, Buffer.from(n.desc).toString('hex')]));
          assert.equal(elf.notes()[0].origin.kind, 'segment', 'notes() prefers PT_NOTE segments');
        }
      });
    });
  }

  it('keeps the file class and e_machine apart (XTF hvm64: ELF32 file, x86-64 code)', () => {
    const elf = parseElf(fs.readFileSync(img.x32));
    assert.equal(elf.header.elfClass, 32);
    assert.equal(elf.header.machine, EM_X86_64);
    assert.equal(elf.is64, false);
  });

  it('exposes loadable segment bytes that match the section contents', () => {
    const elf = parseElf(fs.readFileSync(img.elf64));
    const text = elf.section('.text')!;
    const seg = elf.loadSegments.find((p) => text.addr >= p.vaddr && text.addr < p.vaddr + p.memsz)!;
    const data = elf.segmentData(seg);
    const at = Number(text.addr - seg.vaddr);
    assert.deepEqual(data.subarray(at, at + Number(text.size)), elf.sectionData(text));
    assert.equal(elf.sectionData({ ...text, type: SHT_NOBITS }).length, 0);
  });

  // ---- malformed images --------------------------------------------------------------------

  describe('rejects malformed images with a clear ElfError', () => {
    let good64: Uint8Array;
    let good32: Uint8Array;
    before(() => {
      good64 = new Uint8Array(fs.readFileSync(img.elf64));
      good32 = new Uint8Array(fs.readFileSync(img.elf32));
    });

    /** The same image with no section header table, so later truncations hit the program headers. */
    function withoutSections(bytes: Uint8Array, is64: boolean): Uint8Array {
      const L = layout(is64);
      let b = patch(bytes, L.shoff, L.addr, 0);
      b = patch(b, L.shnum, 2, 0);
      return patch(b, L.shstrndx, 2, 0);
    }

    for (const is64 of [true, false]) {
      const cls = is64 ? 'ELF64' : 'ELF32';
      const good = (): Uint8Array => (is64 ? good64 : good32);

      it(`${cls}: truncation at every header boundary`, () => {
        const b = good();
        const elf = parseElf(b);
        const L = layout(is64);
        const shoff = Number(elf.header.shoff);
        const shent = elf.header.shentsize;
        const cases: [number, RegExp][] = [
          [0, /too short for the 16-byte e_ident/],
          [4, /too short for the 16-byte e_ident/],
          [15, /too short for the 16-byte e_ident/],
          [16, new RegExp(`too short for the ${L.ehsize}-byte ${cls} file header`)],
          [L.ehsize - 1, new RegExp(`too short for the ${L.ehsize}-byte ${cls} file header`)],
          [L.ehsize, /section header 0 \(e_shoff\).*extends past the end of the file/],
          [shoff, /section header 0 \(e_shoff\).*extends past the end of the file/],
          [shoff + shent - 1, /section header 0 \(e_shoff\).*extends past the end of the file/],
        ];
        for (let i = 1; i < elf.header.shnum; i++) {
          cases.push([shoff + i * shent, /section header table \(\d+ entries .*\) extends past the end of the file/]);
        }
        for (const [len, re] of cases) expectElfError(() => parseElf(b.subarray(0, len)), re, `${cls} truncated to ${len} bytes`);

        // Without a section table, truncation reaches the program headers and segment data.
        const ns = withoutSections(b, is64);
        const phoff = Number(elf.header.phoff);
        const phent = elf.header.phentsize;
        for (let i = 0; i < elf.header.phnum; i++) {
          expectElfError(() => parseElf(ns.subarray(0, phoff + i * phent + 1)),
            /program header table \(\d+ entries of \d+ bytes at e_phoff\).*extends past the end of the file/, `${cls} phdr ${i} cut`);
        }
        const last = elf.programHeaders.filter((p) => p.filesz > 0n).reduce((a, p) => (p.offset + p.filesz > a.offset + a.filesz ? p : a));
        const end = Number(last.offset + last.filesz);
        expectElfError(() => parseElf(ns.subarray(0, end - 1)), new RegExp(`segment ${last.index} data .*extends past the end`), `${cls} segment cut`);
        assert.ok(parseElf(ns.subarray(0, end)).sections.length === 0, 'cut exactly at the end of the last segment still parses');
      });

      it(`${cls}: bad identification and header fields`, () => {
        const b = good();
        const L = layout(is64);
        expectElfError(() => parseElf(patch(b, 1, 1, 0x46)), /bad ELF magic/, 'magic');
        expectElfError(() => parseElf(patch(b, 4, 1, 3)), /unsupported ELF class 3/, 'class');
        expectElfError(() => parseElf(patch(b, 5, 1, 2)), /big-endian ELF .* not supported/, 'endianness');
        expectElfError(() => parseElf(patch(b, 5, 1, 0)), /invalid ELF data encoding 0/, 'data encoding');
        expectElfError(() => parseElf(patch(b, 6, 1, 2)), /identification version 2/, 'EI_VERSION');
        expectElfError(() => parseElf(patch(b, 18, 2, 40)), /unsupported machine 40 in e_machine/, 'e_machine ARM');
        expectElfError(() => parseElf(patch(b, 16, 2, 4)), /unsupported ELF type 4/, 'ET_CORE');
        expectElfError(() => parseElf(patch(b, L.phentsize, 2, 8)), /e_phentsize 8 is smaller than/, 'phentsize');
        expectElfError(() => parseElf(patch(b, L.shentsize, 2, 8)), /e_shentsize 8 is smaller than/, 'shentsize');
      });

      it(`${cls}: corrupted offsets`, () => {
        const b = good();
        const elf = parseElf(b);
        const L = layout(is64);
        const huge = is64 ? 0xffff_ffff_ffff_0000n : 0xffff_0000n;
        expectElfError(() => parseElf(patch(b, L.phoff, L.addr, huge)), /program header table .* extends past the end of the file/, 'e_phoff');
        expectElfError(() => parseElf(patch(b, L.shoff, L.addr, huge)), /section header 0 \(e_shoff\).* extends past the end/, 'e_shoff');
        expectElfError(() => parseElf(patch(b, L.phnum, 2, 0x7000)), /program header table \(28672 entries/, 'e_phnum');
        expectElfError(() => parseElf(patch(b, L.shnum, 2, 0x7000)), /section header table \(28672 entries/, 'e_shnum');
        expectElfError(() => parseElf(patch(b, L.shstrndx, 2, elf.header.shnum + 3)),
          new RegExp(`e_shstrndx ${elf.header.shnum + 3} is out of range`), 'e_shstrndx');

        const shdr = (i: number): number => Number(elf.header.shoff) + i * elf.header.shentsize;
        const text = elf.section('.text')!;
        expectElfError(() => parseElf(patch(b, shdr(text.index) + L.sh.offset, L.addr, huge)),
          new RegExp(`section ${text.index} data .* extends past the end`), 'sh_offset');
        expectElfError(() => parseElf(patch(b, shdr(text.index) + L.sh.size, L.addr, BigInt(b.length))),
          new RegExp(`section ${text.index} data .* extends past the end`), 'sh_size');
        expectElfError(() => parseElf(patch(b, shdr(text.index) + L.sh.name, 4, 0x7fff_ffff)),
          new RegExp(`name of section ${text.index}: string offset 0x7fffffff is outside its string table`), 'sh_name');

        const phdr = (i: number): number => Number(elf.header.phoff) + i * elf.header.phentsize;
        const load = elf.loadSegments[0];
        expectElfError(() => parseElf(patch(b, phdr(load.index) + L.ph.offset, L.addr, huge)),
          new RegExp(`segment ${load.index} data .* extends past the end`), 'p_offset');
        expectElfError(() => parseElf(patch(b, phdr(load.index) + L.ph.memsz, L.addr, 0)),
          new RegExp(`PT_LOAD segment ${load.index} has p_filesz .* larger than p_memsz 0x0`), 'p_memsz < p_filesz');
        const top = is64 ? 0xffff_ffff_ffff_fff0n : 0xffff_fff0n;
        expectElfError(() => parseElf(patch(b, phdr(load.index) + L.ph.vaddr, L.addr, top)),
          new RegExp(`PT_LOAD segment ${load.index} .* wraps around the end of the address space`), 'p_vaddr wraps');

        // Symbol table pointing at a non-string-table, and at a missing section.
        const symtab = elf.section('.symtab')!;
        const bad = patch(b, shdr(symtab.index) + L.sh.link, 4, elf.section('.text')!.index);
        expectElfError(() => parseElf(bad).symbols(), /links to section \d+, which is not a string table/, 'sh_link type');
        const gone = patch(b, shdr(symtab.index) + L.sh.link, 4, 999);
        expectElfError(() => parseElf(gone).symbols(), /links to string table section 999, but there are only/, 'sh_link range');
      });

      it(`${cls}: overlapping segments and an unreachable entry point`, () => {
        const b = good();
        const elf = parseElf(b);
        const L = layout(is64);
        const [first, second] = elf.loadSegments;
        const phdr = (i: number): number => Number(elf.header.phoff) + i * elf.header.phentsize;
        const into = first.vaddr + 0x10n;
        let both = patch(b, phdr(second.index) + L.ph.vaddr, L.addr, into);
        both = patch(both, phdr(second.index) + L.ph.paddr, L.addr, into);
        expectElfError(() => parseElf(both), new RegExp(`PT_LOAD segments ${first.index} and ${second.index} overlap at virtual address 0x${into.toString(16)}`), 'vaddr overlap');
        const physOnly = patch(b, phdr(second.index) + L.ph.paddr, L.addr, into);
        expectElfError(() => parseElf(physOnly), /overlap at physical address/, 'paddr overlap');
        expectElfError(() => parseElf(patch(b, L.entry, L.addr, 0xdead0000n)), /entry point 0xdead0000 is outside every PT_LOAD segment/, 'entry');
        // An inspector can still look at such an image.
        assert.equal(parseElf(both, { checkLoadable: false }).loadSegments.length, elf.loadSegments.length);
      });

      it(`${cls}: malformed notes`, () => {
        const b = good();
        const elf = parseElf(b);
        const note = elf.section('.note.test')!;
        const at = Number(note.offset);
        expectElfError(() => parseElf(patch(b, at + 4, 4, 0xffff_fff0)).sectionNotes(),
          /note section \d+ \(\.note\.test\): note at offset 0x[0-9a-f]+ \(namesz 4, descsz 4294967280\) runs past the end of its container/, 'descsz');
        expectElfError(() => parseElf(patch(b, at, 4, 0x8000_0000)).sectionNotes(), /namesz 2147483648/, 'namesz');
        const seg = elf.programHeaders.find((p) => p.type === PT_NOTE)!;
        expectElfError(() => parseElf(patch(b, Number(seg.offset) + 4, 4, 0x1000)).segmentNotes(),
          new RegExp(`PT_NOTE segment ${seg.index}: note at offset`), 'segment note');
      });
    }

    it('never throws anything but ElfError on randomly corrupted images', () => {
      // Seeded so a failure reproduces; bytes are corrupted mostly inside the headers,
      // where the parser makes its decisions.
      let seed = 0x2545f491;
      const rnd = (n: number): number => {
        seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5;
        return (seed >>> 0) % n;
      };
      let rejected = 0;
      for (const good of [good64, good32]) {
        const elf = parseElf(good);
        const hot = [
          [0, 64],
          [Number(elf.header.phoff), elf.header.phnum * elf.header.phentsize],
          [Number(elf.header.shoff), elf.header.shnum * elf.header.shentsize],
          [Number(elf.section('.note.test')!.offset), 40],
        ];
        for (let iter = 0; iter < 1500; iter++) {
          const b = good.slice();
          const edits = 1 + rnd(4);
          for (let e = 0; e < edits; e++) {
            const [start, len] = hot[rnd(hot.length)];
            b[start + rnd(len)] = rnd(4) === 0 ? 0xff : rnd(256);
          }
          const cut = rnd(8) === 0 ? rnd(b.length) : b.length;
          try {
            const parsed = parseElf(b.subarray(0, cut));
            parsed.symbols();
            parsed.notes();
            parsed.sectionNotes();
            for (const p of parsed.loadSegments) parsed.segmentData(p);
            for (const s of parsed.sections) parsed.sectionData(s);
          } catch (err) {
            if (!(err instanceof ElfError)) {
              assert.fail(`iteration ${iter}: ${String(err)} (not an ElfError)`);
            }
            rejected++;
          }
        }
      }
      assert.ok(rejected > 100, `corruption should be detected often (rejected ${rejected})`);
    });
  });
});
