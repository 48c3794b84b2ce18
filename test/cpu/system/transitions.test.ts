import * as assert from 'assert';
import { describeImage } from './harness';

describeImage('syscall-sysret', {}, (run) => {
  it('halts in 64-bit mode at CPL 0', function () {
    const r = run();
    assert.equal(r.cpu.mode, 'long64');
    assert.equal(r.cpu.cpl, 0);
  });
});
describeImage('sysenter-sysexit');
describeImage('far-transfers32', {}, (run) => {
  it('halts in 32-bit protected mode at CPL 0', function () {
    const r = run();
    assert.equal(r.cpu.mode, 'protected32');
    assert.equal(r.cpu.cpl, 0);
  });
});
