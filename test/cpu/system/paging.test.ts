import * as assert from 'assert';
import { describeImage } from './harness';

const PG = (n: number): bigint => BigInt(0x200000 + n * 0x1000);

describeImage('paging-2level', {}, (run) => {
  it('leaves 2-level paging on; readVirtual goes through the 4 MiB alias and refuses unmapped addresses', function () {
    const r = run();
    assert.equal(r.cpu.getControl('cr0') & 0x80000000n, 0x80000000n);
    assert.equal(r.cpu.getControl('cr4') & 0x30n, 0x10n, 'PSE on, PAE off');
    const alias = r.cpu.readVirtual(0x80000000n + PG(5), 4);
    assert.deepEqual([...alias], [0x11, 0x11, 0x11, 0x11]);
    assert.throws(() => r.cpu.readVirtual(0xc0000000n, 4));
  });
});

describeImage('paging-pae', {}, (run) => {
  it('leaves PAE paging on with EFER.NXE', function () {
    const r = run();
    assert.equal(r.cpu.getControl('cr4') & 0x20n, 0x20n);
    assert.equal(r.cpu.getControl('efer') & 0x800n, 0x800n);
    assert.equal(r.cpu.mode, 'protected32');
  });
});

describeImage('paging-4level', {}, (run) => {
  it('maps the high-half alias for readVirtual too', function () {
    const r = run();
    const v = r.cpu.readVirtual(0xffff800000000000n + PG(5), 4);
    assert.deepEqual([...v], [0x11, 0x11, 0x11, 0x11]);
    assert.throws(() => r.cpu.readVirtual(0x00007f0000001234n, 1));
  });
});
