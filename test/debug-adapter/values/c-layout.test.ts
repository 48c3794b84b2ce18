/** The hand-made TypeInfo of fixtures.ts against gcc's layout of the same C declarations. */
import * as assert from 'node:assert/strict';
import { TypeInfo } from '../../../debug-adapter/symbols/model';
import { sizeOf, stripTypedefs } from '../../../debug-adapter/values';
import { C_TYPES, MEASURED } from './fixtures';
import { measure } from './gcc';

/** Every named, non-bit-field member path reachable without arrays (anonymous members by their inner names). */
function memberPaths(t: TypeInfo, prefix = '', base = 0): { path: string; offset: number; size: number }[] {
  const s = stripTypedefs(t);
  if (s.kind !== 'struct' && s.kind !== 'union') return [];
  const out: { path: string; offset: number; size: number }[] = [];
  for (const m of s.members) {
    if (m.bitSize !== undefined) continue;
    const offset = base + m.offset;
    if (m.name === undefined) { out.push(...memberPaths(m.type, prefix, offset)); continue; }
    const p = `${prefix}${m.name}`;
    out.push({ path: p, offset, size: sizeOf(m.type) }, ...memberPaths(m.type, `${p}.`, offset));
  }
  return out;
}

describe('values: hand-made C layouts match gcc', () => {
  const probes: [string, string, string][] = [];
  for (const [ctype, t] of MEASURED) {
    const key = ctype.replace(' ', '_');
    probes.push([`${key}|`, `_Alignof(${ctype})`, `sizeof(${ctype})`]);
    for (const p of memberPaths(t)) probes.push([`${key}|${p.path}`, `offsetof(${ctype}, ${p.path})`, `sizeof(((${ctype} *)0)->${p.path})`]);
  }
  const measured = measure(C_TYPES, probes);

  it('measures every probe', () => {
    assert.equal(measured.size, probes.length);
  });

  for (const [ctype, t] of MEASURED) {
    const key = ctype.replace(' ', '_');
    it(`${ctype}: size and every member offset/size`, () => {
      assert.equal(sizeOf(t), measured.get(`${key}|`)![1], `sizeof(${ctype})`);
      for (const p of memberPaths(t)) {
        assert.deepEqual([p.offset, p.size], measured.get(`${key}|${p.path}`), `${ctype}.${p.path}`);
      }
    });
  }
});
