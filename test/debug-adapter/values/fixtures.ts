/**
 * A small C world for the values tests: the C source, the same types built by hand as TypeInfo (x86_64), and
 * a fake EvalEnv over byte regions of guest memory. c-layout.test.ts checks the hand-made layouts against gcc.
 */
import { Arch, MemberInfo, TypeInfo } from '../../../debug-adapter/symbols/model';
import { EvalEnv, RegisterValue, Value, builtinType, collectEnumerators } from '../../../debug-adapter/values';

// ------------------------------------------------------------------ the C side

export const C_TYPES = `
#include <stdint.h>
enum color { RED, GREEN = 5, BLUE };
enum flags { F_A = 1, F_B = 2, F_C = 4, F_HI = 0x100 };
enum sign { NEG = -1, ZERO, POS };
struct node { int val; struct node *next; };
typedef struct node node_t;
struct bits { unsigned a : 3; signed b : 5; unsigned c : 12; unsigned long long d : 40; _Bool e : 1; int f; };
union word { uint32_t w; uint8_t b[4]; struct { uint16_t lo, hi; }; };
struct rec {
  char c; signed char sc; unsigned char uc; short s; unsigned short us; int i; unsigned int u; long l;
  unsigned long ul; long long ll; unsigned long long ull; _Bool flag; enum color color; enum flags fl;
  int arr[8]; char name[16]; struct node *head; const char *str; void *vp; union word w; struct bits bf;
  int matrix[2][3];
  union { int anon_i; float anon_f; };
  double d;
  enum sign sg;
};
`;

// ------------------------------------------------------------------ the same types by hand (x86_64)

const A: Arch = 'x86_64';
const b = (n: string): TypeInfo => builtinType(A, n);
const ptr = (target: TypeInfo): TypeInfo => ({ kind: 'pointer', size: 8, target });
const arr = (element: TypeInfo, count: number | undefined): TypeInfo => ({ kind: 'array', element, count });
const m = (name: string | undefined, offset: number, type: TypeInfo, bits?: [number, number]): MemberInfo =>
  bits ? { name, offset, type, bitOffset: bits[0], bitSize: bits[1] } : { name, offset, type };

export const enumColor: TypeInfo = { kind: 'enum', name: 'color', size: 4, signed: false,
  enumerators: [{ name: 'RED', value: 0n }, { name: 'GREEN', value: 5n }, { name: 'BLUE', value: 6n }] };
export const enumFlags: TypeInfo = { kind: 'enum', name: 'flags', size: 4, signed: false,
  enumerators: [{ name: 'F_A', value: 1n }, { name: 'F_B', value: 2n }, { name: 'F_C', value: 4n }, { name: 'F_HI', value: 0x100n }] };
export const enumSign: TypeInfo = { kind: 'enum', name: 'sign', size: 4, signed: true,
  enumerators: [{ name: 'NEG', value: -1n }, { name: 'ZERO', value: 0n }, { name: 'POS', value: 1n }] };

const nodeMembers: MemberInfo[] = [];
export const structNode: TypeInfo = { kind: 'struct', name: 'node', size: 16, members: nodeMembers };
nodeMembers.push(m('val', 0, b('int')), m('next', 8, ptr(structNode)));
export const nodeT: TypeInfo = { kind: 'typedef', name: 'node_t', target: structNode };

export const structBits: TypeInfo = { kind: 'struct', name: 'bits', size: 16, members: [
  m('a', 0, b('unsigned int'), [0, 3]),
  m('b', 0, b('int'), [3, 5]),
  m('c', 0, b('unsigned int'), [8, 12]),
  m('d', 0, b('unsigned long long'), [20, 40]),
  m('e', 0, b('_Bool'), [60, 1]),
  m('f', 8, b('int')),
] };

const anonLoHi: TypeInfo = { kind: 'struct', size: 4, members: [m('lo', 0, b('uint16_t')), m('hi', 2, b('uint16_t'))] };
export const unionWord: TypeInfo = { kind: 'union', name: 'word', size: 4, members: [
  m('w', 0, b('uint32_t')), m('b', 0, arr(b('uint8_t'), 4)), m(undefined, 0, anonLoHi),
] };
const anonIF: TypeInfo = { kind: 'union', size: 4, members: [m('anon_i', 0, b('int')), m('anon_f', 0, b('float'))] };

