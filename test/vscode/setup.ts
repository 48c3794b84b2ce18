/**
 * Installs what the VS Code tests need into a cache outside the repository, reusing it when complete:
 * Debian chromium, libkrb5-dev and ripgrep (apt, as root, only when missing) and, with npm,
 * code-server 4.100.3 (VS Code 1.100.3, the last release for Node 20) and playwright-core.
 * See ../shared/reference/vscode-debugger.md §3b for why each step is needed offline.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { cleanEnv, run } from './proc';

export const CODE_SERVER_VERSION = '4.100.3';
export const PLAYWRIGHT_VERSION = '1.65.1';
/** code-server 4.100.3's VS Code pins @vscode/ripgrep 1.15.11, which downloads this asset from GitHub. */
const RIPGREP_CACHE = 'vscode-ripgrep-cache-1.15.11';
const RIPGREP_ASSET = 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz';
export const CHROMIUM = '/usr/bin/chromium';

export interface Installed {
  /** Directory with node_modules/code-server and node_modules/playwright-core. */
  dir: string;
  codeServerBin: string;
  playwrightCore: string;
}

export function cacheRoot(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'xen-guest-debugger-vscode');
}

function which(cmd: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

function hasDebPackage(name: string): boolean {
  return spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' }).stdout.includes('install ok installed');
}

function ensureSystemPackages(): void {
  const missing: string[] = [];
  if (!existsSync(CHROMIUM)) missing.push('chromium');
  if (!hasDebPackage('libkrb5-dev')) missing.push('libkrb5-dev'); // kerberos native module of VS Code
  if (!which('rg')) missing.push('ripgrep');
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) throw new Error(`missing system packages; run: sudo apt-get install -y ${missing.join(' ')}`);
  console.log(`[setup] apt-get install ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-qq'], { env });
  run('apt-get', ['install', '-y', '-qq', ...missing], { env });
}

/** Packs the system rg where @vscode/ripgrep's postinstall looks for a cached download (under $TMPDIR). */
function seedRipgrep(tmp: string): void {
  const dir = path.join(tmp, RIPGREP_CACHE);
  mkdirSync(dir, { recursive: true });
  const rg = which('rg');
  if (!rg) throw new Error('ripgrep (rg) is not installed');
  run('tar', ['czf', path.join(dir, RIPGREP_ASSET), '-C', path.dirname(rg), path.basename(rg)]);
}

export function ensureInstalled(): Installed {
  ensureSystemPackages();
  const dir = path.join(cacheRoot(), `code-server-${CODE_SERVER_VERSION}-playwright-${PLAYWRIGHT_VERSION}`);
  const marker = path.join(dir, '.complete');
  const installed: Installed = {
    dir,
    codeServerBin: path.join(dir, 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
    playwrightCore: path.join(dir, 'node_modules', 'playwright-core'),
  };
  if (existsSync(marker) && readFileSync(marker, 'utf8').trim() === process.version) {
    console.log(`[setup] using cached code-server ${CODE_SERVER_VERSION} in ${dir}`);
    return installed;
  }
  console.log(`[setup] installing code-server ${CODE_SERVER_VERSION} and playwright-core ${PLAYWRIGHT_VERSION} into ${dir} (a few minutes)`);
  const t0 = Date.now();
  rmSync(dir, { recursive: true, force: true });
  const tmp = path.join(dir, 'tmp');
  mkdirSync(tmp, { recursive: true });
  seedRipgrep(tmp);
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({
    name: 'xen-guest-debugger-vscode-tests', private: true,
    dependencies: { 'code-server': CODE_SERVER_VERSION, 'playwright-core': PLAYWRIGHT_VERSION },
  }, null, 2));
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: dir,
    env: cleanEnv({
      TMPDIR: tmp, // where the ripgrep postinstall finds the seeded asset
      npm_config_yes: 'true', // node-pty's postinstall runs `npx node-gyp`
      npm_config_unsafe_perm: 'true', // code-server's postinstall refuses root without it
      PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1',
    }),
  });
  writeFileSync(marker, `${process.version}\n`);
  console.log(`[setup] installed in ${Math.round((Date.now() - t0) / 1000)} s`);
  return installed;
}
