/**
 * Rewrites package.json's `contributes.debuggers` and `contributes.breakpoints` blocks from
 * extension/core/launch-schema.ts, touching nothing else in the file (others edit other parts of it).
 * Run after changing the schema: `npx tsc -p . && node out/test/extension/tools/sync-manifest.js`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BREAKPOINT_LANGUAGES, debuggerContribution } from '../../../extension/core/launch-schema';

const FILE = path.resolve(__dirname, '../../../../package.json');

/** Replaces the `    "key": [ … ]` block (4-space indent inside `contributes`) with `value`. */
export function replaceBlock(text: string, key: string, value: unknown[]): string {
  const open = `\n    "${key}": [\n`;
  const start = text.indexOf(open);
  if (start < 0) throw new Error(`contributes.${key} not found`);
  const close = text.indexOf('\n    ]', start + open.length - 1);
  if (close < 0) throw new Error(`end of contributes.${key} not found`);
  const body = JSON.stringify(value, null, 2).split('\n').map((l) => `    ${l}`).join('\n').trimStart();
  return `${text.slice(0, start)}\n    "${key}": ${body}${text.slice(close + '\n    ]'.length)}`;
}

if (require.main === module) {
  const before = fs.readFileSync(FILE, 'utf8');
  let after = replaceBlock(before, 'debuggers', [debuggerContribution()]);
  after = replaceBlock(after, 'breakpoints', BREAKPOINT_LANGUAGES.map((language) => ({ language })));
  JSON.parse(after);
  if (after === before) process.stdout.write('package.json is up to date\n');
  else {
    fs.writeFileSync(FILE, after);
    process.stdout.write('package.json: contributes.debuggers and contributes.breakpoints updated\n');
  }
}
