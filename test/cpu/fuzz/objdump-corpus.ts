/**
 * The length-check corpus: C sources under corpus/ compiled by gcc at several -O levels for
 * 64-bit and 32-bit code, plus the integer members of libgcc (64-bit division and friends),
 * disassembled with `objdump -d` into (bytes, text) records.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

export interface CorpusInsn {
  bits: 32 | 64;
  bytes: Uint8Array;
  /** The instruction bytes followed by what comes next in the section (up to 15 more). */
  withTail: Uint8Array;
  text: string;
  where: string;
}

/** Source directory: found by walking up from this file (out/test/cpu/fuzz/ when compiled) or the cwd. */
export function corpusSourceDir(): string {
  for (const start of [__dirname, process.cwd()]) {
    for (let dir = start; ; dir = path.dirname(dir)) {
      const candidate = path.join(dir, 'test/cpu/fuzz/corpus');
      if (fs.existsSync(candidate)) return candidate;
      if (path.dirname(dir) === dir) break;
    }
  }
  throw new Error('test/cpu/fuzz/corpus not found (run from the repository)');
}

const OPT_LEVELS = ['-O0', '-O1', '-O2', '-O3', '-Os'] as const;
const BASE_FLAGS = ['-ffreestanding', '-fno-stack-protector', '-mno-sse', '-mno-mmx', '-fno-asynchronous-unwind-tables', '-w'];

/** Per (bits, -O) extra flags, so the corpus covers PIC, non-PIC and the kernel code model. */
function variantFlags(bits: 32 | 64, opt: string, index: number): string[] {
  const flags = [bits === 64 ? '-m64' : '-m32', opt, ...BASE_FLAGS];
  if (bits === 64) flags.push('-mno-red-zone');
  if (bits === 64 && opt === '-O2') flags.push('-mcmodel=kernel', '-fno-pic');
  else flags.push(index % 2 ? '-fno-pic' : '-fpie');
  return flags;
}

/** libgcc members that are pure integer code (the 64-bit helpers 32-bit kernels link). */
const LIBGCC_INTEGER = /^_(mul|neg|lshr|ashl|ashr|cmp|ucmp|absv|addv|subv|mulv|negv|ffs|clz|ctz|popcount|parity|bswap|clrsb|div|mod|udiv|umod|udivmod|divmod)[a-z]*[0-9]\.o$/;

async function pool<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.max(1, width) }, async () => {
    while (next < items.length) await fn(items[next++]);
  });
  await Promise.all(workers);
}

export interface BuiltObject { file: string; bits: 32 | 64; label: string }

/**
 * Compiles the corpus (cached under the OS temp dir by a hash of the sources and flags) and
 * returns the objects to disassemble.
 */
export async function buildCorpusObjects(): Promise<BuiltObject[]> {
  const srcDir = corpusSourceDir();
  const sources = fs.readdirSync(srcDir).filter((f) => f.endsWith('.c')).sort();
  const hash = createHash('sha256');
  for (const s of sources) hash.update(s).update(fs.readFileSync(path.join(srcDir, s)));
  hash.update(JSON.stringify(BASE_FLAGS)).update(variantFlags.toString());
  const outDir = path.join(os.tmpdir(), `xgd-decoder-corpus-${hash.digest('hex').slice(0, 16)}`);
  fs.mkdirSync(outDir, { recursive: true });

  const jobs: { src: string; obj: string; flags: string[]; bits: 32 | 64; label: string }[] = [];
  for (const bits of [64, 32] as const) {
    OPT_LEVELS.forEach((opt, i) => {
      for (const s of sources) {
        const label = `${s} -m${bits} ${opt}`;
        jobs.push({ src: path.join(srcDir, s), obj: path.join(outDir, `${s}.m${bits}${opt}.o`), flags: variantFlags(bits, opt, i), bits, label });
      }
    });
  }
  await pool(jobs, os.cpus().length, async (j) => {
    if (fs.existsSync(j.obj)) return;
    const tmp = `${j.obj}.${process.pid}.tmp`;
    await execFileP('gcc', [...j.flags, '-c', j.src, '-o', tmp]);
    fs.renameSync(tmp, j.obj);
  });
  const objects: BuiltObject[] = jobs.map((j) => ({ file: j.obj, bits: j.bits, label: j.label }));

  // libgcc's integer helpers, both flavours.
  for (const bits of [64, 32] as const) {
    const dir = path.join(outDir, `libgcc${bits}`);
    if (!fs.existsSync(dir)) {
      const { stdout } = await execFileP('gcc', [bits === 64 ? '-m64' : '-m32', '-print-libgcc-file-name']);
      const archive = stdout.trim();
      const tmp = `${dir}.${process.pid}.tmp`;
      fs.mkdirSync(tmp, { recursive: true });
      await execFileP('ar', ['x', archive], { cwd: tmp });
      fs.renameSync(tmp, dir);
    }
    for (const f of fs.readdirSync(dir).filter((m) => LIBGCC_INTEGER.test(m)).sort()) {
      objects.push({ file: path.join(dir, f), bits, label: `libgcc${bits}:${f}` });
    }
  }
  return objects;
}

