/**
 * extensionTestsPath module: VS Code's extension host loads it, awaits run(), then exits (and the workbench
 * closes the page). The host exits 0 even when run() throws, so results go to the JSON file named by
 * XGD_VSCODE_RESULTS (set in code-server's environment, which the extension host inherits) and the driver
 * decides pass or fail from it.
 */
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

export interface HostResults {
  passed: string[];
  failed: { title: string; error: string }[];
  /** Set when mocha itself could not run. */
  error?: string;
}

export async function run(): Promise<void> {
  const out = process.env.XGD_VSCODE_RESULTS;
  const results: HostResults = { passed: [], failed: [] };
  try {
    const mocha = new Mocha({ ui: 'bdd', timeout: 90_000, color: false });
    mocha.addFile(path.join(__dirname, 'extension.vscode.js'));
    await new Promise<void>((resolve) => {
      const runner = mocha.run(() => resolve());
      runner.on('pass', (t) => results.passed.push(t.fullTitle()));
      runner.on('fail', (t, err: Error) => results.failed.push({ title: t.fullTitle(), error: err.stack ?? String(err) }));
    });
  } catch (e) {
    results.error = (e as Error).stack ?? String(e);
  }
  if (out) writeFileSync(out, JSON.stringify(results, null, 2));
}
