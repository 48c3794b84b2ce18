/**
 * The adapter's small parsers on their own: hypervisor conditions, hit counts, logpoint messages, memory
 * references, data breakpoint ids, hypercall breakpoint names and the `dap` command line.
 */
import * as assert from 'assert';
import { parseDapArgs } from '../../../debug-adapter/cli';
import { makeDataId, parseDataId } from '../../../debug-adapter/breakpoints/data';
import { expandLogMessage, hitConditionMet, parseHitCondition } from '../../../debug-adapter/breakpoints/hit';
import { HvConditionError, parseHvCondition, testHvCondition, vectorOfMnemonic } from '../../../debug-adapter/breakpoints/hv-condition';
import { parseHypercallBreakpoint } from '../../../debug-adapter/breakpoints/hypervisor';
import { formatMemoryReference, parseMemoryReference } from '../../../debug-adapter/memory';

describe('adapter parsers', () => {
  it('hypervisor conditions: comparisons, && and ||, names, vectors and bare lists', () => {
    const t = (c: string, facts: Record<string, string | number>): boolean => testHvCondition(parseHvCondition(c), facts);
    assert.strictEqual(t('domain == 1 && vcpu == 0', { domain: 1, vcpu: 0 }), true);
    assert.strictEqual(t('domain == 1 && vcpu == 0', { domain: 1, vcpu: 1 }), false);
    assert.strictEqual(t('vcpu == 3 || domain == 1', { domain: 1, vcpu: 0 }), true);
    assert.strictEqual(t('errno == ENOSYS', { errno: 'ENOSYS' }), true);
    assert.strictEqual(t('errno != ENOSYS', { errno: 'EINVAL' }), true);
    assert.strictEqual(t('#PF, #GP', { vector: 13 }), true);
    assert.strictEqual(t('#PF', { vector: 6 }), false);
    assert.strictEqual(t('vector == #GP', { vector: 13 }), true);
    assert.strictEqual(t('nr >= 0x10', { nr: 17 }), true);
    assert.strictEqual(t('', {}), true);
    assert.strictEqual(vectorOfMnemonic('#UD'), 6);
    assert.throws(() => testHvCondition(parseHvCondition('colour == red'), { domain: 1 }), HvConditionError);
    assert.throws(() => parseHvCondition('domain == 1 && '), HvConditionError);
  });

  it('hit counts and logpoint messages', () => {
    assert.deepStrictEqual(parseHitCondition('3'), { op: '==', n: 3 });
    assert.deepStrictEqual(parseHitCondition('>= 2'), { op: '>=', n: 2 });
    assert.strictEqual(typeof parseHitCondition('often'), 'string');
    const every3 = parseHitCondition('% 3');
    assert.ok(typeof every3 !== 'string');
    assert.deepStrictEqual([1, 2, 3, 4, 5, 6].map((h) => hitConditionMet(every3, h)), [false, false, true, false, false, true]);
    assert.strictEqual(expandLogMessage('x={x} {{literal}} {bad}', (e) => { if (e === 'bad') throw new Error('no'); return '7'; }), 'x=7 {literal} <no>');
  });

  it('memory references and data breakpoint ids', () => {
    assert.deepStrictEqual(parseMemoryReference('0x1000'), { space: 'virtual', address: 0x1000n });
    assert.deepStrictEqual(parseMemoryReference('ffff8000'), { space: 'virtual', address: 0xffff8000n });
    assert.deepStrictEqual(parseMemoryReference('phys:0x2000'), { space: 'physical', address: 0x2000n });
    assert.strictEqual(parseMemoryReference('rax'), undefined);
    assert.strictEqual(formatMemoryReference({ space: 'physical', address: 0x10n }), 'phys:0x10');
    assert.deepStrictEqual(parseMemoryReference('mach:0x3000'), { space: 'machine', address: 0x3000n });
    assert.strictEqual(formatMemoryReference({ space: 'machine', address: 0x10n }), 'mach:0x10');
    assert.deepStrictEqual(parseDataId(makeDataId('machine', 0x5000n, 4)), { space: 'machine', address: 0x5000n, length: 4 });
    assert.deepStrictEqual(parseDataId(makeDataId('physical', 0x5000n, 4)), { space: 'physical', address: 0x5000n, length: 4 });
    assert.deepStrictEqual(parseDataId(makeDataId('virtual', 0xffffffff80009110n, 8)), { space: 'virtual', address: 0xffffffff80009110n, length: 8 });
    assert.strictEqual(parseDataId('v:0x10:0'), undefined);
  });

  it('hypercall breakpoint names', () => {
    assert.deepStrictEqual(parseHypercallBreakpoint('hypercall:memory_op'), { nr: 12, name: 'memory_op' });
    assert.deepStrictEqual(parseHypercallBreakpoint('hypercall:24'), { nr: 24, name: 'vcpu_op' });
    assert.deepStrictEqual(parseHypercallBreakpoint('XENMEM_decrease_reservation'), { nr: 12, name: 'memory_op', subop: { name: 'XENMEM_decrease_reservation', value: 1 } });
    assert.deepStrictEqual(parseHypercallBreakpoint('EVTCHNOP_send'), { nr: 32, name: 'event_channel_op', subop: { name: 'EVTCHNOP_send', value: 4 } });
    assert.strictEqual(typeof parseHypercallBreakpoint('hypercall:frobnicate'), 'string');
    assert.strictEqual(parseHypercallBreakpoint('kernel_main'), undefined);
  });

  it('the dap command line', () => {
    assert.deepStrictEqual(parseDapArgs([]), { port: undefined });
    assert.deepStrictEqual(parseDapArgs(['--server=4711']), { port: 4711 });
    assert.deepStrictEqual(parseDapArgs(['--server', '0']), { port: 0 });
    assert.strictEqual(typeof parseDapArgs(['--server=x']), 'string');
    assert.strictEqual(typeof parseDapArgs(['--stdio']), 'string');
  });
});
