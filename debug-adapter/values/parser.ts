/**
 * A recursive-descent parser for C expressions (C11 6.5) as typed into Watch, hover and the REPL, with
 * casts to type names (C11 6.7.7). A parenthesised identifier is a cast when `isTypeName` says it names a
 * type (the evaluator asks the env); without it, `(name)` followed by an operand is taken as a cast.
 */
import { AbstractDeclarator, AssignOp, BinaryOp, Expr, TypeName, UnaryOp } from './ast';
import { Token, tokenize } from './lexer';
import { ExprSyntaxError } from './syntax-error';

export { ExprSyntaxError } from './syntax-error';

const TYPE_KEYWORDS = new Set(['void', 'char', 'short', 'int', 'long', 'float', 'double', 'signed', 'unsigned', '_Bool',
  '__signed__', 'struct', 'union', 'enum', 'const', 'volatile', 'restrict', '__restrict', '_Atomic']);
const QUALIFIERS = new Set(['const', 'volatile', 'restrict', '__restrict', '_Atomic']);
const BUILTIN_WORDS = new Set(['void', 'char', 'short', 'int', 'long', 'float', 'double', 'signed', 'unsigned', '_Bool', '__signed__']);

/** Binary operators by precedence level, lowest first (C11 6.5.5–6.5.14). */
const LEVELS: BinaryOp[][] = [
  ['||'], ['&&'], ['|'], ['^'], ['&'], ['==', '!='], ['<', '>', '<=', '>='], ['<<', '>>'], ['+', '-'], ['*', '/', '%'],
];
const ASSIGN_OPS = new Set<string>(['=', '*=', '/=', '%=', '+=', '-=', '<<=', '>>=', '&=', '^=', '|=']);
const UNARY_OPS = new Set<string>(['*', '&', '-', '+', '!', '~']);

/** Parses `text`; throws ExprSyntaxError (with a 1-based column) on malformed input. */
export function parseExpression(text: string, isTypeName?: (name: string) => boolean): Expr {
  const p = new Parser(tokenize(text), isTypeName);
  if (p.peek().kind === 'eof') throw new ExprSyntaxError('empty expression', 1);
  const e = p.expression();
  const t = p.peek();
  if (t.kind !== 'eof') {
    const [open, name, close] = [p.peek(-3), p.peek(-2), p.peek(-1)];
    if (open.text === '(' && name.kind === 'ident' && close.text === ')') {
      throw new ExprSyntaxError(`unexpected '${t.text}' after '(${name.text})': '${name.text}' is not a known type`, t.pos);
    }
    throw new ExprSyntaxError(`unexpected '${t.text}'`, t.pos);
  }
  return e;
}

class Parser {
  private i = 0;
  constructor(private readonly toks: Token[], private readonly isTypeName?: (name: string) => boolean) {}

  peek(k = 0): Token { return this.toks[Math.max(0, Math.min(this.i + k, this.toks.length - 1))]; }
  private next(): Token {
    const t = this.peek();
    if (this.i < this.toks.length - 1) this.i++;
    return t;
  }
  private isPunct(text: string, k = 0): boolean { const t = this.peek(k); return t.kind === 'punct' && t.text === text; }
  private expect(text: string): Token {
    const t = this.peek();
    if (t.kind !== 'punct' || t.text !== text) throw new ExprSyntaxError(`expected '${text}' but found ${describe(t)}`, t.pos);
    return this.next();
  }

  expression(): Expr {
    let e = this.assignment();
    while (this.isPunct(',')) {
      const pos = this.next().pos;
      e = { kind: 'comma', left: e, right: this.assignment(), pos };
    }
    return e;
  }

  private assignment(): Expr {
    const left = this.conditional();
    const t = this.peek();
    if (t.kind === 'punct' && ASSIGN_OPS.has(t.text)) {
      this.next();
      return { kind: 'assign', op: t.text as AssignOp, target: left, value: this.assignment(), pos: t.pos };
    }
    return left;
  }

  private conditional(): Expr {
    const cond = this.binary(0);
    if (!this.isPunct('?')) return cond;
    const pos = this.next().pos;
    const then = this.expression();
    this.expect(':');
    return { kind: 'ternary', cond, then, otherwise: this.conditional(), pos };
  }

