/**
 * The native oracle of c-semantics.test.ts: one 64-bit C program that initialises the fixture structs,
 * dumps the bytes and addresses of every global, prints C's value and type for each test expression, runs
 * the test assignments and dumps the globals again.
 */
import { TypeInfo } from '../../../debug-adapter/symbols/model';
import { builtinType } from '../../../debug-adapter/values';
import { C_TYPES, nodeT, structRec } from './fixtures';
import { runNative } from './gcc';

const int = builtinType('x86_64', 'int');

export const GLOBALS: [name: string, type: TypeInfo][] = [
  ['r', structRec],
  ['nodes', { kind: 'array', element: nodeT, count: 3 }],
  ['big', { kind: 'array', element: int, count: 300 }],
  ['text', { kind: 'array', element: builtinType('x86_64', 'char'), count: 11 }],
  ['rp', { kind: 'pointer', size: 8, target: structRec }],
  ['neg', int],
  ['uzero', builtinType('x86_64', 'unsigned int')],
];

const DEFINITIONS = `
node_t nodes[3] = { {1, &nodes[1]}, {2, &nodes[2]}, {3, 0} };
int big[300];
char text[] = "hello, xen";
struct rec r = { .c = 'x', .sc = -5, .uc = 200, .s = -1234, .us = 65000, .i = 42, .u = 3000000000u,
  .l = -9000000000L, .ul = 18000000000000000000UL, .ll = -3, .ull = 0xfedcba9876543210ULL, .flag = 1,
  .color = GREEN, .fl = F_A | F_C, .arr = {10, 20, 30, 40, 50, 60, 70, 80}, .name = "xen-guest",
  .head = &nodes[0], .str = text, .vp = &r, .w = { .w = 0x11223344 },
  .bf = { .a = 5, .b = -9, .c = 4000, .d = 0xabcdef1234ULL, .e = 1, .f = -77 },
  .matrix = {{1, 2, 3}, {4, 5, 6}}, .anon_i = 0x7f, .d = 2.5, .sg = NEG };
struct rec *rp = &r;
int neg = -7;
unsigned int uzero = 0;
`;

const TNAME = `#define TNAME(x) _Generic((x), _Bool: "_Bool", char: "char", signed char: "signed char", \\
  unsigned char: "unsigned char", short: "short", unsigned short: "unsigned short", int: "int", \\
  unsigned int: "unsigned int", long: "long", unsigned long: "unsigned long", long long: "long long", \\
  unsigned long long: "unsigned long long", float: "float", double: "double", void *: "void *", \\
  char *: "char *", const char *: "const char *", int *: "int *", struct node *: "struct node *", \\
  struct rec *: "struct rec *", unsigned char *: "unsigned char *", int (*)[3]: "int (*)[3]", default: "other")
#define IVAL(x) _Generic((x), float: 0ULL, double: 0ULL, default: (unsigned long long)(x))
#define FVAL(x) _Generic((x), float: (x), double: (x), default: 0.0)
#define P(i, x) printf("E %d %s %llu %.17g\\n", i, TNAME(x), IVAL(x), FVAL(x))
static void dump(const char *name, const void *p, size_t n) {
  printf("V %s %llu ", name, (unsigned long long)(uintptr_t)p);
  for (size_t i = 0; i < n; i++) printf("%02x", ((const unsigned char *)p)[i]);
  printf("\\n");
}
`;

export interface NativeResult {
  /** Global name -> [address, bytes] before and after the assignments. */
  before: Map<string, [bigint, Uint8Array]>;
  after: Map<string, [bigint, Uint8Array]>;
  /** Per expression: C's type name (via _Generic) and value (integer as uint64 bits, or a double). */
  exprs: { type: string; int: bigint; float: number }[];
  /** The executable (for the DWARF test: built -g -no-pie, so its link addresses are the run addresses). */
  exe: Uint8Array;
}

export function runProgram(exprs: string[], assignments: string[], flags: string[] = []): NativeResult {
  const dumps = GLOBALS.map(([n]) => `  dump("${n}", &${n}, sizeof ${n});`).join('\n');
  const src = `#include <stdio.h>\n#include <stdint.h>\n${C_TYPES}\n${DEFINITIONS}\n${TNAME}
int main(void) {
  for (int i = 0; i < 300; i++) big[i] = i * i;
${dumps}
${exprs.map((e, i) => `  P(${i}, (${e}));`).join('\n')}
${assignments.map((a) => `  ${a};`).join('\n')}
  printf("AFTER\\n");
${dumps}
  return 0;
}
`;
  const { stdout: out, exe } = runNative(src, flags);
  const res: NativeResult = { before: new Map(), after: new Map(), exprs: [], exe };
  let target = res.before;
  for (const line of out.split('\n')) {
    if (line === 'AFTER') target = res.after;
    const v = /^V (\S+) (\d+) ([0-9a-f]*)$/.exec(line);
    if (v) target.set(v[1], [BigInt(v[2]), Uint8Array.from(Buffer.from(v[3], 'hex'))]);
    const e = /^E (\d+) (.+) (\d+) (\S+)$/.exec(line);
    if (e) res.exprs[Number(e[1])] = { type: e[2], int: BigInt(e[3]), float: Number(e[4]) };
  }
  return res;
}
