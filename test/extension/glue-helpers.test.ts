/** The small pure helpers behind the vscode glue: refresh coalescing, adapter mode, the call-site listing. */
import * as assert from 'node:assert/strict';
import { adapterMode, adapterPlan } from '../../extension/core/adapter-mode';
import { Coalescer } from '../../extension/core/coalescer';
import { disassemblyListing } from '../../extension/core/disassembly-text';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => { resolve = r; });
  return { promise, resolve };
}

describe('extension: glue helpers', () => {
  it('Coalescer never overlaps runs and collapses a burst into one more run', async () => {
    const gates: ReturnType<typeof deferred>[] = [];
    let active = 0; let maxActive = 0; let runs = 0;
    const c = new Coalescer(async () => {
      runs++; active++; maxActive = Math.max(maxActive, active);
      const g = deferred(); gates.push(g);
      await g.promise;
      active--;
    });
    const first = c.trigger();
    const burst = [c.trigger(), c.trigger(), c.trigger()];
    assert.equal(runs, 1);
    gates[0].resolve();
    await new Promise<void>((r) => setImmediate(r));
    assert.equal(runs, 2, 'one rerun for the whole burst');
    gates[1].resolve();
    await Promise.all([first, ...burst]);
    assert.equal(runs, 2);
    assert.equal(maxActive, 1);
    const later = c.trigger();
    assert.equal(runs, 3, 'a trigger after the burst starts a fresh run');
    gates[2].resolve();
    await later;
  });

  it('Coalescer keeps going after a failing run', async () => {
    let n = 0;
    const c = new Coalescer(async () => { n++; if (n === 1) throw new Error('boom'); });
    await c.trigger();
    await c.trigger();
    assert.equal(n, 2);
  });

  it('adapter mode: inline unless the setting says process', () => {
    assert.equal(adapterMode(undefined), 'inline');
    assert.equal(adapterMode('bogus'), 'inline');
    assert.deepEqual(adapterPlan('inline', '/ext/dist/cli.js', '/usr/bin/node'), { mode: 'inline' });
    assert.deepEqual(adapterPlan('process', '/ext/dist/cli.js', '/opt/electron'),
      { mode: 'process', command: '/opt/electron', args: ['/ext/dist/cli.js', 'dap'], env: { ELECTRON_RUN_AS_NODE: '1' } });
    assert.equal((adapterPlan('process', 'cli.js', '') as { command: string }).command, 'node');
  });

  it('call-site listing marks the site and labels symbols and source lines', () => {
    const l = disassemblyListing('0xffffffff80002000', 'd1v0', [
      { address: '0xffffffff80001ff8', instruction: 'mov edi, 0x1', instructionBytes: 'bf 01 00 00 00', symbol: 'balloon_out' },
      { address: '0xFFFFFFFF80002000', instruction: 'call 0xffffffff80001000', symbol: 'balloon_out', location: { path: '/ws/b.c' }, line: 7 },
      { address: '0xffffffff80002005', instruction: 'ret', symbol: 'balloon_out+0xd' },
      { address: '0xffffffff80002006', instruction: 'push rbp', symbol: 'next_fn' },
    ]);
    const lines = l.text.split('\n');
    assert.match(lines[l.siteLine], /^> 0xFFFFFFFF80002000 .* call 0xffffffff80001000 {3}; \/ws\/b\.c:7$/);
    assert.equal(lines.filter((x) => x === 'balloon_out:').length, 1);
    assert.deepEqual(lines.filter((x) => x.endsWith(':')), ['balloon_out:', 'next_fn:']);
    assert.equal(lines.filter((x) => x.startsWith('>')).length, 1);
    const none = disassemblyListing('0x10', 't', []);
    assert.match(none.text, /no instruction at 0x10/);
  });
});
