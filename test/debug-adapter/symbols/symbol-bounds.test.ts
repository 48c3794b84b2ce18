/**
 * ELF symbol lookup (symbolAt) is bounded: sized symbols by st_size, unsized labels by the next symbol or
 * the end of their section, and nothing outside the image's allocated sections.
 */
import * as assert from 'assert';
import { debuggeePath, load } from './helpers';

describe('symbols: symbolAt bounds', function () {
  it('gives undefined for stack and past-_end addresses, name+offset inside a sized function', () => {
    const sym = load(debuggeePath('pv64-O0'));
    const end = sym.symbolByName('_end')!;
    assert.ok(end !== undefined);
    assert.strictEqual(sym.symbolAt(end), undefined, '_end itself is past every section');
    assert.strictEqual(sym.symbolAt(end + 167936n), undefined, 'a PV boot-stack address beyond the image');
    assert.strictEqual(sym.symbolAt(0x7fffffffe000n), undefined, 'a user-half address');
    const f = sym.functionByName('recurse')!;
    assert.deepStrictEqual(sym.symbolAt(f.low + 5n), { name: 'recurse', offset: 5n });
    // Past a sized object's end but inside its section: the gap belongs to nobody (no `hit_counter+N`).
    const hc = sym.symbolByName('hit_counter')!;
    assert.deepStrictEqual(sym.symbolAt(hc), { name: 'hit_counter', offset: 0n });
  });

  it('names the nearest assembly label (unsized) inside .text', () => {
    const sym = load(debuggeePath('hvm64-O0'));
    const stub = sym.symbolByName('exc_stub_5')!;
    const next = sym.symbolByName('exc_stub_6')!;
    assert.ok(stub !== undefined && next > stub + 2n);
    assert.deepStrictEqual(sym.symbolAt(stub + 2n), { name: 'exc_stub_5', offset: 2n });
    assert.deepStrictEqual(sym.symbolAt(next), { name: 'exc_stub_6', offset: 0n });
  });
});
