/**
 * The `disassemble` request: guest code decoded with iced-x86 in the vCPU's current mode, formatted in Intel
 * or AT&T syntax, with the enclosing symbol (`func+0x12`), branch targets named (`call 0x… <bump_counter>`)
 * and source locations from the line table. Also answers "what is the instruction at X" for stepping.
 */
import type { DebugProtocol } from '@vscode/debugprotocol';
import { Decoder, DecoderOptions, FlowControl, Formatter, FormatterSyntax, Instruction, OpKind, Register } from 'iced-x86';

export type Flavor = 'intel' | 'att';

/** What disassembly needs to know about the guest (symbols are optional: stripped images still disassemble). */
export interface DisassemblyContext {
  bitness: 16 | 32 | 64;
  /** Reads up to `length` bytes (shorter at the first unmapped byte). */
  read(address: bigint, length: number): Uint8Array;
  symbolAt?(address: bigint): { name: string; offset: bigint } | undefined;
  sourceAt?(address: bigint): { file: string; line: number; column: number } | undefined;
  /** Where a function starts, to resynchronise backwards decoding. */
  functionStart?(address: bigint): bigint | undefined;
}

interface Decoded { address: bigint; length: number; bytes: Uint8Array; text: string; invalid: boolean; target?: bigint; flow: FlowControl; memory?: bigint }

const formatters = new Map<Flavor, Formatter>();
function formatter(flavor: Flavor): Formatter {
  let f = formatters.get(flavor);
  if (!f) {
    f = new Formatter(flavor === 'att' ? FormatterSyntax.Gas : FormatterSyntax.Intel);
    f.spaceAfterOperandSeparator = true;
    f.hexPrefix = '0x';
    f.hexSuffix = '';
    f.uppercaseHex = false;
    formatters.set(flavor, f);
  }
  return f;
}

/** Decodes consecutive instructions from `start` until `count` are decoded or `until` is reached. */
function decodeRun(ctx: DisassemblyContext, start: bigint, count: number, flavor: Flavor, until?: bigint): Decoded[] {
  const out: Decoded[] = [];
  const maxBytes = until !== undefined ? Number(until - start) + 15 : count * 15;
  const bytes = ctx.read(start, Math.max(0, Math.min(maxBytes, 1 << 20)));
  const dec = new Decoder(ctx.bitness, bytes, DecoderOptions.None);
  dec.ip = start;
  const fmt = formatter(flavor);
  let pos = 0;
  while (out.length < count && (until === undefined || start + BigInt(pos) < until)) {
    const address = start + BigInt(pos);
    if (!dec.canDecode) break;
    const insn: Instruction = dec.decode();
    const len = insn.length;
    const invalid = insn.isInvalid;
    // An instruction cut short by unreadable memory: leave the rest to the caller's placeholders.
    if (invalid && bytes.length - pos < 15) { insn.free(); break; }
    const flow = insn.flowControl;
    const target = !invalid && (flow === FlowControl.Call || flow === FlowControl.UnconditionalBranch || flow === FlowControl.ConditionalBranch) && insn.nearBranchTarget !== 0n
      ? insn.nearBranchTarget : undefined;
    // An absolute or RIP-relative memory operand: named like a branch target when it is a symbol.
    let memory: bigint | undefined;
    if (!invalid) {
      for (let k = 0; k < insn.opCount; k++) {
        if (insn.opKind(k) !== OpKind.Memory) continue;
        if (insn.memoryBase === Register.RIP || insn.memoryBase === Register.EIP) memory = insn.ipRelMemoryAddress;
        else if (insn.memoryBase === Register.None && insn.memoryIndex === Register.None) memory = insn.memoryDisplacement;
      }
    }
    out.push({ address, length: invalid ? 1 : len, bytes: bytes.subarray(pos, pos + (invalid ? 1 : len)), text: invalid ? '(bad)' : fmt.format(insn), invalid, target, flow, memory });
    insn.free();
    pos += invalid ? 1 : len;
    if (invalid) dec.position = pos;
  }
  dec.free();
  return out;
}

/** The instruction at `address` (for stepping decisions); undefined when unreadable. */
export function instructionAt(ctx: DisassemblyContext, address: bigint): { length: number; flow: FlowControl; text: string; target?: bigint } | undefined {
  const [d] = decodeRun(ctx, address, 1, 'intel');
  return d && !d.invalid ? d : undefined;
}

