/**
 * Builds a small test guest from test/xen/guests/<name>.S with gcc into out/test-guests/, once per run.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { REPO_ROOT } from '../bench/flat-elf-runner';

export interface GuestBuild {
  /** gcc -m32 or -m64. */
  bits: 32 | 64;
  /** Link address of .text (physical for HVM images). */
  textAddress: number;
}

export function buildTestGuest(name: string, opts: GuestBuild = { bits: 32, textAddress: 0x100000 }): string {
  const src = path.join(REPO_ROOT, 'test/xen/guests', `${name}.S`);
  const outDir = path.join(REPO_ROOT, 'out/test-guests');
  fs.mkdirSync(outDir, { recursive: true });
  const out = path.join(outDir, `${name}.elf`);
  if (fs.existsSync(out) && fs.statSync(out).mtimeMs >= fs.statSync(src).mtimeMs) return out;
  execFileSync('gcc', [
    `-m${opts.bits}`, '-nostdlib', '-static', '-no-pie', '-g', '-Wl,--build-id=none',
    `-Wl,-Ttext=0x${opts.textAddress.toString(16)}`, '-Wl,-z,max-page-size=4096', '-o', out, src,
  ]);
  return out;
}
