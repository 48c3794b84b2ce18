import * as assert from 'assert';
import { describeImage } from './harness';

describeImage('rep-pf-restart', {}, (run) => {
  it('copied the bytes across the page that was mapped by the handler', function () {
    const r = run();
    const dst = r.mem.readBytes(0x202000 - 10, 100);
    assert.deepEqual([...dst], Array.from({ length: 100 }, (_, i) => i));
  });
});
describeImage('smc');
