/**
 * A reader for xl.cfg files (xl.cfg(5) syntax: `key = value` lines, strings in single or double quotes,
 * numbers, `[ … ]` lists, `#` comments; statements may also end with `;`). Only the keys this emulator
 * shares with xl are interpreted (see toLaunchOptions); the rest are reported as ignored.
 */
export type XlValue = string | number | XlValue[];

export class XlConfigError extends Error {
  constructor(message: string) { super(message); this.name = 'XlConfigError'; }
}

export function parseXlConfig(text: string, file = 'xl.cfg'): Map<string, XlValue> {
  const out = new Map<string, XlValue>();
  let i = 0;
  let line = 1;
  const err = (msg: string): never => { throw new XlConfigError(`${file}:${line}: ${msg}`); };
  const skipSpace = (newlines: boolean): void => {
    while (i < text.length) {
      const c = text[i];
      if (c === '#') { while (i < text.length && text[i] !== '\n') i++; continue; }
      if (c === '\n') { if (!newlines) return; line++; i++; continue; }
      if (c === ' ' || c === '\t' || c === '\r') { i++; continue; }
      return;
    }
  };
  const value = (): XlValue => {
    skipSpace(true);
    const c = text[i];
    if (c === '"' || c === "'") {
      const end = text.indexOf(c, i + 1);
      if (end < 0) err('unterminated string');
      const s = text.slice(i + 1, end);
      if (s.includes('\n')) err('newline inside a string');
      i = end + 1;
      return s;
    }
    if (c === '[') {
      i++;
      const list: XlValue[] = [];
      for (;;) {
        skipSpace(true);
        if (text[i] === ']') { i++; return list; }
        list.push(value());
        skipSpace(true);
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') { i++; return list; }
        err('expected "," or "]" in a list');
      }
    }
    const m = /^(0x[0-9a-fA-F]+|\d+)/.exec(text.slice(i));
    if (!m) err(`expected a string, a number or a list, found ${JSON.stringify(text.slice(i, i + 10))}`);
    i += m![0].length;
    return Number(m![0]);
  };
  for (;;) {
    skipSpace(true);
    if (i >= text.length) break;
    if (text[i] === ';') { i++; continue; }
    const m = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(text.slice(i));
    if (!m) err(`expected a setting name, found ${JSON.stringify(text.slice(i, i + 10))}`);
    const key = m![0];
    i += key.length;
    skipSpace(false);
    if (text[i] !== '=') err(`expected "=" after ${key}`);
    i++;
    out.set(key, value());
    skipSpace(false);
    if (i < text.length && text[i] !== '\n' && text[i] !== ';' && text[i] !== '#') err(`unexpected text after ${key}'s value`);
  }
  return out;
}
