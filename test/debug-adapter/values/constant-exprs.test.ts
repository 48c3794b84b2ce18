/**
 * Integer constant expressions on both x86 ABIs, with gcc as the oracle at compile time (gcc -S -m64 / -m32,
 * no program runs): the i386 ABI has 32-bit long and pointers, which changes literal types and the usual
 * arithmetic conversions (C11 6.3.1.8, 6.4.4.1), e.g. `-1L < 1U` is 1 on x86_64 and 0 on i386.
 */
import * as assert from 'node:assert/strict';
import { Arch } from '../../../debug-adapter/symbols/model';
import { evaluate, stripTypedefs, valueToBigInt } from '../../../debug-adapter/values';
import { canon } from './compare';
import { FakeEnv } from './fixtures';
import { measure } from './gcc';

const EXPRS = [
  '-1L < 1U', '-1 < 1U', '-1LL < 1U', '-1L < 1UL', '-1 < 1UL', '1U + -2L', '1U + -2LL', '5UL - 6', '0xffffffffU + 1L',
  'sizeof(long)', 'sizeof(void *)', 'sizeof(long long)', 'sizeof(char (*)[3])', 'sizeof(int *[3])', 'sizeof(unsigned long[2])',
  '(unsigned long)-1', '(long)0x80000000', '0x80000000', '2147483648', '4294967296', '0xffffffff', '0x100000000',
  '2147483648U', '10L', '0x7fffffffffffffff', '9223372036854775807', '1UL << 31', '(char)200', '(unsigned char)-1',
  '10 / 3', '-10 % 3', "'\\377'", '~0UL', '-1UL', '(unsigned short)-1 + 1', '(long)-1 >> 1', '(unsigned long)-1 >> 1',
  '1 ? 1U : -1L', '0 ? 1U : -1L', '(int)(long long)0x1234567890', '(long)(unsigned long long)-2', '-2147483647 - 1 < 0',
  '(unsigned long long)(unsigned long)-1', '!0 + !5', '3 > 2 > 1', 'sizeof 1L', 'sizeof(1 ? 1U : 1L)',
];

const CODES: Record<string, string> = { 1: 'int', 2: 'unsigned int', 3: 'long', 4: 'unsigned long', 5: 'long long', 6: 'unsigned long long' };
const typeCode = (e: string): string =>
  `_Generic((${e}), int: 1, unsigned int: 2, long: 3, unsigned long: 4, long long: 5, unsigned long long: 6, default: 0)`;

for (const [arch, flag] of [['x86_64', '-m64'], ['i386', '-m32']] as [Arch, string][]) {
  describe(`values: constant expressions agree with gcc ${flag}`, () => {
    it(`evaluates ${EXPRS.length} constant expressions with ${arch} types`, () => {
      const probes: [string, string, string][] = [];
      EXPRS.forEach((e, i) => {
        // 16-bit pieces: an asm immediate must fit a sign-extended 32-bit field and print non-negative.
        const piece = (k: number): string => `(unsigned)(((unsigned long long)(${e}) >> ${16 * k}) & 0xffff)`;
        probes.push([`lo${i}`, piece(0), piece(1)], [`hi${i}`, piece(2), piece(3)]);
        probes.push([`t${i}`, typeCode(e), '0']);
      });
      const m = measure('', probes, [flag, '-w']);
      assert.equal(m.size, probes.length);
      const env = new FakeEnv(undefined, arch);
      const failures: string[] = [];
      EXPRS.forEach((e, i) => {
        const [p0, p1] = m.get(`lo${i}`)!;
        const [p2, p3] = m.get(`hi${i}`)!;
        const want = (BigInt(p3) << 48n) | (BigInt(p2) << 32n) | (BigInt(p1) << 16n) | BigInt(p0);
        const v = evaluate(e, env);
        const got = BigInt.asUintN(64, valueToBigInt(v, env));
        if (got !== want) failures.push(`${e}: ${got}, gcc ${want}`);
        const wantType = CODES[m.get(`t${i}`)![0]];
        const gotType = canon(stripTypedefs(v.type));
        if (wantType && gotType !== wantType) failures.push(`${e}: type ${gotType}, gcc ${wantType}`);
      });
      assert.deepEqual(failures, []);
    });
  });
}
