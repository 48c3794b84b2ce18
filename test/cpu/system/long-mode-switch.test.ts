import * as assert from 'assert';
import { Reg, Seg } from '../../../emulator/cpu/api-types';
import { describeImage } from './harness';

describeImage('long-mode-switch', {}, (run) => {
  it('halts in 64-bit mode with EFER.LMA, CR0.PG, CR4.PAE set and the image\'s RAX', function () {
    const r = run();
    assert.equal(r.cpu.mode, 'long64');
    assert.equal(r.cpu.getReg(Reg.RAX), 0xfeedfacecafebeefn);
    assert.equal(r.cpu.getSegment(Seg.CS).selector, 0x30);
    assert.equal(r.cpu.getControl('efer') & 0x500n, 0x500n);
    assert.equal(r.cpu.getControl('cr0') & 0x80000001n, 0x80000001n);
    assert.equal(r.cpu.getControl('cr4') & 0x20n, 0x20n);
    assert.equal(r.cpu.getControl('cr3'), r.sym('pml4'));
  });
});