/** `count` instructions ending just before `address`, decoding forward from a point that lands on it. */
function decodeBackwards(ctx: DisassemblyContext, address: bigint, count: number, flavor: Flavor): Decoded[] {
  if (count <= 0) return [];
  const fn = ctx.functionStart?.(address);
  const starts: bigint[] = [];
  if (fn !== undefined && fn < address && address - fn < BigInt(count * 15 + 4096)) starts.push(fn);
  const span = BigInt(count * 8 + 16);
  for (let k = 0n; k < 16n; k++) if (address >= span + k) starts.push(address - span - k);
  for (const s of starts) {
    const run = decodeRun(ctx, s, 1 << 30, flavor, address);
    const last = run[run.length - 1];
    if (last && last.address + BigInt(last.length) === address && !run.some((d) => d.invalid)) return run.slice(-count);
  }
  return [];
}

/** Serves a DAP disassemble request: exactly `instructionCount` entries, unreadable ones marked invalid. */
export function disassemble(ctx: DisassemblyContext, base: bigint, args: { offset?: number; instructionOffset?: number; instructionCount: number; resolveSymbols?: boolean }, flavor: Flavor): DebugProtocol.DisassembledInstruction[] {
  const origin = BigInt.asUintN(64, base + BigInt(args.offset ?? 0));
  const want = Math.max(0, Math.min(args.instructionCount, 10_000));
  const instOff = args.instructionOffset ?? 0;
  let list: Decoded[] = [];
  if (instOff < 0) {
    const before = decodeBackwards(ctx, origin, -instOff, flavor);
    // Pad in front with placeholders when the start of memory or an unreadable page is reached.
    const missing = -instOff - before.length;
    const first = before[0]?.address ?? origin;
    const pad: Decoded[] = [];
    for (let k = missing; k > 0; k--) pad.push(placeholder(first - BigInt(k)));
    list = [...pad, ...before];
    if (list.length < want) list.push(...decodeRun(ctx, origin, want - list.length, flavor));
  } else {
    let start = origin;
    if (instOff > 0) {
      const skip = decodeRun(ctx, origin, instOff, flavor);
      const last = skip[skip.length - 1];
      start = last ? last.address + BigInt(last.length) : origin + BigInt(instOff);
    }
    list = decodeRun(ctx, start, want, flavor);
  }
  list = list.slice(0, want);
  while (list.length < want) {
    const last = list[list.length - 1];
    list.push(placeholder(last ? last.address + BigInt(last.length) : origin));
  }
  let lastFile: string | undefined;
  return list.map((d) => {
    const out: DebugProtocol.DisassembledInstruction = {
      address: `0x${d.address.toString(16)}`,
      instruction: d.invalid && d.bytes.length === 0 ? '??' : d.text,
    };
    if (d.bytes.length) out.instructionBytes = Array.from(d.bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
    if (d.invalid) { out.presentationHint = 'invalid'; return out; }
    if (args.resolveSymbols !== false && ctx.symbolAt) {
      const s = ctx.symbolAt(d.address);
      if (s) out.symbol = s.offset === 0n ? s.name : `${s.name}+0x${s.offset.toString(16)}`;
      if (d.target !== undefined) {
        const t = ctx.symbolAt(d.target);
        if (t) out.instruction += ` <${t.offset === 0n ? t.name : `${t.name}+0x${t.offset.toString(16)}`}>`;
      } else if (d.memory !== undefined) {
        // Only close to a symbol: a stack or heap address is not "symbol+huge offset".
        const t = ctx.symbolAt(d.memory);
        if (t && t.offset < 0x1000n) out.instruction += ` <${t.offset === 0n ? t.name : `${t.name}+0x${t.offset.toString(16)}`}>`;
      }
    }
    const src = ctx.sourceAt?.(d.address);
    if (src) {
      if (src.file !== lastFile) out.location = { path: src.file, name: src.file.split('/').pop() };
      lastFile = src.file;
      out.line = src.line;
      if (src.column > 0) out.column = src.column;
    }
    return out;
  });
}

function placeholder(address: bigint): Decoded {
  return { address: BigInt.asUintN(64, address), length: 1, bytes: new Uint8Array(0), text: '??', invalid: true, flow: FlowControl.Exception };
}

export { FlowControl };
