/**
 * Xen ELF notes and guest-kind tests: tiny images assembled with gcc at test time (PV64
 * Linux-style with a high VIRT_BASE, PV32 XTF-style with notes only in a non-allocated
 * SHT_NOTE section, legacy `__xen_guest`, PVH-only in an XTF hvm64-style ELF32 container,
 * plain HVM), cross-checked against `readelf -n`, then bad images that must be rejected.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ElfError, ElfFile, parseElf } from '../../emulator/boot/elf';
import { decideGuestKind, guestKindLabel, RequestedGuestType } from '../../emulator/boot/guest-kind';
import {
  XENFEAT_auto_translated_physmap, XENFEAT_hvm_callback_vector, XENFEAT_pae_pgdir_above_4gb, XENFEAT_supervisor_mode_kernel,
  XENFEAT_writable_descriptor_tables, XENFEAT_writable_page_tables, XenImageError, XenNote, parseXenGuestInfo, readXenNotes,
} from '../../emulator/boot/xen-notes';

/** Our own note macro: one 4-byte aligned note per use, in section .note.Xen with the given flags. */
const noteMacro = (flags: string): string => `
.macro ELFNOTE type, desc:vararg
  .pushsection .note.Xen, "${flags}", @note
  .balign 4
  .long 2f - 1f
  .long 4f - 3f
  .long \\type
1: .asciz "Xen"
2: .balign 4
3: \\desc
4: .balign 4
  .popsection
.endm
`;

const PROGRAM = `
  .text
  .globl _start, _pvh_start, hypercall_page
_start: hlt
_pvh_start: hlt
  .balign 4096
hypercall_page: .fill 4096, 1, 0xc3
`;

interface BuildOpts {
  bits: 64 | 32;
  notes?: string;
  extra?: string;
  /** Note section flags: "a" (in a PT_NOTE segment) or "" (section only). */
  flags?: string;
  ldflags?: string[];
  script?: string;
  /** Convert to an ELFCLASS32 EM_X86_64 file, the way XTF builds hvm64 images. */
  x32?: boolean;
}

let dir = '';

function build(name: string, o: BuildOpts): string {
  const src = path.join(dir, `${name}.S`);
  const out = path.join(dir, name);
  fs.writeFileSync(src, `${noteMacro(o.flags ?? 'a')}${PROGRAM}${o.extra ?? ''}\n${o.notes ?? ''}\n`);
  const args = [`-m${o.bits}`, '-nostdlib', '-static', '-no-pie', '-fno-pic', ...(o.ldflags ?? ['-Wl,--build-id=none'])];
  if (o.script !== undefined) {
    const lds = path.join(dir, `${name}.lds`);
    fs.writeFileSync(lds, o.script);
    args.push(`-Wl,-T,${lds}`);
  } else if (!args.some((a) => a.includes('-Ttext-segment'))) {
    args.push('-Wl,-Ttext-segment=0x100000');
  }
  execFileSync('gcc', [...args, '-o', out, src]);
  if (o.x32) execFileSync('objcopy', ['-O', 'elf32-x86-64', out, out]);
  return out;
}

const load = (file: string): ElfFile => parseElf(new Uint8Array(fs.readFileSync(file)));

/** Xen notes as `readelf -n` prints them: descriptor bytes, in order. */
function readelfXenNotes(file: string): number[][] {
  const text = execFileSync('readelf', ['-W', '-n', file], { encoding: 'utf8' });
  const out: number[][] = [];
  for (const line of text.split('\n')) {
    const m = /^\s+Xen\s+0x([0-9a-f]+)\s.*?description data:((?: [0-9a-f]{2})*)\s*$/.exec(line);
    if (!m) continue;
    const bytes = m[2].trim() === '' ? [] : m[2].trim().split(' ').map((b) => parseInt(b, 16));
    assert.equal(bytes.length, parseInt(m[1], 16), `readelf size/data mismatch in: ${line}`);
    out.push(bytes);
  }
  return out;
}

