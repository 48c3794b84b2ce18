/** Display strings and C type spellings. */
import * as assert from 'node:assert/strict';
import { TypeInfo } from '../../../debug-adapter/symbols/model';
import { builtinType, evaluate, formatValue, typeName } from '../../../debug-adapter/values';
import { enumColor, enumFlags, enumSign, structNode, structRec, unionWord } from './fixtures';
import { makeWorld } from './world';

const b = (n: string): TypeInfo => builtinType('x86_64', n);
const ptr = (target: TypeInfo): TypeInfo => ({ kind: 'pointer', size: 8, target });

describe('values: formatting', () => {
  it('spells types as C does', () => {
    const cases: [TypeInfo, string][] = [
      [b('int'), 'int'],
      [ptr(structNode), 'struct node *'],
      [ptr(ptr(b('char'))), 'char **'],
      [{ kind: 'array', element: b('int'), count: 8 }, 'int [8]'],
      [{ kind: 'array', element: { kind: 'array', element: b('int'), count: 3 }, count: 2 }, 'int [2][3]'],
      [{ kind: 'array', element: ptr(b('int')), count: 4 }, 'int *[4]'],
      [ptr({ kind: 'array', element: b('char'), count: 4 }), 'char (*)[4]'],
      [ptr({ kind: 'function', returnType: b('void'), params: [b('int')], variadic: false }), 'void (*)(int)'],
      [ptr({ kind: 'function', returnType: b('int'), params: [ptr(b('char'))], variadic: true }), 'int (*)(char *, ...)'],
      [ptr({ kind: 'function', returnType: b('int'), params: [], variadic: false }), 'int (*)(void)'],
      [ptr({ kind: 'qualified', qualifier: 'const', target: b('char') }), 'const char *'],
      [{ kind: 'qualified', qualifier: 'const', target: ptr(b('char')) }, 'char * const'],
      [{ kind: 'qualified', qualifier: 'volatile', target: b('uint32_t') }, 'volatile uint32_t'],
      [unionWord, 'union word'],
      [enumColor, 'enum color'],
      [{ kind: 'struct', size: 4, members: [] }, 'struct {...}'],
      [{ kind: 'void' }, 'void'],
      [ptr({ kind: 'void' }), 'void *'],
      [b('unsigned long'), 'unsigned long'],
    ];
    for (const [t, s] of cases) assert.equal(typeName(t), s);
  });

  it('formats scalars: ints, hex, chars, bools, floats, enums and flag enums', () => {
    const env = makeWorld();
    const f = (text: string, hex = false): string => formatValue(evaluate(text, env), env, { hex });
    assert.equal(f('r.i'), '42');
    assert.equal(f('r.i', true), '0x2a');
    assert.equal(f('-1'), '-1');
    assert.equal(f('-1', true), '0xffffffff');
    assert.equal(f('(short)-2', true), '0xfffe');
    assert.equal(f('r.bf.b'), '-9');
    assert.equal(f('r.bf.b', true), '0x17'); // 5-bit two's complement
    assert.equal(f('r.c'), "65 'A'");
    assert.equal(f('(char)10'), "10 '\\n'");
    assert.equal(f('(char)0'), "0 '\\0'");
    assert.equal(f('(unsigned char)200'), "200 '\\310'");
    assert.equal(f('(char)39'), "39 '\\''");
    assert.equal(f('r.flag'), 'true');
    assert.equal(f('(_Bool)0'), 'false');
    assert.equal(f('r.d'), '2.5');
    assert.equal(f('1.0 / 3'), String(1 / 3));
    assert.equal(f('r.color'), 'GREEN');
    assert.equal(f('(enum color)7'), '7');
    assert.equal(f('r.fl'), '(F_A | F_C)');
    assert.equal(f('(enum flags)0x107'), '(F_A | F_B | F_C | F_HI)');
    assert.equal(f('(enum flags)0x209'), '(F_A | unknown: 0x208)');
    assert.equal(f('(enum flags)4'), 'F_C');
    assert.equal(f('(enum flags)0'), '0');
    assert.equal(f('(enum sign)-1'), 'NEG');
    assert.equal(f('(enum sign)5'), '5');
  });

  it('formats pointers in hex with symbols, and strings for char data', () => {
    const env = makeWorld();
    const f = (text: string): string => formatValue(evaluate(text, env), env);
    assert.equal(f('rp'), '0x1000 <r>');
    assert.equal(f('r.head'), '0x2000 <nodes>');
    assert.equal(f('nodes[1].next'), '0x0');
    assert.equal(f('r.str'), '0x4100 <text> "hi\\tthere\\n"');
    assert.equal(f('text'), '"hi\\tthere\\n"');
    assert.equal(f('(char *)0x10'), '0x10 <error: cannot access memory at 0x10>');
    assert.equal(f('r.name'), '""');
    assert.equal(f('&r.arr[1]'), '0x1040');
    assert.equal(f('(uint8_t *)r.str'), '0x4100 <text>', 'byte buffers are not strings');
    assert.equal(f('(unsigned char *)r.str'), '0x4100 <text> "hi\\tthere\\n"');
  });

  it('summarises structs, unions and arrays, cutting long ones', () => {
    const env = makeWorld();
    const f = (text: string): string => formatValue(evaluate(text, env), env);
    assert.equal(f('nodes[0]'), '{val = 1, next = 0x2010}');
    assert.equal(f('r.w'), "{w = 287454020, b = {68, 51, 34, 17}, {lo = 13124, hi = 4386}}");
    assert.equal(f('r.w.b[0]'), '68');
    assert.equal(f('(uint8_t)65'), '65');
    assert.equal(f('(unsigned char)65'), "65 'A'");
    assert.equal(f('r.matrix'), '{{0, 0, 0}, {0, 0, 0}}');
    const big = f('big');
    assert.ok(big.startsWith('{0, 1, 2, 3,') && big.endsWith(', ...}'), big);
    const rec = f('r');
    assert.ok(rec.startsWith("{c = 65 'A', sc = 0 '\\0', uc = 0 '\\0', s = 0,") && rec.endsWith('...}'), rec);
    assert.ok(rec.length < 200);
  });

  it('shows unreadable values as markers, never throwing', () => {
    const env = makeWorld();
    assert.equal(formatValue({ type: structRec, location: { kind: 'optimized-out' } }, env), '<optimized out>');
    assert.equal(formatValue({ type: b('int'), location: { kind: 'unavailable', why: 'pc outside location list' } }, env), '<unavailable: pc outside location list>');
    assert.equal(formatValue({ type: b('int'), location: { kind: 'memory', address: 0x10n } }, env), '<error: cannot access memory at guest-virtual address 0x10 (4 bytes)>');
    assert.equal(formatValue({ type: b('int'), location: { kind: 'memory', address: 0x10n, space: 'physical' } }, env), '<error: cannot access memory at guest-physical address 0x10 (4 bytes)>');
    assert.equal(formatValue({ type: structNode, location: { kind: 'memory', address: 0x10n } }, env), '{val = <error: cannot access memory at guest-virtual address 0x10 (4 bytes)>, next = <error: cannot access memory at guest-virtual address 0x18 (8 bytes)>}');
    assert.equal(formatValue({ type: { kind: 'struct', name: 'opaque', size: 0, members: [], declarationOnly: true }, location: { kind: 'memory', address: 0x1000n } }, env), '<incomplete type>');
    assert.equal(formatValue({ type: enumSign, location: { kind: 'value', value: 1n } }, env), 'POS');
    // x87 long double (16-byte slot on x86_64): 2.5 and -inf.
    const ld = (bytes: number[]): string => formatValue({ type: { kind: 'base', name: 'long double', size: 16, encoding: 'float' },
      location: { kind: 'bytes', bytes: Uint8Array.from([...bytes, ...new Array(16 - bytes.length).fill(0)]) } }, env);
    assert.equal(ld([0, 0, 0, 0, 0, 0, 0, 0xa0, 0x00, 0x40]), '2.5');
    assert.equal(ld([0, 0, 0, 0, 0, 0, 0, 0x80, 0xff, 0xff]), '-inf');
    assert.equal(ld([0, 0, 0, 0, 0, 0, 0, 0x80, 0xff, 0x3f]), '1');
    assert.equal(formatValue({ type: enumFlags, location: { kind: 'bytes', bytes: Uint8Array.from([3, 0, 0, 0]) } }, env), '(F_A | F_B)');
  });
});
