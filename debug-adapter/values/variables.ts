/**
 * DAP variable trees: turns Values into DebugProtocol.Variable objects, hands out integer
 * `variablesReference` handles for expandable nodes, pages big arrays, and writes values (setVariable,
 * setExpression). Handles die when the guest resumes (invalidate()); a stale one gets a clear error.
 */
import type { DebugProtocol } from '@vscode/debugprotocol';
import { UnavailableError, hex, isLvalue, readValueBytes, storageSize, valueToBigInt } from './access';
import { EvalEnv } from './env';
import { assignValue, evaluate, memberValue } from './evaluator';
import { FormatOptions, formatValue } from './format';
import { sizeOf, stripTypedefs, typeName } from './types';
import { EvalError, Value } from './value';

export interface NamedValue {
  name: string;
  /** The value, or a thunk called when the scope is expanded (a thrown error is shown as `<error: ...>`). */
  value: Value | (() => Value);
  /** The C expression that yields this value (DAP evaluateName); omit when there is none (shadowed locals). */
  evaluateName?: string;
}

export interface VariableStoreOptions {
  /** Most children returned by one `variables` request without start/count (default 1000). */
  maxChildren?: number;
}

type Node =
  | { kind: 'scope'; env: EvalEnv; children: () => NamedValue[] }
  | { kind: 'value'; env: EvalEnv; value: Value; name: string; base?: string };

/** One child of a node: `base` is the expression its own children build on (anonymous members reuse the parent's). */
interface Child { name: string; value: Value | EvalError; evaluateName?: string; base?: string }

type VariableBody = Pick<DebugProtocol.Variable, 'value' | 'type' | 'variablesReference' | 'namedVariables' | 'indexedVariables' | 'memoryReference'>;

export class VariableStore {
  private readonly nodes = new Map<number, Node>();
  private nextRef = 1;
  /** Handles below this were handed out before the last invalidate(). */
  private firstLive = 1;
  private readonly maxChildren: number;

  constructor(options: VariableStoreOptions = {}) {
    this.maxChildren = options.maxChildren ?? 1000;
  }

  /** Forgets every handle: call when the guest resumes (or steps), so no view shows stale memory as current. */
  invalidate(): void {
    this.nodes.clear();
    this.firstLive = this.nextRef;
  }

  /** A handle for a scope (Locals, Registers, Xen...): `children` is called on each `variables` request. */
  addScope(env: EvalEnv, children: () => NamedValue[]): number {
    return this.add({ kind: 'scope', env, children });
  }

  /** A DAP Variable for `value`, with a handle when it can be expanded. */
  toVariable(name: string, value: Value, env: EvalEnv, evaluateName?: string, format?: FormatOptions): DebugProtocol.Variable {
    const v: DebugProtocol.Variable = { name, ...this.describe(name, value, env, evaluateName, format) };
    if (evaluateName !== undefined) v.evaluateName = evaluateName;
    if (!isLvalue(value)) v.presentationHint = { attributes: ['readOnly'] };
    return v;
  }

  /** The `variables` request. Throws EvalError for a stale or unknown handle. */
  variables(ref: number, args: { filter?: 'indexed' | 'named'; start?: number; count?: number; format?: FormatOptions } = {}): DebugProtocol.Variable[] {
    const node = this.node(ref);
    return this.children(node, args).map((c) => this.childVariable(node.env, c, args.format));
  }

  /** The `setVariable` request: `valueText` is a C expression evaluated in the node's frame. */
  setVariable(ref: number, name: string, valueText: string, format?: FormatOptions): DebugProtocol.SetVariableResponse['body'] {
    const node = this.node(ref);
    const child = this.findChild(node, name);
    if (child.value instanceof EvalError) throw child.value;
    const target = child.value;
    refuseImplicit(target, name);
    assignValue(target, evaluate(valueText, node.env), node.env, name);
    return this.describe(name, target, node.env, child.base, format);
  }

  /**
   * The value shown as child `name` of handle `ref` (a scope or an expanded value), with the env of its frame:
   * what dataBreakpointInfo needs for a struct member or array element in the Variables view. Throws EvalError
   * for a stale or unknown handle, a missing child, or a child that could not be read.
   */
  lookup(ref: number, name: string): { value: Value; env: EvalEnv; evaluateName?: string } {
    const node = this.node(ref);
    const child = this.findChild(node, name);
    if (child.value instanceof EvalError) throw child.value;
    return { value: child.value, env: node.env, evaluateName: child.evaluateName };
  }

  // ---------------------------------------------------------------- internals

