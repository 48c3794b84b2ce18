/**
 * package.json's extension manifest against the code: every command and view the code uses is contributed
 * and activates the extension, menus only name contributed commands, core/ stays free of `vscode`.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ADAPTER_MODE_SETTING, COMMANDS, VIEWS } from '../../extension/core/ids';

const ROOT = path.resolve(__dirname, '../../..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const contributes = pkg.contributes;

describe('extension: package.json manifest', () => {
  it('loads from dist/extension.js in the VS Code that code-server 4.100.3 ships', () => {
    assert.equal(pkg.main, './dist/extension.js');
    assert.equal(pkg.engines.vscode, '^1.90.0');
    const typesVersion = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules/@types/vscode/package.json'), 'utf8')).version;
    assert.ok(typesVersion.startsWith('1.90.'), `@types/vscode ${typesVersion} must not exceed engines.vscode`);
    assert.deepEqual(pkg.extensionKind, ['workspace']);
    assert.equal(pkg.capabilities.untrustedWorkspaces.supported, false);
  });

  it('activates on the debug type, its configurations, its views and its commands', () => {
    const events = new Set(pkg.activationEvents as string[]);
    for (const e of ['onDebugResolve:xen-guest', 'onDebugDynamicConfigurations:xen-guest', 'onDebugInitialConfigurations']) assert.ok(events.has(e), e);
    for (const v of Object.values(VIEWS)) assert.ok(events.has(`onView:${v}`), v);
    for (const c of Object.values(COMMANDS)) assert.ok(events.has(`onCommand:${c}`), c);
  });

  it('contributes every command and view the code registers', () => {
    assert.deepEqual(contributes.commands.map((c: { command: string }) => c.command).sort(), Object.values(COMMANDS).sort());
    for (const c of contributes.commands) assert.equal(c.category, 'Xen');
    assert.deepEqual(contributes.views.debug.map((v: { id: string }) => v.id), Object.values(VIEWS));
    for (const v of Object.values(VIEWS)) {
      assert.ok(contributes.viewsWelcome.some((w: { view: string; when: string }) => w.view === v && w.when === '!xenGuest.sessionActive'), v);
    }
    assert.ok(contributes.configuration.properties[`xenGuest.${ADAPTER_MODE_SETTING}`]);
    assert.equal(contributes.debuggers[0].variables.PickGuestKernel, COMMANDS.pickGuestKernel);
    // Without an assembly extension, .S files would be Plain Text, where VS Code allows no breakpoints.
    assert.deepEqual(contributes.languages, [{ id: 'asm', aliases: ['Assembly'], extensions: ['.s', '.S', '.asm'] }]);
  });

  it('menus name only contributed commands, and session commands are gated by the debug type', () => {
    const known = new Set(Object.values(COMMANDS));
    for (const [menu, items] of Object.entries(contributes.menus as Record<string, { command: string; when?: string }[]>)) {
      for (const item of items) assert.ok(known.has(item.command as never), `${menu}: ${item.command}`);
    }
    const toolbar = contributes.menus['debug/toolBar'];
    assert.deepEqual(toolbar.map((i: { command: string }) => i.command), [COMMANDS.stepIntoContinuation]);
    assert.equal(toolbar[0].when, "debugType == 'xen-guest'");
    for (const id of [COMMANDS.sendEvent, COMMANDS.setPreemption, COMMANDS.stepIntoContinuation]) {
      const entry = contributes.menus.commandPalette.find((i: { command: string }) => i.command === id);
      assert.equal(entry?.when, "debugType == 'xen-guest'", id);
    }
  });

  it('keeps extension/core free of vscode imports (unit-testable without a workbench)', () => {
    const dir = path.join(ROOT, 'extension/core');
    for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
      const src = fs.readFileSync(path.join(dir, f), 'utf8');
      assert.doesNotMatch(src, /from 'vscode'|require\('vscode'\)/, f);
    }
  });

  it('packages only the bundles: .vscodeignore keeps the bundles and the wasm they load, drops maps and the benchmark', () => {
    const ignore = fs.readFileSync(path.join(ROOT, '.vscodeignore'), 'utf8').split('\n').map((l) => l.trim());
    assert.ok(ignore.includes('**'));
    assert.ok(ignore.includes('!dist/extension.js') && ignore.includes('!dist/cli.js'));
    assert.ok(ignore.includes('!dist/iced_x86_bg.wasm'), 'the bundled disassembler needs its wasm');
    assert.ok(!ignore.includes('!dist/**'));
  });
});
