import * as assert from 'assert';
import { Reg } from '../../../emulator/cpu/api-types';
import { describeImage, runImage } from './harness';

describeImage('idt-privilege');
describeImage('ist', {}, (run) => {
  it('halts back at CPL 0 in 64-bit mode', function () {
    const r = run();
    assert.equal(r.cpu.mode, 'long64');
    assert.equal(r.cpu.cpl, 0);
  });
});
describeImage('double-fault');
describeImage('gp-cpl3', {}, (run) => {
  it('let the allowed ring-3 OUT through and blocked the denied ones', function () {
    const r = run();
    assert.deepEqual(r.portWrites.filter((w) => w.port >= 0x700 && w.port < 0x710),
      [{ port: 0x700, size: 1, value: 0x5a }]);
  });
});

describe('system image triple-fault', function () {
  it('stops with a triple-fault reason at the faulting ud2', function () {
    const r = runImage('triple-fault');
    assert.ok(r.lines.includes('about to triple fault'), `output: ${r.lines.join(' | ')}`);
    assert.ok(!r.lines.some((l) => l.startsWith('not ok')), `output: ${r.lines.join(' | ')}`);
    assert.equal(r.stop.kind, 'triple-fault', `stop: ${JSON.stringify(r.stop, (_k, v: unknown) => typeof v === 'bigint' ? v.toString(16) : v)}`);
    if (r.stop.kind === 'triple-fault') assert.equal(r.stop.rip, r.sym('triple_here'));
    assert.equal(r.cpu.getReg(Reg.RAX), 0x7f7f7f7fn);
    const again = r.cpu.run({ maxInstructions: 1000 });
    assert.equal(again.kind, 'triple-fault', 'a shut-down CPU stays shut down');
  });
});
