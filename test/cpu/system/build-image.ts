/**
 * Assembles a system-test image (test/cpu/system/NAME.S) with the host gcc into a temporary directory,
 * once per process, and returns the ELF bytes plus its symbol table (from nm) so tests can name addresses.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export interface BuiltImage {
  name: string;
  elf: Uint8Array;
  /** Symbol name → address (images are linked at their physical address, so also guest-physical). */
  symbols: Map<string, bigint>;
}

/** The source directory (the compiled test runs from out/test/..., the .S files stay in test/...). */
export function imageSourceDir(): string {
  let dir = __dirname;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return path.join(dir, 'test', 'cpu', 'system');
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the repository root above ${__dirname}`);
    dir = parent;
  }
}

let workDir: string | undefined;
const cache = new Map<string, BuiltImage>();

function tempDir(): string {
  if (workDir === undefined) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cpu-system-images-'));
    workDir = dir;
    process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  }
  return workDir;
}

export function buildImage(name: string): BuiltImage {
  const cached = cache.get(name);
  if (cached) return cached;
  const src = imageSourceDir();
  const out = path.join(tempDir(), `${name}.elf`);
  try {
    execFileSync('gcc', [
      '-nostdlib', '-static', '-no-pie', `-I${path.join(src, 'lib')}`,
      `-Wl,-T,${path.join(src, 'link.ld')}`, '-Wl,--no-warn-rwx-segments', '-Wl,--build-id=none',
      '-o', out, path.join(src, `${name}.S`),
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stderr?: Buffer };
    throw new Error(`assembling ${name}.S failed:\n${err.stderr?.toString() ?? String(e)}`);
  }
  const symbols = new Map<string, bigint>();
  for (const line of execFileSync('nm', [out]).toString().split('\n')) {
    const m = /^([0-9a-fA-F]+)\s+\S\s+(\S+)$/.exec(line.trim());
    if (m) symbols.set(m[2], BigInt(`0x${m[1]}`));
  }
  const image: BuiltImage = { name, elf: new Uint8Array(fs.readFileSync(out)), symbols };
  cache.set(name, image);
  return image;
}

/**
 * Check names an image reports, read from its source (CHECK/CHECKM/CHECKQ/CHECKMQ NAME, ...).
 * Reading them from the source means a check the image never reached shows up as a failure.
 */
export function checkNames(name: string): string[] {
  const text = fs.readFileSync(path.join(imageSourceDir(), `${name}.S`), 'utf8');
  const names: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*CHECKM?Q?\s+([A-Za-z0-9_.-]+)\s*,/.exec(line);
    if (!m) continue;
    if (names.includes(m[1])) throw new Error(`${name}.S: check name ${m[1]} is used twice`);
    names.push(m[1]);
  }
  return names;
}
