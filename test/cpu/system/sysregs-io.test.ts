import * as assert from 'assert';
import { describeImage } from './harness';

describeImage('sysregs');
describeImage('io', {}, (run) => {
  it('wrote the OUT/OUTS data to the ports in order', function () {
    const r = run();
    assert.deepEqual(r.portWrites, [
      { port: 0x701, size: 1, value: 0x61 }, { port: 0x701, size: 1, value: 0x62 },
      { port: 0x701, size: 1, value: 0x63 },
      { port: 0x702, size: 2, value: 0x1234 }, { port: 0x702, size: 2, value: 0xabcd },
      { port: 0x80, size: 4, value: 0xcafef00d },
      { port: 0x703, size: 1, value: 0x63 }, { port: 0x703, size: 1, value: 0x62 },
    ]);
  });
});
