/**
 * Suite 1 from the driver's side: opens the workbench with the URL payload that loads the repository as the
 * development extension and runs host/index.vscode.js in its extension host, then waits for the result
 * file (the host exits 0 even when tests fail, and the workbench closes the page when it is done).
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import type { HostResults } from './host/index.vscode';
import type { Browser } from './ui/playwright';

export async function runHostSuite(browser: Browser, serverUrl: string, repo: string, workspace: string, resultsFile: string,
  shotsDir: string, timeoutMs = 240_000): Promise<HostResults> {
  rmSync(resultsFile, { force: true });
  const authority = new URL(serverUrl).host;
  const remote = (p: string): string => `vscode-remote://${authority}${p}`;
  const payload = [
    ['extensionDevelopmentPath', remote(repo)],
    ['extensionTestsPath', remote(path.join(repo, 'out', 'test', 'vscode', 'host', 'index.vscode.js'))],
  ];
  const url = `${serverUrl}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
  try {
    const page = await context.newPage();
    let closed = false;
    page.on('close', () => { closed = true; });
    await page.goto(url, { waitUntil: 'domcontentloaded' });
    const deadline = Date.now() + timeoutMs;
    let closedAt: number | undefined;
    let shotAt = Date.now() + 20_000;
    while (!existsSync(resultsFile)) {
      if (Date.now() > deadline) {
        if (!closed) await page.screenshot({ path: path.join(shotsDir, 'host-timeout.png') }).catch(() => undefined);
        throw new Error(`extension-host suite: no results after ${timeoutMs} ms`);
      }
      // The page closing means the host finished: give the result file a few seconds to appear.
      if (closed) { closedAt ??= Date.now(); if (Date.now() - closedAt > 5000) break; }
      else if (Date.now() > shotAt) { shotAt = Date.now() + 30_000; await page.screenshot({ path: path.join(shotsDir, 'host-progress.png') }).catch(() => undefined); }
      await new Promise((r) => setTimeout(r, 250));
    }
    if (!existsSync(resultsFile)) throw new Error('extension-host suite: the workbench closed without writing results (see code-server.log)');
    return JSON.parse(readFileSync(resultsFile, 'utf8')) as HostResults;
  } finally {
    await context.close().catch(() => undefined);
  }
}
