/**
 * Address and source-line lookups over all line programs of an image: sequences sorted by start address
 * (then a binary search of the sequence's row offsets) for pc → line, and per-file statement rows for
 * line → addresses.
 */
import { LineProgram, LineSequence } from './line';
import { SourceLocation } from './model';

export interface RowRef { seq: LineSequence; index: number }

export class LineIndex {
  readonly sequences: LineSequence[] = [];
  private readonly files = new Set<string>();
  private readonly stmtCache = new Map<string, Map<number, { address: bigint; column: number }[]>>();

  constructor(programs: LineProgram[]) {
    for (const p of programs) {
      // Pseudo files such as gcc's `<built-in>` are no sources.
      for (const f of p.files) if (f && !/(^|\/)<[^/]*>$/.test(f)) this.files.add(f);
      this.sequences.push(...p.sequences);
    }
    this.sequences.sort((x, y) => (x.start < y.start ? -1 : x.start > y.start ? 1 : 0));
  }

  sourceFiles(): string[] { return [...this.files].sort(); }

  /** The row in effect at `address`: the last row whose address is <= it, in a sequence covering it. */
  rowAt(address: bigint): RowRef | undefined {
    const s = this.sequences;
    let lo = 0, hi = s.length - 1, best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (s[mid].start <= address) { best = mid; lo = mid + 1; } else hi = mid - 1;
    }
    // Sequences may overlap (code discarded at link time keeps address 0): look back a little.
    for (let i = best; i >= 0 && i > best - 16; i--) {
      const seq = s[i];
      if (address >= seq.end) continue;
      const o = Number(address - seq.start);
      const off = seq.off;
      let a = 0, b = off.length - 1, r = -1;
      while (a <= b) {
        const m = (a + b) >> 1;
        if (off[m] <= o) { r = m; a = m + 1; } else b = m - 1;
      }
      if (r >= 0) return { seq, index: r };
    }
    return undefined;
  }

  locationOf(ref: RowRef): SourceLocation | undefined {
    const { seq, index } = ref;
    const file = seq.program.files[seq.file[index]];
    const line = seq.line[index];
    if (file === undefined || line === 0) return undefined;
    return { file, line, column: seq.column[index] };
  }

  sourceAt(address: bigint): SourceLocation | undefined {
    const r = this.rowAt(address);
    return r ? this.locationOf(r) : undefined;
  }

  lineRangeAt(address: bigint): { start: bigint; end: bigint; location: SourceLocation } | undefined {
    const r = this.rowAt(address);
    if (!r) return undefined;
    const loc = this.locationOf(r);
    if (!loc) return undefined;
    const { seq } = r;
    const same = (k: number) => seq.file[k] === seq.file[r.index] && seq.line[k] === seq.line[r.index];
    let i = r.index, j = r.index;
    while (i > 0 && same(i - 1)) i--;
    while (j + 1 < seq.off.length && same(j + 1)) j++;
    const end = j + 1 < seq.off.length ? seq.start + BigInt(seq.off[j + 1]) : seq.end;
    return { start: seq.start + BigInt(seq.off[i]), end, location: loc };
  }

  /** Full paths of the files `file` names: equal, else a path-suffix match on a component boundary. */
  matchFiles(file: string): Set<string> {
    const norm = file.replace(/\\/g, '/');
    if (this.files.has(norm)) return new Set([norm]);
    const out = new Set<string>();
    const tail = norm.replace(/^(\.\/)+/, '');
    for (const f of this.files) if (f === tail || f.endsWith(`/${tail}`)) out.add(f);
    if (out.size === 0) {
      const base = tail.split('/').pop()!;
      for (const f of this.files) if (f.endsWith(`/${base}`) || f === base) out.add(f);
    }
    return out;
  }

  /** Statement rows of `files` (the first row of each run of rows on one line), by line; cached per file set. */
  stmtRows(files: Set<string>): Map<number, { address: bigint; column: number }[]> {
    const key = [...files].sort().join('\0');
    const hit = this.stmtCache.get(key);
    if (hit) return hit;
    const out = new Map<number, { address: bigint; column: number }[]>();
    for (const seq of this.sequences) {
      const fs = seq.program.files;
      let prevFile = -1, prevLine = -1;
      for (let i = 0; i < seq.off.length; i++) {
        const fi = seq.file[i], line = seq.line[i];
        const f = fs[fi];
        if (f !== undefined && files.has(f) && seq.isStmt[i] && line > 0 && (fi !== prevFile || line !== prevLine)) {
          let l = out.get(line);
          if (!l) out.set(line, (l = []));
          l.push({ address: seq.start + BigInt(seq.off[i]), column: seq.column[i] });
        }
        prevFile = fi; prevLine = line;
      }
    }
    if (this.stmtCache.size > 256) this.stmtCache.clear();
    this.stmtCache.set(key, out);
    return out;
  }
}