export const structRec: TypeInfo = { kind: 'struct', name: 'rec', size: 208, members: [
  m('c', 0, b('char')), m('sc', 1, b('signed char')), m('uc', 2, b('unsigned char')), m('s', 4, b('short')),
  m('us', 6, b('unsigned short')), m('i', 8, b('int')), m('u', 12, b('unsigned int')), m('l', 16, b('long')),
  m('ul', 24, b('unsigned long')), m('ll', 32, b('long long')), m('ull', 40, b('unsigned long long')),
  m('flag', 48, b('_Bool')), m('color', 52, enumColor), m('fl', 56, enumFlags), m('arr', 60, arr(b('int'), 8)),
  m('name', 92, arr(b('char'), 16)), m('head', 112, ptr(structNode)),
  m('str', 120, ptr({ kind: 'qualified', qualifier: 'const', target: b('char') })), m('vp', 128, ptr({ kind: 'void' })),
  m('w', 136, unionWord), m('bf', 144, structBits), m('matrix', 160, arr(arr(b('int'), 3), 2)),
  m(undefined, 184, anonIF), m('d', 192, b('double')), m('sg', 200, enumSign),
] };

/** Named types the fake env knows (as DWARF would give them). */
export const TYPES = new Map<string, TypeInfo>([
  ['struct node', structNode], ['node_t', nodeT], ['struct bits', structBits], ['union word', unionWord],
  ['struct rec', structRec], ['enum color', enumColor], ['enum flags', enumFlags], ['enum sign', enumSign],
]);

/** Structs whose member offsets and sizes the layout test measures (bit fields excepted: no offsetof). */
export const MEASURED: [string, TypeInfo][] = [
  ['struct node', structNode], ['struct bits', structBits], ['union word', unionWord], ['struct rec', structRec],
];

// ------------------------------------------------------------------ a fake environment

export interface Region { base: bigint; bytes: Uint8Array; space: 'virtual' | 'physical' | 'machine'; readOnly?: boolean }

export class FakeMemory {
  readonly regions: Region[] = [];
  map(base: bigint, bytes: Uint8Array, space: 'virtual' | 'physical' | 'machine' = 'virtual', readOnly = false): Region {
    const r = { base, bytes, space, readOnly };
    this.regions.push(r);
    return r;
  }
  private find(address: bigint, length: number, space: string): { r: Region; off: number } | undefined {
    for (const r of this.regions) {
      if (r.space !== space) continue;
      const off = address - r.base;
      if (off >= 0n && off + BigInt(length) <= BigInt(r.bytes.length)) return { r, off: Number(off) };
    }
    return undefined;
  }
  read(address: bigint, length: number, space: 'virtual' | 'physical' | 'machine'): Uint8Array | undefined {
    const f = this.find(address, length, space);
    return f ? f.r.bytes.slice(f.off, f.off + length) : undefined;
  }
  write(address: bigint, bytes: Uint8Array, space: 'virtual' | 'physical' | 'machine'): boolean {
    const f = this.find(address, bytes.length, space);
    if (!f || f.r.readOnly) return false;
    f.r.bytes.set(bytes, f.off);
    return true;
  }
}

export class FakeEnv implements EvalEnv {
  readonly vars = new Map<string, Value>();
  readonly types = new Map<string, TypeInfo>(TYPES);
  readonly regs = new Map<string, RegisterValue>();
  readonly dwarf = new Map<number, bigint>();
  roots?: (name: string) => Value | undefined;
  constructor(readonly memory = new FakeMemory(), readonly arch: Arch = 'x86_64') {}
  lookupVariable(name: string): Value | undefined { return this.vars.get(name); }
  lookupConstant(name: string): Value | undefined { return collectEnumerators(this.arch, this.types.values()).get(name); }
  lookupRoot(name: string): Value | undefined { return this.roots?.(name); }
  lookupType(name: string): TypeInfo | undefined { return this.types.get(name); }
  readRegister(name: string): RegisterValue | undefined { return this.regs.get(name); }
  writeRegister(name: string, value: bigint): void {
    const r = this.regs.get(name);
    if (!r) throw new Error(`no register ${name}`);
    this.regs.set(name, { ...r, value });
  }
  readDwarfRegister(reg: number): bigint | undefined { return this.dwarf.get(reg); }
  writeDwarfRegister(reg: number, value: bigint): void { this.dwarf.set(reg, value); }
  readMemory(address: bigint, length: number, space: 'virtual' | 'physical' | 'machine'): Uint8Array | undefined {
    return this.memory.read(address, length, space);
  }
  writeMemory(address: bigint, bytes: Uint8Array, space: 'virtual' | 'physical' | 'machine'): boolean {
    return this.memory.write(address, bytes, space);
  }
  describeAddress(address: bigint): string | undefined {
    for (const [name, v] of this.vars) {
      if (v.location.kind === 'memory' && v.location.address === address) return name;
    }
    return undefined;
  }
  /** Declares a variable of `type` in memory at `address`. */
  at(name: string, type: TypeInfo, address: bigint): void {
    this.vars.set(name, { type, location: { kind: 'memory', address } });
  }
}

export const hexBytes = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