  /** The value/type/handle part of a variable; shared by toVariable, setVariable and the free functions. */
  describe(name: string, value: Value, env: EvalEnv, base: string | undefined, format?: FormatOptions): VariableBody {
    const body: VariableBody = { value: formatValue(value, env, format), type: typeName(value.type), variablesReference: 0 };
    const shape = expandShape(value, env);
    if (shape) {
      body.variablesReference = this.add({ kind: 'value', env, value, name, base });
      if (shape.indexed !== undefined) body.indexedVariables = shape.indexed;
      if (shape.named !== undefined) body.namedVariables = shape.named;
    }
    const mem = memoryReferenceOf(value, env);
    if (mem) body.memoryReference = mem;
    return body;
  }

  private add(node: Node): number {
    const ref = this.nextRef++;
    this.nodes.set(ref, node);
    return ref;
  }

  private node(ref: number): Node {
    const n = this.nodes.get(ref);
    if (n) return n;
    if (ref > 0 && ref < this.firstLive) {
      throw new EvalError(`variable reference ${ref} is stale: the guest has run since it was shown; expand the variable again`);
    }
    throw new EvalError(`unknown variable reference ${ref}`);
  }

  private childVariable(env: EvalEnv, c: Child, format?: FormatOptions): DebugProtocol.Variable {
    if (c.value instanceof EvalError) {
      const v: DebugProtocol.Variable = { name: c.name, value: formatError(c.value), variablesReference: 0 };
      if (c.evaluateName !== undefined) v.evaluateName = c.evaluateName;
      return v;
    }
    const v = this.toVariable(c.name, c.value, env, c.evaluateName, format);
    if (c.base !== c.evaluateName) {
      // Anonymous members: expand with the parent's expression as base.
      const node = this.nodes.get(v.variablesReference);
      if (node?.kind === 'value') node.base = c.base;
    }
    return v;
  }

  private findChild(node: Node, name: string): Child {
    const m = /^\[(\d+)\]$/.exec(name);
    const all = m ? this.children(node, { start: Number(m[1]), count: 1 }) : this.children(node, {});
    const c = all.find((x) => x.name === name);
    if (!c) throw new EvalError(`no variable named '${name}' here`);
    return c;
  }

  private children(node: Node, args: { filter?: 'indexed' | 'named'; start?: number; count?: number }): Child[] {
    if (node.kind === 'scope') {
      if (args.filter === 'indexed') return [];
      return node.children().map((nv) => {
        let value: Value | EvalError;
        try {
          value = typeof nv.value === 'function' ? nv.value() : nv.value;
        } catch (e) {
          value = e instanceof EvalError ? e : new EvalError(e instanceof Error ? e.message : String(e));
        }
        return { name: nv.name, value, evaluateName: nv.evaluateName, base: nv.evaluateName };
      });
    }
    return valueChildren(node, args, this.maxChildren);
  }
}

// ------------------------------------------------------------------ children of a value

function valueChildren(node: Extract<Node, { kind: 'value' }>, args: { filter?: string; start?: number; count?: number }, max: number): Child[] {
  const { value, env, base } = node;
  const s = stripTypedefs(value.type);
  const range = (total: number): number[] => {
    const start = Math.max(0, args.start ?? 0);
    const end = Math.min(total, args.count !== undefined ? start + args.count : start + max);
    return Array.from({ length: Math.max(0, end - start) }, (_, k) => start + k);
  };
  const element = (i: number): string | undefined => (base === undefined ? undefined : `${postfix(base)}[${i}]`);
  const attempt = (f: () => Value): Value | EvalError => {
    try { return f(); } catch (e) { return e instanceof EvalError ? e : new EvalError(String(e)); }
  };

  if (value.location.kind === 'indexed-root') {
    if (args.filter === 'named') return [];
    const root = value.location.root;
    return range(root.count).map((i) => {
      const e = element(i);
      return { name: `[${i}]`, value: attempt(() => ({ type: root.elementType, location: root.locate(i) })), evaluateName: e, base: e };
    });
  }
  switch (s.kind) {
    case 'array': {
      if (args.filter === 'named') return [];
      const elSize = sizeOf(s.element);
      return range(s.count ?? 0).map((i) => {
        const e = element(i);
        return { name: `[${i}]`, value: attempt(() => memberValue(env, value, i * elSize, { offset: i * elSize, type: s.element })), evaluateName: e, base: e };
      });
    }
    case 'struct': case 'union': {
      if (args.filter === 'indexed') return [];
      return s.members.map((m) => {
        const v = attempt(() => memberValue(env, value, m.offset, m));
        if (m.name === undefined) {
          const kind = stripTypedefs(m.type).kind;
          return { name: `<anonymous ${kind}>`, value: v, base };
        }
        const e = base === undefined ? undefined : `${postfix(base)}.${m.name}`;
        return { name: m.name, value: v, evaluateName: e, base: e };
      });
    }
    case 'pointer': {
      if (args.filter === 'indexed') return [];
      const e = base === undefined ? undefined : `*${unary(base)}`;
      const v = attempt(() => ({ type: s.target, location: { kind: 'memory', address: valueToBigInt(value, env) } }));
      return [{ name: `*${node.name}`, value: v, evaluateName: e, base: e }];
    }
    default: return [];
  }
}

