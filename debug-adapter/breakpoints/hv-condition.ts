/**
 * Conditions on hypervisor stops (hypercall breakpoints and exception filters): a small language over the
 * stop's facts, not C, because the facts are Xen's (`domain`, `vcpu`, `errno`, `vector`…), not the guest's.
 *
 *   domain == 1 && vcpu == 0        comparisons (== != < <= > >=) joined by && and ||
 *   errno == ENOSYS                 names compare as text, numbers (decimal or 0x hex) as numbers
 *   #PF, #GP                        a bare list: any of these (a vector mnemonic, an errno, a name)
 *   vector == #GP                   exception mnemonics stand for their vector numbers
 */

export type StopFacts = Record<string, string | number | boolean | undefined>;

/** x86 exception mnemonics (Intel SDM vol. 3A, table 6-1). */
export const EXCEPTION_MNEMONICS: readonly string[] = [
  'DE', 'DB', 'NMI', 'BP', 'OF', 'BR', 'UD', 'NM', 'DF', 'CSO', 'TS', 'NP', 'SS', 'GP', 'PF', '', 'MF', 'AC', 'MC', 'XM', 'VE', 'CP',
];

export function vectorOfMnemonic(s: string): number | undefined {
  const m = /^#?([A-Z]{2,3})$/i.exec(s.trim());
  if (!m) return undefined;
  const i = EXCEPTION_MNEMONICS.indexOf(m[1].toUpperCase());
  return i >= 0 ? i : undefined;
}

export class HvConditionError extends Error {}

type Cmp = { field: string; op: string; value: string };
type Clause = { kind: 'cmp'; cmp: Cmp } | { kind: 'any'; values: string[] };
/** Disjunction of conjunctions (&& binds tighter than ||). */
export type HvCondition = Clause[][];

const CMP_RE = /^\s*([A-Za-z_][\w.]*)\s*(==|!=|<=|>=|<|>)\s*(\S+?)\s*$/;

/** Parses a condition; throws HvConditionError with a message for the user. */
export function parseHvCondition(text: string): HvCondition {
  const src = text.trim();
  if (src === '') return [];
  return src.split('||').map((alt) => alt.split('&&').map((part): Clause => {
    const p = part.trim();
    if (p === '') throw new HvConditionError(`empty term in condition "${text}"`);
    const m = CMP_RE.exec(p);
    if (m) return { kind: 'cmp', cmp: { field: m[1], op: m[2], value: m[3] } };
    const values = p.split(/[\s,]+/).filter(Boolean);
    if (values.some((v) => !/^#?[\w]+$/.test(v))) {
      throw new HvConditionError(`cannot read "${p}": use comparisons such as "domain == 1", "errno == ENOSYS", or a list such as "#PF, #GP"`);
    }
    return { kind: 'any', values };
  }));
}

function asNumber(v: string | number | boolean | undefined): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v !== 'string') return undefined;
  if (/^-?\d+$/.test(v)) return Number(v);
  if (/^0x[0-9a-f]+$/i.test(v)) return Number(BigInt(v));
  return vectorOfMnemonic(v);
}

function compare(actual: string | number | boolean | undefined, op: string, wanted: string): boolean {
  if (actual === undefined) return op === '!=';
  const a = asNumber(actual), w = asNumber(wanted);
  if (a !== undefined && w !== undefined) {
    switch (op) {
      case '==': return a === w;
      case '!=': return a !== w;
      case '<': return a < w;
      case '<=': return a <= w;
      case '>': return a > w;
      default: return a >= w;
    }
  }
  const eq = String(actual).toLowerCase() === wanted.replace(/^#/, '').toLowerCase() || String(actual).toLowerCase() === wanted.toLowerCase();
  if (op === '==') return eq;
  if (op === '!=') return !eq;
  throw new HvConditionError(`"${op}" needs numbers; ${JSON.stringify(actual)} or "${wanted}" is not one`);
}

/** Whether a bare value matches any fact of the stop (its vector, errno, name or subop). */
function matchesAny(facts: StopFacts, value: string): boolean {
  const vec = vectorOfMnemonic(value);
  if (value.startsWith('#') && vec !== undefined) return facts.vector === vec;
  const v = value.toLowerCase();
  return ['errno', 'name', 'subop', 'vector', 'reason', 'mnemonic'].some((k) => {
    const f = facts[k];
    return f !== undefined && String(f).toLowerCase() === v;
  });
}

export function testHvCondition(cond: HvCondition, facts: StopFacts): boolean {
  if (cond.length === 0) return true;
  return cond.some((all) => all.every((c) => {
    if (c.kind === 'any') return c.values.some((v) => matchesAny(facts, v));
    if (!(c.cmp.field in facts)) {
      throw new HvConditionError(`unknown name "${c.cmp.field}" in condition (known here: ${Object.keys(facts).join(', ')})`);
    }
    return compare(facts[c.cmp.field], c.cmp.op, c.cmp.value);
  }));
}
