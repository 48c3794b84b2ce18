/** Tokens of C expressions (C11 6.4), plus `$name` registers and GNU binary literals `0b101`. */
import { ExprSyntaxError } from './syntax-error';

export type Token =
  | { kind: 'ident'; text: string; pos: number }
  | { kind: 'register'; text: string; pos: number }
  | { kind: 'int'; value: bigint; unsigned: boolean; longs: number; decimal: boolean; text: string; pos: number }
  | { kind: 'float'; value: number; text: string; pos: number }
  | { kind: 'char'; value: bigint; text: string; pos: number }
  | { kind: 'punct'; text: string; pos: number }
  | { kind: 'eof'; text: ''; pos: number };

// Longest first, so `<<=` wins over `<<` and `<`.
const PUNCT = ['<<=', '>>=', '...', '->', '<<', '>>', '<=', '>=', '==', '!=', '&&', '||', '*=', '/=', '%=', '+=', '-=',
  '&=', '^=', '|=', '++', '--', '(', ')', '[', ']', '.', '*', '&', '+', '-', '~', '!', '/', '%', '<', '>', '^', '|', '?',
  ':', '=', ','];

const SIMPLE_ESCAPES: Record<string, number> = { n: 10, t: 9, r: 13, '0': 0, a: 7, b: 8, f: 12, v: 11, '\\': 92, "'": 39, '"': 34, '?': 63, e: 27 };

export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) { i++; continue; }
    const pos = i + 1;
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_]\w*/.exec(src.slice(i))!;
      out.push({ kind: 'ident', text: m[0], pos });
      i += m[0].length;
      continue;
    }
    if (c === '$') {
      const m = /^\$\w+/.exec(src.slice(i));
      if (!m) throw new ExprSyntaxError('expected a register name after $', pos);
      out.push({ kind: 'register', text: m[0].slice(1), pos });
      i += m[0].length;
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const tok = number(src, i);
      out.push(tok);
      i += tok.text.length;
      continue;
    }
    if (c === "'") {
      const tok = charLiteral(src, i);
      out.push(tok);
      i += tok.text.length;
      continue;
    }
    if (c === '"') throw new ExprSyntaxError('string literals are not supported', pos);
    const p = PUNCT.find((q) => src.startsWith(q, i));
    if (!p) throw new ExprSyntaxError(`unexpected character '${c}'`, pos);
    out.push({ kind: 'punct', text: p, pos });
    i += p.length;
  }
  out.push({ kind: 'eof', text: '', pos: src.length + 1 });
  return out;
}

function number(src: string, i: number): Token {
  const pos = i + 1;
  const rest = src.slice(i);
  const fl = /^(?:\d+\.\d*|\.\d+|\d+(?=[eE]))(?:[eE][+-]?\d+)?[fFlL]?/.exec(rest);
  if (fl && !/^0[xXbB]/.test(rest)) {
    const body = fl[0].replace(/[fFlL]$/, '');
    return { kind: 'float', value: Number(body), text: fl[0], pos };
  }
  if (/^0[xXbB](?![0-9a-fA-F])/.test(rest)) throw new ExprSyntaxError('missing digits in integer constant', pos);
  const m = /^(0[xX][0-9a-fA-F]+|0[bB][01]+|\d+)([uUlL]*)(\w*)/.exec(rest)!;
  const [text, digits, suffix, junk] = m;
  if (junk) throw new ExprSyntaxError(`invalid suffix '${suffix}${junk}' on integer constant`, pos + digits.length + suffix.length);
  const s = suffix.toLowerCase();
  const longs = (s.match(/l/g) ?? []).length;
  const us = (s.match(/u/g) ?? []).length;
  if (us > 1 || longs > 2 || (longs === 2 && !/ll/.test(s))) throw new ExprSyntaxError(`invalid suffix '${suffix}' on integer constant`, pos + digits.length);
  let value: bigint;
  const decimal = /^[1-9]/.test(digits) || digits === '0';
  if (/^0[bB]/.test(digits)) value = BigInt(digits);
  else if (/^0[xX]/.test(digits)) value = BigInt(digits);
  else if (digits.length > 1 && digits[0] === '0') {
    if (/[89]/.test(digits)) throw new ExprSyntaxError(`invalid digit in octal constant '${digits}'`, pos);
    value = BigInt('0o' + digits.slice(1));
  } else value = BigInt(digits);
  if (value >= 1n << 64n) throw new ExprSyntaxError(`integer constant '${digits}' is too large`, pos);
  return { kind: 'int', value, unsigned: us === 1, longs, decimal: decimal && !/^0[xXbB]/.test(digits), text, pos };
}

function charLiteral(src: string, i: number): Token {
  const pos = i + 1;
  let j = i + 1;
  let value: number;
  if (src[j] === '\\') {
    const e = src[j + 1];
    if (e === undefined) throw new ExprSyntaxError('unterminated character constant', pos);
    if (e === 'x') {
      const m = /^[0-9a-fA-F]+/.exec(src.slice(j + 2));
      if (!m) throw new ExprSyntaxError('\\x used with no following hex digits', pos);
      value = parseInt(m[0], 16) & 0xff;
      j += 2 + m[0].length;
    } else if (/[0-7]/.test(e)) {
      const m = /^[0-7]{1,3}/.exec(src.slice(j + 1))!;
      value = parseInt(m[0], 8) & 0xff;
      j += 1 + m[0].length;
    } else if (e in SIMPLE_ESCAPES) {
      value = SIMPLE_ESCAPES[e];
      j += 2;
    } else throw new ExprSyntaxError(`unknown escape sequence '\\${e}'`, j + 1);
  } else {
    if (src[j] === undefined || src[j] === "'") throw new ExprSyntaxError('empty character constant', pos);
    value = src.charCodeAt(j) & 0xff;
    j += 1;
  }
  if (src[j] !== "'") throw new ExprSyntaxError('unterminated character constant', pos);
  // Type int; a plain char is signed on x86, so '\xff' is -1 (C11 6.4.4.4p10).
  const v = value >= 0x80 ? value - 0x100 : value;
  return { kind: 'char', value: BigInt(v), text: src.slice(i, j + 1), pos };
}