  private binary(level: number): Expr {
    if (level === LEVELS.length) return this.cast();
    let left = this.binary(level + 1);
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'punct' || !(LEVELS[level] as string[]).includes(t.text)) return left;
      this.next();
      left = { kind: 'binary', op: t.text as BinaryOp, left, right: this.binary(level + 1), pos: t.pos };
    }
  }

  private cast(): Expr {
    if (this.isPunct('(') && this.startsTypeName(1)) {
      const pos = this.next().pos;
      const type = this.typeName();
      this.expect(')');
      return { kind: 'cast', type, operand: this.cast(), pos };
    }
    return this.unary();
  }

  private unary(): Expr {
    const t = this.peek();
    if (t.kind === 'punct' && UNARY_OPS.has(t.text)) {
      this.next();
      return { kind: 'unary', op: t.text as UnaryOp, operand: this.cast(), pos: t.pos };
    }
    if (t.kind === 'punct' && (t.text === '++' || t.text === '--')) {
      throw new ExprSyntaxError(`'${t.text}' is not supported (use ${t.text === '++' ? '+=' : '-='} 1)`, t.pos);
    }
    if (t.kind === 'ident' && t.text === 'sizeof') {
      this.next();
      if (this.isPunct('(') && this.startsTypeName(1)) {
        this.next();
        const type = this.typeName();
        this.expect(')');
        return { kind: 'sizeof-type', type, pos: t.pos };
      }
      return { kind: 'sizeof-expr', operand: this.unary(), pos: t.pos };
    }
    return this.postfix();
  }

  private postfix(): Expr {
    let e = this.primary();
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'punct') return e;
      if (t.text === '[') {
        this.next();
        const index = this.expression();
        this.expect(']');
        e = { kind: 'index', object: e, index, pos: t.pos };
      } else if (t.text === '.' || t.text === '->') {
        this.next();
        const name = this.peek();
        if (name.kind !== 'ident') throw new ExprSyntaxError(`expected a member name after '${t.text}' but found ${describe(name)}`, name.pos);
        this.next();
        e = { kind: 'member', object: e, name: name.text, arrow: t.text === '->', pos: t.pos };
      } else if (t.text === '(') {
        throw new ExprSyntaxError('function calls are not supported', t.pos);
      } else if (t.text === '++' || t.text === '--') {
        throw new ExprSyntaxError(`'${t.text}' is not supported (use ${t.text === '++' ? '+=' : '-='} 1)`, t.pos);
      } else return e;
    }
  }

  private primary(): Expr {
    const t = this.next();
    switch (t.kind) {
      case 'ident':
        if (TYPE_KEYWORDS.has(t.text)) throw new ExprSyntaxError(`unexpected type name '${t.text}' (casts need parentheses)`, t.pos);
        return { kind: 'ident', name: t.text, pos: t.pos };
      case 'register': return { kind: 'register', name: t.text, pos: t.pos };
      case 'int': return { kind: 'int', value: t.value, unsigned: t.unsigned, longs: t.longs, decimal: t.decimal, pos: t.pos };
      case 'char': return { kind: 'char', value: t.value, pos: t.pos };
      case 'float': return { kind: 'float', value: t.value, pos: t.pos };
      case 'punct':
        if (t.text === '(') {
          const e = this.expression();
          this.expect(')');
          return e;
        }
        throw new ExprSyntaxError(`expected an expression but found '${t.text}'`, t.pos);
      case 'eof': throw new ExprSyntaxError('unexpected end of expression', t.pos);
    }
  }

  // ---------------------------------------------------------------- type names

  /** Does a type name start at token offset `k`? */
  private startsTypeName(k: number): boolean {
    const t = this.peek(k);
    if (t.kind !== 'ident') return false;
    if (TYPE_KEYWORDS.has(t.text)) return true;
    // `(name *...)` can only be a cast (an expression cannot end in `*`), known type or not.
    let j = k + 1;
    while (this.isPunct('*', j)) j++;
    if (j > k + 1 && this.isPunct(')', j)) return true;
    if (this.isTypeName) return this.isTypeName(t.text);
    // No env: `(name)` followed by something that can only start an operand.
    if (!this.isPunct(')', j)) return false;
    const after = this.peek(j + 1);
    return after.kind === 'ident' || after.kind === 'int' || after.kind === 'char' || after.kind === 'register' ||
      after.kind === 'float' || (after.kind === 'punct' && ['(', '~', '!'].includes(after.text));
  }

  private typeName(): TypeName {
    const words: string[] = [];
    let base: TypeName['base'] | undefined;
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'ident') break;
      if (QUALIFIERS.has(t.text)) { this.next(); continue; }
      if (t.text === 'struct' || t.text === 'union' || t.text === 'enum') {
        if (base || words.length) throw new ExprSyntaxError(`unexpected '${t.text}' in type name`, t.pos);
        this.next();
        const name = this.peek();
        if (name.kind !== 'ident') throw new ExprSyntaxError(`expected a ${t.text} tag but found ${describe(name)}`, name.pos);
        this.next();
        base = { kind: 'tagged', tag: t.text, name: name.text };
        continue;
      }
      if (BUILTIN_WORDS.has(t.text)) {
        if (base) throw new ExprSyntaxError(`unexpected '${t.text}' in type name`, t.pos);
        words.push(t.text === '__signed__' ? 'signed' : t.text);
        this.next();
        continue;
      }
      if (!base && !words.length) {
        this.next();
        base = { kind: 'typedef', name: t.text };
        continue;
      }
      break;
    }
    if (words.length) base = { kind: 'builtin', spelling: words.join(' ') };
    if (!base) throw new ExprSyntaxError(`expected a type name but found ${describe(this.peek())}`, this.peek().pos);
    const declarator = this.abstractDeclarator();
    const spec = base.kind === 'builtin' ? base.spelling : base.kind === 'tagged' ? `${base.tag} ${base.name}` : base.name;
    const decl = declaratorText(declarator);
    return { base, declarator, text: decl ? `${spec} ${decl}` : spec };
  }

  private abstractDeclarator(): AbstractDeclarator {
    let pointers = 0;
    while (this.isPunct('*')) {
      this.next();
      pointers++;
      while (this.peek().kind === 'ident' && QUALIFIERS.has(this.peek().text)) this.next();
    }
    const d: AbstractDeclarator = { pointers, suffixes: [] };
    if (this.isPunct('(') && (this.isPunct('*', 1) || this.isPunct('[', 1) || this.isPunct('(', 1))) {
      this.next();
      d.inner = this.abstractDeclarator();
      this.expect(')');
    }
    for (;;) {
      if (this.isPunct('[')) {
        this.next();
        const t = this.peek();
        let count: number | undefined;
        if (t.kind === 'int') { this.next(); count = Number(t.value); }
        this.expect(']');
        d.suffixes.push({ kind: 'array', count });
      } else if (this.isPunct('(')) {
        this.next();
        const params: TypeName[] = [];
        let variadic = false;
        if (!this.isPunct(')')) {
          for (;;) {
            if (this.isPunct('...')) { this.next(); variadic = true; break; }
            params.push(this.typeName());
            if (!this.isPunct(',')) break;
            this.next();
          }
        }
        this.expect(')');
        const onlyVoid = params.length === 1 && params[0].base.kind === 'builtin' && params[0].base.spelling === 'void' &&
          params[0].declarator.pointers === 0 && !params[0].declarator.inner && !params[0].declarator.suffixes.length;
        d.suffixes.push({ kind: 'function', params: onlyVoid ? [] : params, variadic });
      } else break;
    }
    return d;
  }
}

/** An abstract declarator as C writes it: `*`, `(*)[4]`, `(*)(int, ...)`. */
function declaratorText(d: AbstractDeclarator): string {
  const suffixes = d.suffixes.map((s) => (s.kind === 'array' ? `[${s.count ?? ''}]`
    : `(${[...s.params.map((p) => p.text), ...(s.variadic ? ['...'] : [])].join(', ') || 'void'})`)).join('');
  return `${'*'.repeat(d.pointers)}${d.inner ? `(${declaratorText(d.inner)})` : ''}${suffixes}`;
}

function describe(t: Token): string {
  return t.kind === 'eof' ? 'end of expression' : `'${t.text}'`;
}