/** Whether (and how) a value expands: named members, indexed elements, or the pointee. */
function expandShape(value: Value, env: EvalEnv): { named?: number; indexed?: number } | undefined {
  if (value.location.kind === 'indexed-root') return { indexed: value.location.root.count };
  const s = stripTypedefs(value.type);
  if (value.location.kind === 'optimized-out' || value.location.kind === 'unavailable') return undefined;
  switch (s.kind) {
    case 'struct': case 'union': return s.declarationOnly || !s.members.length ? undefined : { named: s.members.length };
    case 'array': return s.count ? { indexed: s.count } : undefined;
    case 'pointer': {
      const t = stripTypedefs(s.target);
      if (t.kind === 'void' || t.kind === 'function') return undefined;
      if ((t.kind === 'struct' || t.kind === 'union') && t.declarationOnly) return undefined;
      try {
        return valueToBigInt(value, env) === 0n ? undefined : { named: 1 };
      } catch {
        return undefined;
      }
    }
    default: return undefined;
  }
}

/** `0x…` for guest-virtual, `phys:0x…` for guest-physical, `mach:0x…` for machine; pointers refer to what they point to. */
export function memoryReferenceOf(value: Value, env: EvalEnv): string | undefined {
  const s = stripTypedefs(value.type);
  if (s.kind === 'pointer') {
    try {
      const a = valueToBigInt(value, env);
      if (a !== 0n) return hex(a);
    } catch { /* fall back to where the pointer itself lives */ }
  }
  const l = value.location;
  if (l.kind !== 'memory') return undefined;
  return `${l.space === 'physical' ? 'phys:' : l.space === 'machine' ? 'mach:' : ''}${hex(l.address)}`;
}

function refuseImplicit(target: Value, name: string): void {
  switch (target.location.kind) {
    case 'optimized-out': throw new EvalError(`cannot set ${name}: it is optimized out`);
    case 'unavailable': throw new EvalError(`cannot set ${name}: it is unavailable (${target.location.why})`);
    case 'value': case 'bytes': throw new EvalError(`cannot set ${name}: its value is computed (not stored in memory or a register)`);
    default:
  }
}

function formatError(e: EvalError): string {
  if (e instanceof UnavailableError) return e.reason === 'optimized-out' ? '<optimized out>' : `<unavailable: ${e.why}>`;
  return `<error: ${e.message}>`;
}

const POSTFIX = /^(?:[A-Za-z_$][\w$]*)(?:(?:\.|->)[A-Za-z_]\w*|\[[^[\]]*\])*$/;
/** `e` ready for a postfix operator (`.m`, `[i]`): parenthesised unless it already is a postfix expression. */
const postfix = (e: string): string => (POSTFIX.test(e) ? e : `(${e})`);
/** `e` ready for a unary operator: postfix expressions and unary chains need no parentheses. */
const unary = (e: string): string => (POSTFIX.test(e) || /^\*+[A-Za-z_$(]/.test(e) && POSTFIX.test(e.replace(/^\*+/, '')) ? e : `(${e})`);

// ------------------------------------------------------------------ evaluate / setExpression

type EvaluateBody = DebugProtocol.EvaluateResponse['body'];

/** The `evaluate` request (watch, hover, repl). Throws EvalError when the expression cannot be evaluated. */
export function evaluateForDap(expression: string, env: EvalEnv, store: VariableStore, format?: FormatOptions): EvaluateBody {
  const value = evaluate(expression, env);
  probe(value, env);
  const d = store.describe(expression, value, env, expression, format);
  const body: EvaluateBody = { result: d.value, variablesReference: d.variablesReference };
  if (d.type !== undefined) body.type = d.type;
  if (d.namedVariables !== undefined) body.namedVariables = d.namedVariables;
  if (d.indexedVariables !== undefined) body.indexedVariables = d.indexedVariables;
  if (d.memoryReference !== undefined) body.memoryReference = d.memoryReference;
  return body;
}

/** The `setExpression` request: `expression = value`, then the new value. */
export function setExpressionForDap(expression: string, valueText: string, env: EvalEnv, store: VariableStore, format?: FormatOptions): DebugProtocol.SetExpressionResponse['body'] {
  const target = evaluate(expression, env);
  refuseImplicit(target, expression);
  assignValue(target, evaluate(valueText, env), env, expression);
  return store.describe(expression, target, env, expression, format);
}

/** An unreadable result is an error for evaluate (not a `<error>` value), except optimized-out/unavailable. */
function probe(value: Value, env: EvalEnv): void {
  if (value.location.kind === 'indexed-root' || storageSize(value) > 1 << 16) return;
  try {
    readValueBytes(value, env);
  } catch (e) {
    if (!(e instanceof UnavailableError)) throw e;
  }
}
