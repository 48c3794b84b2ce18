/** The expression parser: shapes of what a Xen developer types, and syntax errors with their columns. */
import * as assert from 'node:assert/strict';
import { Expr, ExprSyntaxError, parseExpression } from '../../../debug-adapter/values';

/** A compact rendering of the tree, to assert precedence and associativity. */
function show(e: Expr): string {
  switch (e.kind) {
    case 'ident': return e.name;
    case 'register': return `$${e.name}`;
    case 'int': return `${e.value}${e.unsigned ? 'u' : ''}${'l'.repeat(e.longs)}`;
    case 'char': return `'${e.value}'`;
    case 'float': return `${e.value}f`;
    case 'member': return `(${show(e.object)}${e.arrow ? '->' : '.'}${e.name})`;
    case 'index': return `(${show(e.object)}[${show(e.index)}])`;
    case 'unary': return `(${e.op}${show(e.operand)})`;
    case 'cast': return `((${e.type.text})${show(e.operand)})`;
    case 'sizeof-type': return `sizeof(${e.type.text})`;
    case 'sizeof-expr': return `sizeof ${show(e.operand)}`;
    case 'binary': return `(${show(e.left)} ${e.op} ${show(e.right)})`;
    case 'ternary': return `(${show(e.cond)} ? ${show(e.then)} : ${show(e.otherwise)})`;
    case 'assign': return `(${show(e.target)} ${e.op} ${show(e.value)})`;
    case 'comma': return `(${show(e.left)}, ${show(e.right)})`;
  }
}

const typedefs = new Set(['u32', 'node_t', 'vcpu_info_t']);
const parse = (s: string): string => show(parseExpression(s, (n) => typedefs.has(n)));

function syntaxError(text: string): ExprSyntaxError {
  try {
    parseExpression(text, (n) => typedefs.has(n));
  } catch (e) {
    assert.ok(e instanceof ExprSyntaxError, `${text}: ${String(e)}`);
    return e;
  }
  assert.fail(`${text} parsed`);
}