/** Asserts that our decoded notes have readelf's bytes and that decoded values follow from them. */
function assertReadelfAgrees(file: string, notes: XenNote[]): void {
  const theirs = readelfXenNotes(file);
  assert.equal(notes.length, theirs.length, 'number of Xen notes');
  notes.forEach((n, i) => {
    assert.deepEqual([...n.note.desc], theirs[i], `bytes of note ${n.name}`);
    const le = (bytes: number[]): bigint => bytes.reduceRight((acc, b) => (acc << 8n) | BigInt(b), 0n);
    if (typeof n.value === 'string') {
      assert.equal(n.value, String.fromCharCode(...theirs[i].slice(0, theirs[i].indexOf(0))), `string ${n.name}`);
    } else if (typeof n.value === 'bigint') {
      assert.equal(n.value, le(theirs[i]), `number ${n.name}`);
    }
  });
}

const feat = (...bits: number[]): number => bits.reduce((a, b) => (a | (1 << b)) >>> 0, 0);

const PV64_BASE = 0xffffffff80000000n;
const LINUX_LDS = `
ENTRY(_start)
SECTIONS {
  . = 0xffffffff80200000;
  .text : AT(0x200000) { *(.text) }
  .note.Xen : { *(.note.Xen) }
  .data : { *(.data) }
  pvh_phys = _pvh_start - 0xffffffff80000000;
  /DISCARD/ : { *(.note.GNU-stack) *(.note.gnu.property) *(.comment) }
}
`;

const XTF_NOTES = (w: string, extra = ''): string => `
ELFNOTE 6, .asciz "XTF"
ELFNOTE 7, .asciz "0"
ELFNOTE 8, .asciz "generic"
ELFNOTE 2, ${w} hypercall_page
ELFNOTE 5, .asciz "xen-3.0"
ELFNOTE 10, .asciz "!writable_page_tables|pae_pgdir_above_4gb"
${extra}`;

/** Runs fn and asserts it throws an ElfError (XenImageError where asked) matching re. */
function expectError(fn: () => unknown, re: RegExp, xen = true): void {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  assert.ok(thrown !== undefined, `expected an error matching ${re}, but it succeeded`);
  assert.ok(thrown instanceof (xen ? XenImageError : ElfError), `expected ${xen ? 'XenImageError' : 'ElfError'}, got ${String(thrown)}`);
  assert.match(thrown.message, re);
}