const PREFIX_WORDS = /^(lock|rep|repz|repnz|repe|repne|data16|data32|addr16|addr32|cs|ds|es|fs|gs|ss|rex(\.[WRXB]+)?|notrack|bnd|xacquire|xrelease)$/;

interface RawLine { addr: number; bytes: number[]; text: string }

/** Parses `objdump -d --insn-width=16` output into instructions, one array per section. */
export function parseObjdump(output: string): { sections: RawLine[][]; bad: number } {
  const sections: RawLine[][] = [];
  let cur: RawLine[] | null = null;
  let bad = 0;
  for (const line of output.split('\n')) {
    if (line.startsWith('Disassembly of section')) {
      cur = [];
      sections.push(cur);
      continue;
    }
    const m = /^\s*([0-9a-f]+):\t((?:[0-9a-f]{2} )+)\s*(?:\t(.*))?$/.exec(line);
    if (!m || !cur) continue;
    const bytes = m[2].trim().split(' ').map((h) => parseInt(h, 16));
    const text = (m[3] ?? '').trim();
    if (text.includes('(bad)')) {
      bad++;
      continue;
    }
    cur.push({ addr: parseInt(m[1], 16), bytes, text });
  }
  // objdump sometimes prints a prefix it considers stray on its own line; the CPU (and iced)
  // treat it as part of the next instruction, so glue such lines to their successor.
  for (const sec of sections) {
    for (let i = sec.length - 2; i >= 0; i--) {
      const a = sec[i];
      const b = sec[i + 1];
      const words = a.text.split(/\s+/);
      if (words.every((w) => PREFIX_WORDS.test(w)) && a.addr + a.bytes.length === b.addr) {
        sec.splice(i, 2, { addr: a.addr, bytes: [...a.bytes, ...b.bytes], text: `${a.text} ${b.text}` });
      }
    }
  }
  return { sections, bad };
}

/** Disassembles the objects and returns every instruction (not deduplicated). */
export async function loadCorpus(objects: BuiltObject[]): Promise<{ insns: CorpusInsn[]; bad: number }> {
  const perObject: CorpusInsn[][] = objects.map(() => []);
  let bad = 0;
  await pool(objects.map((o, k) => ({ o, k })), os.cpus().length, async ({ o, k }) => {
    const insns = perObject[k];
    const { stdout } = await execFileP('objdump', ['-d', '--insn-width=16', o.file], { maxBuffer: 64 << 20 });
    const parsed = parseObjdump(stdout);
    bad += parsed.bad;
    for (const sec of parsed.sections) {
      sec.forEach((l, i) => {
        // The bytes that follow in memory, as long as the listing is contiguous (objdump
        // elides runs of zeros as "...").
        const tail = [...l.bytes];
        for (let j = i + 1, end = l.addr + l.bytes.length; j < sec.length && tail.length < l.bytes.length + 15; j++) {
          if (sec[j].addr !== end) break;
          tail.push(...sec[j].bytes);
          end += sec[j].bytes.length;
        }
        insns.push({
          bits: o.bits,
          bytes: Uint8Array.from(l.bytes),
          withTail: Uint8Array.from(tail.slice(0, l.bytes.length + 15)),
          text: l.text,
          where: `${o.label}+0x${l.addr.toString(16)}`,
        });
      });
    }
  });
  return { insns: perObject.flat(), bad };
}