describe('values: expression parser', () => {
  it('follows C precedence and associativity', () => {
    assert.equal(parse('a + b * c - d'), '((a + (b * c)) - d)');
    assert.equal(parse('a << 2 + 1'), '(a << (2 + 1))');
    assert.equal(parse('a & b == c'), '(a & (b == c))');
    assert.equal(parse('a || b && c | d ^ e & f'), '(a || (b && (c | (d ^ (e & f)))))');
    assert.equal(parse('a < b == c > d'), '((a < b) == (c > d))');
    assert.equal(parse('a ? b : c ? d : e'), '(a ? b : (c ? d : e))');
    assert.equal(parse('a = b = c'), '(a = (b = c))');
    assert.equal(parse('x += y << 1'), '(x += (y << 1))');
    assert.equal(parse('-*p++1'.replace('++', ' + ')), '((-(*p)) + 1)');
    assert.equal(parse('!~-x'), '(!(~(-x)))');
    assert.equal(parse('a, b'), '(a, b)');
  });

  it('parses postfix chains, registers and Xen paths', () => {
    assert.equal(parse('vcpu_info[1].evtchn_upcall_pending'), '((vcpu_info[1]).evtchn_upcall_pending)');
    assert.equal(parse('shared_info.evtchn_pending[0]'), '((shared_info.evtchn_pending)[0])');
    assert.equal(parse('d->vcpu[0]->arch.flags'), '((((d->vcpu)[0])->arch).flags)');
    assert.equal(parse('*&x.y'), '(*(&(x.y)))');
    assert.equal(parse('$rax + $cr3'), '($rax + $cr3)');
    assert.equal(parse('&a[2][3]'), '(&((a[2])[3]))');
  });

  it('parses casts with keywords, typedefs and abstract declarators', () => {
    assert.equal(parse('(struct vcpu_info *)0x1000'), '((struct vcpu_info *)4096)');
    assert.equal(parse('((struct vcpu_info *)0x1000)->time.version'), '((((struct vcpu_info *)4096)->time).version)');
    assert.equal(parse('(unsigned long long)x'), '((unsigned long long)x)');
    assert.equal(parse('(const char *)p'), '((char *)p)');
    assert.equal(parse('(u32)x'), '((u32)x)');
    assert.equal(parse('(node_t **)p'), '((node_t **)p)');
    assert.equal(parse('(enum e)1'), '((enum e)1)');
    assert.equal(parse('(union u *)p'), '((union u *)p)');
    assert.equal(parse('(char (*)[4])p'), '((char (*)[4])p)');
    assert.equal(parse('(void (*)(int, ...))p'), '((void (*)(int, ...))p)');
    assert.equal(parse('(x)'), 'x'); // not a typedef: a parenthesised expression
    assert.equal(parse('(x) - 1'), '(x - 1)');
    assert.equal(parse('(u32) - 1'), '((u32)(-1))');
  });

  it('tells a cast from a parenthesised name without an environment', () => {
    assert.equal(show(parseExpression('(foo *)p')), '((foo *)p)');
    assert.equal(show(parseExpression('(foo)p')), '((foo)p)');
    assert.equal(show(parseExpression('(foo) - p')), '(foo - p)');
  });

  it('parses sizeof of types and of expressions', () => {
    assert.equal(parse('sizeof(struct shared_info)'), 'sizeof(struct shared_info)');
    assert.equal(parse('sizeof x + 1'), '(sizeof x + 1)');
    assert.equal(parse('sizeof(x)'), 'sizeof x');
    assert.equal(parse('sizeof(int[8])'), 'sizeof(int [8])');
    assert.equal(parse('sizeof *p'), 'sizeof (*p)');
    assert.equal(parse('sizeof(u32)'), 'sizeof(u32)');
  });

  it('reads integer and character literals', () => {
    const lit = (s: string): Expr => parseExpression(s);
    const v = (s: string): bigint => { const e = lit(s); assert.ok(e.kind === 'int' || e.kind === 'char'); return e.value; };
    assert.equal(v('0x1F'), 31n);
    assert.equal(v('017'), 15n);
    assert.equal(v('0'), 0n);
    assert.equal(v('0b1011'), 11n);
    assert.equal(v('18446744073709551615'), 18446744073709551615n);
    assert.equal(v("'a'"), 97n);
    assert.equal(v("'\\n'"), 10n);
    assert.equal(v("'\\x41'"), 65n);
    assert.equal(v("'\\101'"), 65n);
    assert.equal(v("'\\''"), 39n);
    assert.equal(v("'\\xff'"), -1n);
    assert.equal(parse('10UL'), '10ul');
    assert.equal(parse('10ull'), '10ull');
    assert.equal(parse('10lu'), '10ul');
    assert.equal(parse('7L'), '7l');
  });

  it('reports syntax errors with 1-based columns', () => {
    const cases: [string, number, RegExp][] = [
      ['a +', 4, /unexpected end/],
      ['a + * ', 7, /unexpected end/],
      ['(a + b', 7, /expected '\)'/],
      ['a[1', 4, /expected '\]'/],
      ['p->', 4, /member name/],
      ['s. 3', 4, /member name/],
      ['a b', 3, /unexpected 'b'/],
      ['x @ y', 3, /unexpected character '@'/],
      ['0x', 1, /missing digits/],
      ['09', 1, /octal/],
      ['12abc', 3, /invalid suffix/],
      ['1uu', 2, /invalid suffix/],
      ["'ab'", 1, /unterminated/],
      ["''", 1, /empty character/],
      ['', 1, /empty expression/],
      ['f(1)', 2, /function calls/],
      ['x++', 2, /not supported/],
      ['(struct)p', 8, /struct tag/],
      ['a ? b', 6, /expected ':'/],
      ['int', 1, /type name/],
      ['$', 1, /register name/],
      ['"str"', 1, /string literals/],
      ['99999999999999999999999', 1, /too large/],
      ['a = ', 5, /unexpected end/],
    ];
    for (const [text, column, re] of cases) {
      const e = syntaxError(text);
      assert.equal(e.column, column, `column for ${JSON.stringify(text)}: ${e.message}`);
      assert.match(e.message, re, text);
      assert.match(e.message, new RegExp(`column ${column}`));
    }
  });
});
