/**
 * The live-guest check shared by the DWARF 5 and DWARF 4 tests: unwinding and variable locations: the debuggee runs in the emulator to the bottom of
 * recurse(4, 1); from there the reader must unwind through the five recurse frames into kernel_main (CFI:
 * .eh_frame for 64-bit, .debug_frame for the hvm32 debuggee.c), each frame's line must match addr2line of
 * its return address - 1, and parameters and locals must read the values the program put there.
 */
import * as assert from 'assert';
import { resolveMachineOptions } from '../../../emulator/config/launch-options';
import { createMachine } from '../../../emulator/machine';
import { FrameContext } from '../../../debug-adapter/symbols/model';
import {
  addr2line, callerFrame, cpuFrame, DEBUGGEE_SRC, hasTool, load, markerLine, readInt,
} from './helpers';

// depth, acc, local of recurse(depth, acc) at each level, innermost (depth 0) first.
const LEVELS = [[0, 101, 101], [1, 91, 101], [2, 71, 91], [3, 41, 71], [4, 1, 41]];

export function checkRecursion(image: string, variant: string): void {
  const sym = load(image);
  const bottom = markerLine('recurse-bottom');
  const bp = sym.resolveLine(DEBUGGEE_SRC, bottom);
  assert.ok(bp && bp.addresses.length > 0, 'recurse-bottom resolves');
  assert.strictEqual(bp.line, bottom);

  const m = createMachine(resolveMachineOptions({
    kernel: image, memoryMiB: 64, ...(variant.startsWith('hvm') ? { guestType: 'hvm' } : {}),
  }));
  const cpu = m.domain.vcpus[0].cpu;
  for (const a of bp.addresses) cpu.addBreakpoint(a);
  const stop = m.hv.run(50_000_000);
  assert.strictEqual(stop.kind, 'vcpu');
  assert.ok(stop.kind === 'vcpu' && stop.reason.kind === 'breakpoint', `stopped by a breakpoint (${JSON.stringify(stop.kind)})`);

  let frame: FrameContext = cpuFrame(sym.arch, cpu);
  assert.strictEqual(sym.functionAt(frame.pc)?.name, 'recurse');
  assert.strictEqual(sym.sourceAt(frame.pc)?.line, bottom);

  const pcs: bigint[] = [];
  const frames: FrameContext[] = [frame];
  for (let i = 0; i < 5; i++) {
    const up = sym.unwind(frame);
    assert.ok(up, `frame ${i} unwinds`);
    assert.strictEqual(up.method, 'cfi', `frame ${i} unwound with CFI`);
    frame = callerFrame(up, frame);
    frames.push(frame);
    pcs.push(up.pc - 1n);
  }
  const names = pcs.map((pc) => sym.functionAt(pc)?.name);
  assert.deepStrictEqual(names, ['recurse', 'recurse', 'recurse', 'recurse', 'kernel_main']);
  // Each caller's line equals what addr2line says for the call instruction (return address - 1).
  if (hasTool('addr2line')) {
    const a2l = addr2line(image, pcs);
    pcs.forEach((pc, i) => {
      const mine = sym.sourceAt(pc);
      const theirs = a2l[i].frames[0];
      assert.strictEqual(mine?.line, theirs.line, `frame ${i + 1} line`);
      assert.ok(mine?.file.endsWith(theirs.file.split('/').pop()!), `frame ${i + 1} file`);
    });
  }
  const callLine = markerLine('recurse-call');
  for (let i = 0; i < 4; i++) assert.strictEqual(sym.sourceAt(pcs[i])?.line, callLine, `frame ${i + 1} is at the recursive call`);
  assert.strictEqual(sym.sourceAt(pcs[4])?.line, markerLine('call-recurse'));

  // Values. -O0: everything lives in the frame. -Og: what gcc kept must read right; at least `local`
  // (live across the call, so in a callee-saved register the CFI restores or on the stack).
  const optimized = variant.endsWith('Og');
  const report: string[] = [];
  let checked = 0;
  for (let lvl = 0; lvl < 5; lvl++) {
    const f = frames[lvl];
    const [depth, acc, local] = LEVELS[lvl];
    for (const [name, want] of [['depth', depth], ['acc', acc], ['local', local]] as const) {
      const got = readInt(sym, f, name, 4);
      report.push(`${lvl}:${name}=${got}`);
      if (typeof got === 'bigint') { assert.strictEqual(got, BigInt(want), `level ${lvl} ${name}`); checked++; }
      else if (!optimized) assert.fail(`level ${lvl} ${name}: ${got}`);
      else assert.ok(['optimized-out', 'unavailable'].includes(got), `level ${lvl} ${name}: ${got}`);
    }
    if (optimized && lvl === 0) assert.strictEqual(typeof readInt(sym, f, 'local', 4), 'bigint', `level 0 local: ${report}`);
  }
  if (process.env.SYMBOLS_DEBUG) console.log(variant, report.join(' '));
  if (!optimized) assert.strictEqual(checked, 15);
  else assert.ok(checked >= 10, `read ${checked} values: ${report.join(' ')}`);
  // kernel_main's frame: hit_counter (a global) is 15 - 1 - ... at the bottom: every level bumped it.
  const hc = sym.globals().find((g) => g.name === 'hit_counter');
  assert.ok(hc);
  const loc = hc.locate(frames[5]);
  assert.strictEqual(loc.kind, 'memory');
  const word = sym.arch === 'i386' ? 4 : 8;
  const b = frames[5].readMemory((loc as { address: bigint }).address, word)!;
  let v = 0n;
  for (let i = word - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
  assert.strictEqual(v, 15n);
  // The unwinder continues past kernel_main into the head (or stops) without throwing.
  for (let i = 0; i < 4 && frame; i++) {
    const up = sym.unwind(frame);
    if (!up) break;
    frame = callerFrame(up, frame);
  }
}

