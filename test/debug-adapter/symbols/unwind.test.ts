/**
 * Unwinding and variable locations on a live guest: the debuggee runs in the emulator to the bottom of
 * recurse(4, 1) and the reader unwinds into kernel_main and reads every level's parameters and locals.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import { loadGuestSymbols } from '../../../debug-adapter/symbols';
import { resolveMachineOptions } from '../../../emulator/config/launch-options';
import { createMachine } from '../../../emulator/machine';
import { unwindStack } from '../../../debug-adapter/symbols/frames';
import { checkRecursion } from './recursion-check';
import { addr2line, cpuFrame, DEBUGGEE_IMAGES, DEBUGGEE_SRC, debuggeePath, load, markerLine, readInt } from './helpers';

describe('symbols: unwinding the debuggee at the bottom of its recursion', () => {
  for (const variant of DEBUGGEE_IMAGES) {
    it(`debuggee-${variant}: 6 frames recurse x5 -> kernel_main with lines and values`, () => {
      checkRecursion(debuggeePath(variant), variant);
    });
  }
});

describe('symbols: unwinding out of the hypercall page', () => {
  // memory_op is hypercall 12: its stub is at hypercall_page + 12 * 32. The first memory_op of the debuggee is
  // XENMEM_memory_map (HVM, from pick_frames) or the decrease_reservation (PV, from balloon_out).
  for (const variant of ['pv64-O0', 'pv64-Og', 'hvm64-Og', 'hvm32-O0']) {
    it(`debuggee-${variant}: every frame from the stub to kernel_main agrees with addr2line`, () => {
      const image = debuggeePath(variant);
      const sym = load(image);
      const stub = sym.symbolByName('hypercall_page')! + 12n * 32n;
      const m = createMachine(resolveMachineOptions({ kernel: image, memoryMiB: 64, ...(variant.startsWith('hvm') ? { guestType: 'hvm' } : {}) }));
      const cpu = m.domain.vcpus[0].cpu;
      cpu.addBreakpoint(stub);
      const stop = m.hv.run(50_000_000);
      assert.ok(stop.kind === 'vcpu' && stop.reason.kind === 'breakpoint');
      const stack = unwindStack(sym, cpuFrame(sym.arch, cpu));
      assert.strictEqual(sym.functionAt(stack[0].lookupPc), undefined, 'the hypercall page has no DWARF function');
      assert.strictEqual(sym.symbolAt(stack[0].lookupPc)?.name.startsWith('hypercall_'), true);
      const names = stack.slice(1).map((f) => sym.functionAt(f.lookupPc)?.name);
      const k = names.indexOf('kernel_main');
      assert.ok(k >= 1, `reaches kernel_main: ${names}`);
      assert.ok(names.includes(variant.startsWith('pv') ? 'balloon_out' : 'pick_frames') || variant.endsWith('Og'), `${names}`);
      const a2l = addr2line(image, stack.slice(1, k + 2).map((f) => f.lookupPc));
      stack.slice(1, k + 2).forEach((f, i) => {
        const fr = a2l[i].frames;
        assert.strictEqual(sym.functionAt(f.lookupPc)?.name, fr[fr.length - 1].func, `frame ${i + 1}`);
        assert.strictEqual(sym.sourceAt(f.lookupPc)?.line, fr[0].line, `frame ${i + 1} line`);
        assert.deepStrictEqual(sym.inlinedAt(f.lookupPc).map((x) => x.name), fr.slice(0, -1).map((x) => x.func));
      });
    });
  }
});

/** The image with its CFI sections renamed away (the section names in .shstrtab changed in place). */
function withoutCfi(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  const text = Buffer.from(out.buffer, out.byteOffset, out.length);
  for (const name of ['.eh_frame\0', '.debug_frame\0']) {
    let i = -1;
    while ((i = text.indexOf(name, i + 1, 'latin1')) >= 0) out[i + 1] = 'x'.charCodeAt(0);
  }
  return out;
}

describe('symbols: frame-pointer unwinding without CFI', () => {
  for (const variant of ['pv64-O0', 'hvm32-O0']) {
    it(`debuggee-${variant} with CFI removed: the rbp/ebp chain gives the same frames as CFI`, () => {
      const image = debuggeePath(variant);
      const sym = load(image);
      const bare = loadGuestSymbols(withoutCfi(new Uint8Array(fs.readFileSync(image))), image);
      const bottom = sym.resolveLine(DEBUGGEE_SRC, markerLine('recurse-bottom'))!;
      const m = createMachine(resolveMachineOptions({ kernel: image, memoryMiB: 64, ...(variant.startsWith('hvm') ? { guestType: 'hvm' } : {}) }));
      const cpu = m.domain.vcpus[0].cpu;
      for (const a of bottom.addresses) cpu.addBreakpoint(a);
      const stop = m.hv.run(50_000_000);
      assert.ok(stop.kind === 'vcpu' && stop.reason.kind === 'breakpoint');
      // Past the -O0 prologue, as a debugger stops after `step into`.
      const withCfi = unwindStack(sym, cpuFrame(sym.arch, cpu), 7);
      const withFp = unwindStack(bare, cpuFrame(sym.arch, cpu), 7);
      assert.ok(withFp.slice(1).every((f) => f.method === 'frame-pointer'));
      assert.ok(withCfi.slice(1).every((f) => f.method === 'cfi'));
      assert.deepStrictEqual(withFp.slice(0, 7).map((f) => f.frame.pc), withCfi.slice(0, 7).map((f) => f.frame.pc));
      assert.deepStrictEqual(withFp.slice(1, 6).map((f) => bare.functionAt(f.lookupPc)?.name), ['recurse', 'recurse', 'recurse', 'recurse', 'kernel_main']);
      // The frame base (DW_OP_call_frame_cfa) falls back to the frame-pointer CFA: locals still read.
      assert.strictEqual(readInt(bare, withFp[2].frame, 'local', 4), 91n);
    });
  }
});
