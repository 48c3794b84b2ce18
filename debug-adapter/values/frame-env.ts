/**
 * An EvalEnv for one stack frame, built from the symbols model (GuestSymbols, FrameContext) and the
 * session's access to the vCPU's registers and the guest's memory.
 */
import { FrameContext, GuestSymbols, VariableInfo } from '../symbols/model';
import { collectEnumerators } from './enumerators';
import { EvalEnv, RegisterValue } from './env';
import { lookupBuiltinType, unsignedOfSize } from './types';
import { AddressSpace, EvalError, Value } from './value';
import { NamedValue } from './variables';

export interface MemoryAccess {
  /** Guest memory; undefined when any byte is unmapped. */
  read(address: bigint, length: number, space: AddressSpace): Uint8Array | undefined;
  /** False when unmapped or read-only. Omit for a read-only view (e.g. a core file). */
  write?(address: bigint, bytes: Uint8Array, space: AddressSpace): boolean;
}

export interface RegisterAccess {
  /** By name without `$`: `rax`, `eax`, `ax`, `rip`, `rflags`, `cs`, `cr3`, `efer`, ... */
  read(name: string): RegisterValue | undefined;
  write?(name: string, value: bigint): void;
  /** Writes a DWARF-numbered register of this frame (give only for the innermost frame). */
  writeDwarf?(reg: number, value: bigint): void;
}

export interface FrameEnvOptions {
  /** The frame: arch, pc and its DWARF registers (unwound ones for caller frames). */
  frame: FrameContext;
  /** The image's symbols (omit when there are none: only registers, roots and casts of addresses work). */
  symbols?: GuestSymbols;
  memory: MemoryAccess;
  /** The vCPU's registers by name; for caller frames pass the unwound values where known. */
  registers?: RegisterAccess;
  /** Special roots after locals and globals: `xenRoots({...})`. */
  roots?: (name: string) => Value | undefined;
}

/** Globals by name per symbol table (first definition wins, like a C linker's strong symbol). */
const globalsCache = new WeakMap<GuestSymbols, Map<string, VariableInfo>>();

function globalsOf(symbols: GuestSymbols): Map<string, VariableInfo> {
  let m = globalsCache.get(symbols);
  if (!m) {
    m = new Map();
    for (const g of symbols.globals()) if (!m.has(g.name)) m.set(g.name, g);
    globalsCache.set(symbols, m);
  }
  return m;
}

/** Enumerators reachable from the globals' types, per symbol table. */
const enumCache = new WeakMap<GuestSymbols, Map<string, Value>>();

function globalEnumerators(symbols: GuestSymbols): Map<string, Value> {
  let m = enumCache.get(symbols);
  if (!m) {
    m = collectEnumerators(symbols.arch, [...globalsOf(symbols).values()].map((g) => g.type));
    enumCache.set(symbols, m);
  }
  return m;
}

/** The pc used for scope lookups: a caller frame's return address minus one (inside the call). */
const lookupPc = (frame: FrameContext): bigint => (frame.isReturnAddress ? frame.pc - 1n : frame.pc);

/** A variable's value in `frame` (its DWARF location evaluated; a failure is reported as unavailable). */
export function variableValue(info: VariableInfo, frame: FrameContext): Value {
  try {
    return { type: info.type, location: info.locate(frame) };
  } catch (e) {
    return { type: info.type, location: { kind: 'unavailable', why: e instanceof Error ? e.message : String(e) } };
  }
}

export function createFrameEnv(opts: FrameEnvOptions): EvalEnv {
  const { frame, symbols, memory, registers } = opts;
  let locals: VariableInfo[] | undefined;
  let localEnums: Map<string, Value> | undefined;
  const env: EvalEnv = {
    arch: frame.arch,
    lookupVariable(name) {
      if (symbols) {
        locals ??= symbols.variablesAt(lookupPc(frame));
        const local = locals.find((v) => v.name === name);
        if (local) return variableValue(local, frame);
        const g = globalsOf(symbols).get(name);
        if (g) return variableValue(g, frame);
        const fn = symbols.functionByName(name);
        if (fn) return { type: { kind: 'function', returnType: { kind: 'void' }, params: [], variadic: false }, location: { kind: 'memory', address: fn.low } };
        const sym = symbols.symbolByName(name);
        // An ELF symbol without debug info: `&sym` works (void *), its contents need a cast.
        if (sym !== undefined) return { type: { kind: 'void' }, location: { kind: 'memory', address: sym } };
      }
      return undefined;
    },
    lookupConstant(name) {
      if (!symbols) return undefined;
      locals ??= symbols.variablesAt(lookupPc(frame));
      localEnums ??= collectEnumerators(frame.arch, locals.map((l) => l.type));
      return localEnums.get(name) ?? globalEnumerators(symbols).get(name);
    },
    lookupRoot: opts.roots,
    lookupType(name) {
      return symbols?.typeByName(name) ?? lookupBuiltinType(frame.arch, name);
    },
    readRegister(name) {
      return registers?.read(name.toLowerCase());
    },
    readDwarfRegister: (reg) => frame.readRegister(reg),
    readMemory(address, length, space) {
      return memory.read(address, length, space);
    },
    describeAddress(address) {
      const s = symbols?.symbolAt(address);
      if (!s) return undefined;
      return s.offset === 0n ? s.name : `${s.name}+${s.offset}`;
    },
  };
  if (registers?.write) env.writeRegister = (name, v) => registers.write!(name.toLowerCase(), v);
  if (registers?.writeDwarf) env.writeDwarfRegister = (reg, v) => registers.writeDwarf!(reg, v);
  if (memory.write) env.writeMemory = (a, b, s) => memory.write!(a, b, s);
  return env;
}

/**
 * The Locals scope of a frame: parameters and locals visible at its pc, innermost first. A shadowed outer
 * variable keeps its place but has no evaluateName (its name now means the inner one).
 */
export function frameLocals(symbols: GuestSymbols, frame: FrameContext): NamedValue[] {
  const seen = new Set<string>();
  return symbols.variablesAt(lookupPc(frame)).map((v) => {
    const shadowed = seen.has(v.name);
    seen.add(v.name);
    const nv: NamedValue = { name: v.name, value: () => variableValue(v, frame) };
    if (!shadowed) nv.evaluateName = v.name;
    return nv;
  });
}

/** The image's globals as a scope (sorted by name). */
export function frameGlobals(symbols: GuestSymbols, frame: FrameContext): NamedValue[] {
  return [...globalsOf(symbols).values()].sort((a, b) => a.name.localeCompare(b.name))
    .map((v) => ({ name: v.name, value: () => variableValue(v, frame), evaluateName: v.name }));
}

/** A register as a value (`$name`), for a Registers scope; throws EvalError when the env does not know it. */
export function registerValue(env: EvalEnv, name: string): Value {
  const r = env.readRegister(name);
  if (!r) throw new EvalError(`unknown register $${name}`);
  return { type: r.type ?? unsignedOfSize(env.arch, r.size), location: { kind: 'named-register', name } };
}
