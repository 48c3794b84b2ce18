/**
 * What every kind of breakpoint shares once its location matched: the condition, the hit count and the
 * logpoint message (DAP `condition`, `hitCondition`, `logMessage`).
 */

/** `N` or `== N`: the Nth hit; `>= N`, `> N`, `<= N`, `< N`; `% N`: every Nth hit. */
export type HitCondition = { op: '==' | '>=' | '>' | '<=' | '<' | '%'; n: number };

export function parseHitCondition(text: string): HitCondition | string {
  const m = /^\s*(==|>=|>|<=|<|%)?\s*(\d+)\s*$/.exec(text);
  if (!m) return `hit count "${text}" is not understood: use N, == N, >= N, > N, < N, <= N or % N`;
  const n = Number(m[2]);
  const op = (m[1] ?? '==') as HitCondition['op'];
  if (op === '%' && n === 0) return 'hit count "% 0" would never stop';
  return { op, n };
}

export function hitConditionMet(c: HitCondition | undefined, hits: number): boolean {
  if (!c) return true;
  switch (c.op) {
    case '==': return hits === c.n;
    case '>=': return hits >= c.n;
    case '>': return hits > c.n;
    case '<=': return hits <= c.n;
    case '<': return hits < c.n;
    default: return hits % c.n === 0;
  }
}

/** The parts of a DAP breakpoint every kind keeps. */
export interface BreakpointCommon {
  id: number;
  condition?: string;
  hitCondition?: HitCondition;
  logMessage?: string;
  hits: number;
}

/**
 * Decides a matched breakpoint: `condition` is evaluated by the caller's evaluator (which throws for a broken
 * condition; the stop then happens, with the message, as gdb does). Returns 'stop', 'log' or 'skip'.
 */
export function judgeHit(bp: BreakpointCommon, evalCondition: (expr: string) => boolean): { action: 'stop' | 'log' | 'skip'; error?: string } {
  if (bp.condition !== undefined && bp.condition.trim() !== '') {
    try {
      if (!evalCondition(bp.condition)) return { action: 'skip' };
    } catch (e) {
      bp.hits++;
      return { action: 'stop', error: `condition "${bp.condition}" failed: ${(e as Error).message}` };
    }
  }
  bp.hits++;
  if (!hitConditionMet(bp.hitCondition, bp.hits)) return { action: 'skip' };
  return { action: bp.logMessage !== undefined ? 'log' : 'stop' };
}

/** Expands `{expression}` in a logpoint message; `{{` and `}}` are literal braces. */
export function expandLogMessage(template: string, evaluate: (expr: string) => string): string {
  return template.replace(/\{\{|\}\}|\{([^{}]*)\}/g, (all, expr: string | undefined) => {
    if (all === '{{') return '{';
    if (all === '}}') return '}';
    try { return evaluate(expr!.trim()); } catch (e) { return `<${(e as Error).message}>`; }
  });
}