describe('boot/xen-notes: Xen ELF notes and guest kind', function () {
  this.timeout(60000);
  before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xen-notes-test-')); });
  after(() => { if (dir) fs.rmSync(dir, { recursive: true, force: true }); });

  it('PV64 Linux-style image: high VIRT_BASE, 8-byte notes in a PT_NOTE segment, PV preferred over PVH', () => {
    const file = build('linux64', {
      bits: 64, script: LINUX_LDS, notes: `
ELFNOTE 6, .asciz "linux"
ELFNOTE 7, .asciz "2.6"
ELFNOTE 5, .asciz "xen-3.0"
ELFNOTE 3, .quad 0xffffffff80000000
ELFNOTE 4, .quad 0
ELFNOTE 1, .quad _start
ELFNOTE 2, .quad hypercall_page
ELFNOTE 10, .asciz "writable_page_tables|writable_descriptor_tables|auto_translated_physmap|pae_pgdir_above_4gb|supervisor_mode_kernel|mystery"
ELFNOTE 17, .long (1 << 8)
ELFNOTE 9, .asciz "yes"
ELFNOTE 8, .asciz "generic"
ELFNOTE 13, .quad 1, 1
ELFNOTE 14, .long 1
ELFNOTE 12, .quad 0xffff800000000000
ELFNOTE 15, .quad 0xffffea0000000000
ELFNOTE 16, .long 1
ELFNOTE 18, .long pvh_phys
` });
    const elf = load(file);
    const info = parseXenGuestInfo(elf, 'pv');
    const sym = (n: string): bigint => elf.symbol(n)!.value;
    assert.equal(info.source, 'notes');
    assert.equal(info.noteOrigin, 'segment');
    assert.equal(info.guestOs, 'linux');
    assert.equal(info.guestVersion, '2.6');
    assert.equal(info.xenVersion, 'xen-3.0');
    assert.equal(info.loader, 'generic');
    assert.equal(info.pae, 'extended-cr3');
    assert.equal(info.virtBase, PV64_BASE);
    assert.equal(info.paddrOffset, 0n);
    assert.equal(info.virtOffset, PV64_BASE);
    assert.equal(info.physStart, 0x200000n);
    assert.equal(info.virtKernelStart, 0xffffffff80200000n);
    assert.equal(info.virtKernelEnd, PV64_BASE + info.physEnd);
    assert.equal(info.entry, sym('_start'));
    assert.equal(info.hypercallPage, sym('hypercall_page'));
    assert.equal(info.features.supported, feat(XENFEAT_writable_page_tables, XENFEAT_writable_descriptor_tables,
      XENFEAT_auto_translated_physmap, XENFEAT_pae_pgdir_above_4gb, XENFEAT_supervisor_mode_kernel, XENFEAT_hvm_callback_vector));
    assert.equal(info.features.required, 0);
    assert.ok(info.warnings.some((w) => /unknown feature "mystery"/.test(w)));
    assert.deepEqual(info.l1MfnValid, [{ mask: 1n, value: 1n }]);
    assert.equal(info.suspendCancel, true);
    assert.equal(info.modStartPfn, true);
    assert.equal(info.hvStartLow, 0xffff800000000000n);
    assert.equal(info.p2mBase, 0xffffea0000000000n);
    assert.equal(info.phys32Entry, Number(sym('_pvh_start') - PV64_BASE));
    assertReadelfAgrees(file, info.notes);

    const k = decideGuestKind(elf);
    assert.equal(k.kind, 'pv');
    assert.equal(guestKindLabel(k), 'PV64');
    if (k.kind === 'pv') assert.equal(k.guestType, 'xen-3.0-x86_64');
    // Asked for PVH, the same image boots at its physical PHYS32_ENTRY with VIRT_BASE forced to 0.
    const pvh = decideGuestKind(elf, 'pvh');
    assert.equal(pvh.kind, 'pvh');
    if (pvh.kind === 'pvh') {
      assert.equal(pvh.entry, Number(sym('_pvh_start') - PV64_BASE));
      assert.equal(pvh.info.virtBase, 0n);
      assert.equal(pvh.info.virtKernelStart, 0x200000n);
    }
    expectError(() => decideGuestKind(elf, 'pv32'), /asked for a 32-bit PV guest, but the kernel is 64-bit/);
  });

  it('PV32 XTF-style image: 4-byte notes only in an SHT_NOTE section (libelf fallback past a GNU PT_NOTE)', () => {
    const file = build('xtf32', {
      bits: 32, flags: '', ldflags: ['-Wl,--build-id=sha1'], notes: XTF_NOTES('.long', 'ELFNOTE 9, .asciz "yes"'),
    });
    const elf = load(file);
    assert.ok(elf.programHeaders.some((p) => p.type === 4), 'has a (GNU build-id) PT_NOTE');
    const info = parseXenGuestInfo(elf, 'pv');
    assert.equal(info.noteOrigin, 'section');
    assert.equal(info.guestOs, 'XTF');
    assert.equal(info.guestVersion, '0');
    assert.equal(info.pae, 'extended-cr3');
    assert.equal(info.virtBase, 0n);
    assert.equal(info.paddrOffset, 0n);
    assert.equal(info.virtKernelStart, 0x100000n);
    assert.equal(info.entry, elf.header.entry);
    assert.equal(info.hypercallPage, elf.symbol('hypercall_page')!.value);
    assert.equal(info.features.required, feat(XENFEAT_writable_page_tables));
    assert.equal(info.features.supported, feat(XENFEAT_writable_page_tables, XENFEAT_pae_pgdir_above_4gb));
    assertReadelfAgrees(file, info.notes);
    const k = decideGuestKind(elf);
    assert.equal(guestKindLabel(k), 'PV32');
    if (k.kind === 'pv') assert.equal(k.guestType, 'xen-3.0-x86_32p');
    assert.equal(decideGuestKind(elf, 'pv32').kind, 'pv');
  });

  it('legacy __xen_guest: page-number HYPERCALL_PAGE, PADDR_OFFSET defaulting to VIRT_BASE', () => {
    const opts = (pfn: number): BuildOpts => ({
      bits: 32, ldflags: ['-Wl,--build-id=none', '-Wl,-Ttext-segment=0xc0100000'],
      extra: `.section __xen_guest\n.asciz "GUEST_OS=linux,GUEST_VER=2.6,XEN_VER=xen-3.0,VIRT_BASE=0xC0000000,`
        + `HYPERCALL_PAGE=0x${pfn.toString(16)},LOADER=generic,PAE=yes[extended-cr3],FEATURES=writable_page_tables|!pae_pgdir_above_4gb"\n`,
    });
    // The section is not allocated, so its text does not move code: link, read the pfn, relink.
    const first = load(build('legacy', opts(0)));
    const hp = first.symbol('hypercall_page')!.value;
    const file = build('legacy', opts(Number((hp - 0xc0000000n) >> 12n)));
    const elf = load(file);
    assert.equal(readXenNotes(elf).source, 'legacy');
    const info = parseXenGuestInfo(elf, 'pv');
    assert.equal(info.source, 'legacy');
    assert.deepEqual(info.legacy?.map(([k]) => k), ['GUEST_OS', 'GUEST_VER', 'XEN_VER', 'VIRT_BASE', 'HYPERCALL_PAGE', 'LOADER', 'PAE', 'FEATURES']);
    assert.equal(info.guestOs, 'linux');
    assert.equal(info.xenVersion, 'xen-3.0');
    assert.equal(info.pae, 'extended-cr3');
    assert.equal(info.virtBase, 0xc0000000n);
    assert.equal(info.paddrOffset, 0xc0000000n);
    assert.equal(info.virtOffset, 0n);
    assert.equal(info.virtKernelStart, 0xc0100000n);
    assert.equal(info.hypercallPage, hp);
    assert.equal(info.entry, elf.header.entry);
    assert.equal(info.features.required, feat(XENFEAT_pae_pgdir_above_4gb));
    assert.equal(readelfXenNotes(file).length, 0);
    assert.equal(guestKindLabel(decideGuestKind(elf)), 'PV32');
    // libelf ignores __xen_guest for HVM containers.
    assert.equal(readXenNotes(elf, false).source, 'none');
  });

  it('PVH-only XTF hvm64-style image (ELFCLASS32, EM_X86_64): PVH by default, HVM when asked', () => {
    const file = build('pvh', { bits: 64, x32: true, notes: 'ELFNOTE 18, .long _pvh_start' });
    const elf = load(file);
    assert.equal(elf.header.elfClass, 32);
    const set = readXenNotes(elf);
    assert.equal(set.phys32Entry, Number(elf.symbol('_pvh_start')!.value));
    assertReadelfAgrees(file, set.notes);
    const k = decideGuestKind(elf);
    assert.equal(k.kind, 'pvh');
    if (k.kind === 'pvh') {
      assert.equal(k.entry, set.phys32Entry);
      assert.equal(k.info.mode, 'hvm');
      assert.equal(k.info.virtBase, 0n);
    }
    const hvm = decideGuestKind(elf, 'hvm');
    assert.equal(hvm.kind, 'hvm');
    if (hvm.kind === 'hvm') assert.equal(hvm.entry, Number(elf.header.entry));
    expectError(() => decideGuestKind(elf, 'pv'), /generic loader or Linux images \(LOADER missing, GUEST_OS missing\)/);
  });

  it('plain ELF: HVM firmware-style at e_entry; not PV or PVH', () => {
    const elf = load(build('plain', { bits: 32 }));
    assert.equal(readXenNotes(elf).source, 'none');
    const k = decideGuestKind(elf);
    assert.equal(k.kind, 'hvm');
    if (k.kind === 'hvm') assert.equal(k.entry, Number(elf.header.entry));
    expectError(() => decideGuestKind(elf, 'pv'), /not a Xen-ELF image: no Xen ELF notes or '__xen_guest' section found/);
    expectError(() => decideGuestKind(elf, 'pvh'), /not a PVH image: no Xen ELF notes/);
  });

  describe('bad images', () => {
    const cases: Array<{ name: string; opts: BuildOpts; re: RegExp; type?: RequestedGuestType; elfError?: boolean }> = [
      { name: 'loader', opts: { bits: 64, notes: XTF_NOTES('.quad').replace('"generic"', '"multiboot"') },
        re: /only loads images built for the generic loader or Linux images \(LOADER "multiboot", GUEST_OS "XTF"\)/ },
      { name: 'xenver', opts: { bits: 64, notes: XTF_NOTES('.quad').replace('"xen-3.0"', '"xen-2.0"') },
        re: /XEN_VERSION "xen-2.0": Xen only loads images built for Xen v3.0/ },
      { name: 'noxenver', opts: { bits: 64, notes: XTF_NOTES('.quad').replace('ELFNOTE 5, .asciz "xen-3.0"', '') },
        re: /XEN_VERSION missing/ },
      { name: 'entry', opts: { bits: 64, notes: XTF_NOTES('.quad', 'ELFNOTE 1, .quad 0x12345678') },
        re: /entry point 0x12345678 is outside the kernel image \[0x100000, 0x[0-9a-f]+\)/ },
      { name: 'virtbase', opts: { bits: 64, notes: XTF_NOTES('.quad', 'ELFNOTE 3, .quad 0x400000\nELFNOTE 4, .quad 0x400000') },
        re: /VIRT_BASE 0x400000 is above the kernel start 0x100000/ },
      { name: 'paddronly', opts: { bits: 64, notes: XTF_NOTES('.quad', 'ELFNOTE 4, .quad 0') },
        re: /PADDR_OFFSET .* is set but VIRT_BASE is not/ },
      { name: 'numsize', opts: { bits: 64, notes: XTF_NOTES('.quad', 'ELFNOTE 1, .byte 1, 2, 3') },
        re: /Xen note ENTRY \(type 1\) at file offset 0x[0-9a-f]+: numeric descriptor is 3 bytes/ },
      { name: 'nonul', opts: { bits: 64, notes: XTF_NOTES('.quad', 'ELFNOTE 7, .ascii "abcd"') },
        re: /Xen note GUEST_VERSION \(type 7\).*not NUL-terminated/ },
      { name: 'reqfeat', opts: { bits: 64, notes: XTF_NOTES('.quad', 'ELFNOTE 10, .asciz "!bogus_feature"') },
        re: /FEATURES note requires unknown feature "!bogus_feature"/ },
      { name: 'dom0', opts: { bits: 64, notes: XTF_NOTES('.quad', 'ELFNOTE 10, .asciz "!dom0"') },
        re: /does not support unprivileged \(DomU\) operation/ },
      { name: 'hcall', opts: { bits: 64, notes: XTF_NOTES('.quad', 'ELFNOTE 2, .quad 0x800000') },
        re: /HYPERCALL_PAGE 0x800000 is outside the kernel image/ },
      { name: 'p2m', opts: { bits: 64, notes: XTF_NOTES('.quad', 'ELFNOTE 15, .quad _start') },
        re: /INIT_P2M 0x[0-9a-f]+ lies inside the kernel image/ },
      { name: 'nopae', opts: { bits: 32, notes: XTF_NOTES('.long') },
        re: /32-bit PV kernel without PAE .*xen-3.0-x86_32 is not supported by 64-bit Xen/ },
      { name: 'pvhtype', opts: { bits: 64, notes: XTF_NOTES('.quad') }, type: 'pvh',
        re: /not capable of booting inside a HVM container: no PHYS32_ENTRY note/ },
      { name: 'truncated', opts: { bits: 64, extra: '.pushsection .note.Xen, "a", @note\n.long 4, 64, 6\n.asciz "Xen"\n.asciz "XTF"\n.popsection' },
        re: /note at offset 0x[0-9a-f]+ \(namesz 4, descsz 64\) runs past the end of its container/, elfError: true },
    ];
    for (const c of cases) {
      it(`rejects ${c.name}`, () => {
        const elf = load(build(`bad-${c.name}`, c.opts));
        expectError(() => decideGuestKind(elf, c.type), c.re, !c.elfError);
      });
    }
  });
});
