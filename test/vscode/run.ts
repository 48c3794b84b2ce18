/**
 * `npm run test:vscode`: the extension in a real VS Code (code-server 4.100.3 + Debian Chromium), offline.
 * Installs into a cache (setup.ts), makes fresh workspaces and user data in a temporary directory, installs
 * the packaged .vsix, starts code-server on 127.0.0.1, runs Suite 1 (mocha inside the extension host) and
 * Suite 2 (Playwright, like a user), and kills every process it started by process group, also on failure,
 * timeout or a signal. Exits non-zero on any failure. HEADLESS=0 shows the browser (needs a display or Xvfb).
 * Screenshots and logs: test-results/vscode/.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { installExtension, startCodeServer } from './code-server';
import { runHostSuite } from './host-suite';
import { killAll } from './proc';
import { CHROMIUM, ensureInstalled } from './setup';
import { Browser, launchChromium } from './ui/playwright';
import { runUiSuite } from './ui/debug-ui';
import { makeWorkspace, writeUserSettings } from './workspace';

const REPO = path.resolve(__dirname, '..', '..', '..');
const RESULTS = path.join(REPO, 'test-results', 'vscode');
/** Whole-run limit: a hung workbench must not hang CI. */
const RUN_TIMEOUT_MS = Number(process.env.XGD_VSCODE_TIMEOUT_MS ?? 15 * 60_000);

function seconds(t0: number): string {
  return `${((Date.now() - t0) / 1000).toFixed(1)} s`;
}

async function main(): Promise<number> {
  const t0 = Date.now();
  rmSync(RESULTS, { recursive: true, force: true });
  mkdirSync(RESULTS, { recursive: true });
  const installed = ensureInstalled();
  const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { name: string; version: string };
  const vsix = path.join(REPO, `${pkg.name}-${pkg.version}.vsix`);

  const tmp = mkdtempSync(path.join(os.tmpdir(), 'xgd-vscode-'));
  let browser: Browser | undefined;
  let failures = 0;
  try {
    const wsHost = makeWorkspace(REPO, path.join(tmp, 'guests-host'));
    const wsUi = makeWorkspace(REPO, path.join(tmp, 'guests-ui'));
    const dirs = { userData: path.join(tmp, 'user-data'), extensions: path.join(tmp, 'extensions') };
    writeUserSettings(dirs.userData);
    installExtension(installed.codeServerBin, dirs, vsix);
    const hostResults = path.join(tmp, 'host-results.json');
    const server = await startCodeServer(installed.codeServerBin, dirs, path.join(RESULTS, 'code-server.log'),
      { XGD_VSCODE_RESULTS: hostResults });
    console.log(`[vscode] code-server ${server.url} (pid ${server.pid}) ready after ${seconds(t0)}`);
    browser = await launchChromium(installed.playwrightCore, CHROMIUM);

    const t1 = Date.now();
    console.log('[vscode] Suite 1: extension host tests');
    const host = await runHostSuite(browser, server.url, REPO, wsHost, hostResults, RESULTS);
    for (const t of host.passed) console.log(`  ✓ ${t}`);
    for (const t of host.failed) console.log(`  ✗ ${t.title}\n    ${t.error.split('\n').join('\n    ')}`);
    if (host.error) console.log(`  ✗ mocha: ${host.error}`);
    failures += host.failed.length + (host.error ? 1 : 0) + (host.passed.length === 0 ? 1 : 0);
    console.log(`[vscode] Suite 1: ${host.passed.length} passed, ${host.failed.length} failed (${seconds(t1)})`);

    if (!process.env.XGD_VSCODE_ONLY || process.env.XGD_VSCODE_ONLY === 'ui') {
      const t2 = Date.now();
      console.log('[vscode] Suite 2: UI end-to-end');
      const ui = await runUiSuite(browser, server.url, wsUi, RESULTS);
      failures += ui.failed;
      console.log(`[vscode] Suite 2: ${ui.passed} steps passed, ${ui.failed} failed (${seconds(t2)})`);
    }
  } catch (e) {
    console.error(`[vscode] ${(e as Error).stack ?? String(e)}`);
    failures++;
  } finally {
    await browser?.close().catch(() => undefined);
    await killAll();
    if (!process.env.XGD_VSCODE_KEEP) rmSync(tmp, { recursive: true, force: true });
  }
  console.log(`[vscode] ${failures === 0 ? 'PASS' : `FAIL (${failures})`} in ${seconds(t0)}; screenshots and logs in ${path.relative(REPO, RESULTS)}/`);
  return failures === 0 ? 0 : 1;
}

function abort(why: string, code: number): void {
  console.error(`[vscode] ${why}: stopping every process started`);
  void killAll(500).finally(() => process.exit(code));
}

process.on('SIGINT', () => abort('interrupted', 130));
process.on('SIGTERM', () => abort('terminated', 143));
setTimeout(() => abort(`timed out after ${RUN_TIMEOUT_MS / 1000} s`, 1), RUN_TIMEOUT_MS).unref();
main().then((code) => process.exit(code), (e: unknown) => { console.error(e); abort('crashed', 1); });
