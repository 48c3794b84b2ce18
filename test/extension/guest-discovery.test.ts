/**
 * Guest discovery on the real sample guests (each verdict cross-checked with the emulator's own boot
 * decision) and on a synthetic tree for the bounds and exclusions.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseElf } from '../../emulator/boot/elf';
import { decideGuestKind, guestKindLabel } from '../../emulator/boot/guest-kind';
import { guestKind, probeElf } from '../../extension/core/elf-probe';
import { describeGuest, discoverGuests, isCandidate, rankForSource } from '../../extension/core/guest-discovery';

const ROOT = path.resolve(__dirname, '../../..');
const SAMPLES = path.join(ROOT, 'out/sample-guests');

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? walk(full) : [full];
  });
}

describe('extension: guest discovery', function () {
  before(function () {
    if (!fs.existsSync(path.join(SAMPLES, 'hello/hello-pv64.elf'))) this.skip(); // built by `npm run build`
  });

  it('finds every sample guest ELF with the kind the emulator would boot it as', async () => {
    const guests = await discoverGuests([SAMPLES]);
    const expected = walk(SAMPLES).filter((f) => /\.elf(32)?$/.test(f)).sort();
    assert.deepEqual(guests.map((g) => g.file), expected);
    for (const g of guests) {
      const emulator = guestKindLabel(decideGuestKind(parseElf(fs.readFileSync(g.file))));
      assert.equal(g.kind, emulator, g.relative);
      assert.equal(g.root, SAMPLES);
      assert.equal(path.join(SAMPLES, ...g.relative.split('/')), g.file);
    }
    const byName = new Map(guests.map((g) => [path.basename(g.file), g]));
    assert.equal(byName.get('hello-pv64.elf')?.kind, 'PV64');
    assert.equal(byName.get('hello-pv32.elf')?.kind, 'PV32');
    assert.equal(byName.get('hello-hvm64.elf')?.kind, 'HVM');
    assert.equal(byName.get('bench-pvh.elf')?.kind, 'PVH');
    assert.equal(describeGuest(byName.get('hello-pv64.elf')!), 'hello-pv64.elf (PV64, debug info)');

    const ranked = rankForSource(guests, path.join(ROOT, 'sample-guests/hello/hello.c')).map((g) => path.basename(g.file));
    const hellos = guests.filter((g) => path.basename(g.file).startsWith('hello-')).length;
    assert.ok(hellos >= 6);
    assert.ok(ranked.slice(0, hellos).every((n) => n.startsWith('hello-')), ranked.join(' '));
    assert.deepEqual(rankForSource(guests, undefined), guests);
  });

  it('rejects host programs and object files found in build directories', async () => {
    const native = path.join(SAMPLES, 'bench/workload-native');
    if (fs.existsSync(native)) {
      const p = await probeElf(native);
      assert.ok(p?.hasInterpreter, 'a dynamically linked host program has PT_INTERP');
      assert.equal(guestKind(p!), undefined);
    }
    const obj = walk(SAMPLES).find((f) => f.endsWith('.o'));
    if (obj) assert.equal(guestKind((await probeElf(obj))!), undefined);
    assert.equal(await probeElf(path.join(ROOT, 'package.json')), undefined);
  });

  describe('on a synthetic workspace', () => {
    let ws: string;
    const pv64 = (): Buffer => fs.readFileSync(path.join(SAMPLES, 'hello/hello-pv64.elf'));

    before(() => {
      ws = fs.mkdtempSync(path.join(os.tmpdir(), 'xen-discovery-'));
      const put = (rel: string, data: Buffer | string): void => {
        fs.mkdirSync(path.dirname(path.join(ws, rel)), { recursive: true });
        fs.writeFileSync(path.join(ws, rel), data);
      };
      put('guest.elf', pv64());
      put('build/kernel', pv64()); // extensionless under a build dir: probed
      put('src/kernel', pv64()); // extensionless elsewhere: not probed
      put('node_modules/pkg/guest.elf', pv64()); // excluded
      put('.git/objects/guest.elf', pv64()); // excluded
      put('fake.elf', 'not an ELF at all');
      put('truncated.elf', pv64().subarray(0, 40));
      put('a/b/c/d/deep.elf', pv64());
    });
    after(() => fs.rmSync(ws, { recursive: true, force: true }));

    it('probes *.elf anywhere and extensionless files under build dirs, skipping node_modules and .git', async () => {
      const found = (await discoverGuests([ws])).map((g) => g.relative);
      assert.deepEqual(found.sort(), ['a/b/c/d/deep.elf', 'build/kernel', 'guest.elf']);
    });

    it('stays within its depth and result bounds', async () => {
      assert.deepEqual((await discoverGuests([ws], { maxDepth: 2 })).map((g) => g.relative).sort(), ['build/kernel', 'guest.elf']);
      assert.equal((await discoverGuests([ws], { maxResults: 1 })).length, 1);
      const aborted = new AbortController();
      aborted.abort();
      assert.deepEqual(await discoverGuests([ws], { signal: aborted.signal }), []);
    });

    it('decides candidates by name and directory', () => {
      assert.ok(isCandidate('x.elf', []));
      assert.ok(isCandidate('x.ELF32', ['src']));
      assert.ok(isCandidate('vmlinux', ['linux']));
      assert.ok(isCandidate('kernel', ['out', 'x86']));
      assert.ok(!isCandidate('kernel', ['src']));
      assert.ok(!isCandidate('main.o', ['build']));
      assert.ok(!isCandidate('.hidden', ['build']));
    });
  });
});
