/**
 * Forms that must fault or trap in user mode: privileged instructions (#GP(0)), INT n (#GP with the
 * IDT error code), INT3/INT1/INTO traps, UD0/UD1/UD2 and opcodes invalid in the mode (#UD), LOCK on
 * forms that do not allow it (#UD), register forms of memory-only instructions (#UD), BOUND (#BR).
 */
import { sizeFields } from '../asm';
import { regOperand, rmOperand } from '../operands';
import { OF, type Template } from '../template';
import { edge, leBytes } from '../values';

export const faultTemplates: Template[] = [
  {
    name: 'privileged in user mode (#GP)', group: 'fault', weight: 1.5,
    gen(g) {
      const forms: (() => void)[] = [
        () => g.emit({ op: [0xf4] }), // hlt
        () => g.emit({ op: [0xfa] }), // cli
        () => g.emit({ op: [0xfb] }), // sti
        () => g.emit({ op: [g.rng.pick([0xe4, 0xe5, 0xe6, 0xe7])], imm: [g.rng.int(256)] }), // in/out imm8
        () => { g.need(2, 16); g.emit({ op: [g.rng.pick([0xec, 0xed, 0xee, 0xef])] }); }, // in/out dx
        () => { g.need(2, 16); g.need(6, 64, true); g.need(7, 64, true); g.emit({ op: [g.rng.pick([0x6c, 0x6d, 0x6e, 0x6f])] }); },
        () => g.emit({ op: [0x0f, g.rng.pick([0x30, 0x32])] }), // wrmsr/rdmsr
        () => g.emit({ op: [0x0f, g.rng.pick([0x20, 0x22])], ext: g.rng.pick([0, 2, 3, 4]), rm: g.pick() }), // mov cr
        () => g.emit({ op: [0x0f, g.rng.pick([0x21, 0x23])], ext: g.rng.pick([0, 1, 7]), rm: g.pick() }), // mov dr
        () => g.emit({ op: [0x0f, g.rng.pick([0x06, 0x08, 0x09])] }), // clts invd wbinvd
        () => g.emit({ op: [0x0f, 0x01], ext: g.rng.pick([2, 3, 6, 7]), rm: g.mem(16, 'none') }), // lgdt lidt lmsw invlpg
        () => g.emit({ op: [0x0f, 0x00], ext: g.rng.pick([2, 3]), rm: g.pick() }), // lldt ltr
        ...(g.bits === 64 ? [() => { g.emit({ op: [0x0f, 0x01, 0xf8] }); }] : []), // swapgs
      ];
      g.rng.pick(forms)();
      return {};
    },
  },
  {
    name: 'int imm8 (#GP(n*8+2) through a DPL0 gate)', group: 'fault', weight: 0.5,
    gen(g) {
      let v = 0;
      do v = g.rng.int(256); while (v === 3 || v === 4 || v === 0x80);
      g.emit({ op: [0xcd], imm: [v] });
      return {};
    },
  },
  {
    name: 'int3 / int1 / into', group: 'fault', weight: 0.7,
    gen(g) {
      const forms = [0xcc, 0xf1, ...(g.bits === 32 ? [0xce, 0xce] : [])];
      const op = g.rng.pick(forms);
      g.emit({ op: [op] }, { noise: false });
      return op === 0xce ? { fr: OF } : {};
    },
  },
  {
    name: 'ud2/ud1/ud0 and invalid opcodes (#UD)', group: 'fault', weight: 1,
    gen(g) {
      const inv64 = [0x06, 0x07, 0x0e, 0x16, 0x17, 0x1e, 0x1f, 0x27, 0x2f, 0x37, 0x3f, 0x60, 0x61, 0x82, 0xce, 0xd4, 0xd5];
      const forms: number[][] = [
        [0x0f, 0x0b], [0x0f, 0xb9, 0xc0 | g.rng.int(64)], [0x0f, 0xff, 0xc0 | g.rng.int(64)],
        [0x0f, 0x04], [0x0f, 0x0a], [0x0f, 0x0c], [0x0f, 0x36], [0x0f, 0xa6], [0x0f, 0xa7],
        [0x8d, 0xc0 | g.rng.int(64)], // lea with a register operand
        [0x0f, 0xc7, 0xc8 | g.rng.int(8)], // cmpxchg8b with a register operand
        [0x8e, 0xc8 | g.rng.int(8)], // mov cs, r16
        [0xfe, 0xf8 | g.rng.int(8)], // FE /7
      ];
      if (g.bits === 64) for (const o of inv64) forms.push(o === 0x82 ? [0x82, 0xc0, 0x01] : o === 0xd4 || o === 0xd5 ? [o, 0x0a] : [o]);
      g.raw(g.rng.pick(forms));
      return {};
    },
  },
  {
    name: 'lock on a form that does not allow it (#UD)', group: 'fault', weight: 1,
    gen(g) {
      const kind = g.rng.int(5);
      const size = g.rng.pick([16, 32, ...(g.bits === 64 ? [64] : [])]);
      const sf = sizeFields(size);
      if (kind === 0) {
        // Register destination of a lockable instruction.
        const a = g.pick(), b = g.pick();
        g.emit({ pfx: [...sf.pfx, 0xf0], w: sf.w, op: [g.rng.pick([0x01, 0x09, 0x29, 0x31])], reg: a, rm: b });
      } else if (kind === 1) {
        const rmo = rmOperand(g, size, 'rw', { memP: 1 });
        const r = regOperand(g, size, false);
        g.emit({ pfx: [...sf.pfx, 0xf0], w: sf.w, op: [g.rng.pick([0x39, 0x85, 0x89, 0x8b])], reg: r, rm: rmo.rm }); // cmp/test/mov
      } else if (kind === 2) {
        g.emit({ pfx: [0xf0], op: [g.rng.pick([0x90, 0xf8, 0xa4, 0xaa])] }); // nop clc movs stos
      } else if (kind === 3) {
        const m = g.mem(8, 'none');
        g.emit({ pfx: [...sf.pfx, 0xf0], w: sf.w, op: [0x8d], reg: g.pick(), rm: m }); // lea
      } else {
        const rmo = rmOperand(g, size, 'r', { memP: 1 });
        g.emit({ pfx: [...sf.pfx, 0xf0], w: sf.w, op: [0x0f, 0xa3], reg: g.pick(), rm: rmo.rm }); // bt (not bts)
      }
      return {};
    },
  },
  {
    name: 'bound r,m (#BR when out of range)', group: 'fault', bits: [32], weight: 0.5,
    gen(g) {
      const size = g.rng.pick([16, 32]);
      const m = g.mem(size * 2, 'r', { safe: g.rng.bool(0.9) });
      const lo = edge(g.rng, size), hi = edge(g.rng, size);
      g.setMem(m.ea, [...leBytes(lo, size / 8), ...leBytes(hi, size / 8)]);
      const r = g.pick();
      g.need(r, size);
      g.emit({ pfx: sizeFields(size).pfx, op: [0x62], reg: r, rm: m });
      return {};
    },
  },
];
