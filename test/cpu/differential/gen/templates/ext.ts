/**
 * CPUID-gated integer extensions, generated only when both this host and the emulator report the
 * feature: MOVBE, CRC32, ADCX/ADOX, BMI1 (ANDN BEXTR BLSI BLSMSK BLSR) and BMI2 (BZHI MULX PDEP PEXT
 * RORX SARX SHLX SHRX).
 */
import { sizeFields } from '../asm';
import type { ItemGen } from '../item-gen';
import { imm, rmOperand } from '../operands';
import { AF, CF, OF, PF, SF, ZF, type Template } from '../template';

function opSize(g: ItemGen): number { return g.bits === 64 && g.rng.bool() ? 64 : 32; }

export const extTemplates: Template[] = [
  {
    name: 'movbe r,m / m,r', group: 'ext', feature: 'movbe',
    gen(g) {
      const size = g.rng.pick([16, 32, ...(g.bits === 64 ? [64] : [])]);
      const store = g.rng.bool();
      const m = g.mem(size, store ? 'w' : 'r');
      if (!store) g.memValue(m, size);
      const r = g.pick();
      g.need(r, 64, true);
      const sf = sizeFields(size);
      g.emit({ pfx: sf.pfx, w: sf.w, op: [0x0f, 0x38, store ? 0xf1 : 0xf0], reg: r, rm: m });
      return {};
    },
  },
  {
    name: 'crc32 r,r/m', group: 'ext', feature: 'sse4_2',
    gen(g) {
      const size = g.rng.pick([8, 16, 32, ...(g.bits === 64 ? [64] : [])]);
      const rmo = rmOperand(g, size, 'r');
      const r = g.pick();
      g.need(r, 64, true);
      const w = size === 64 || (g.bits === 64 && size === 8 && g.rng.bool(0.3));
      g.emit({ pfx: [0xf2, ...(size === 16 ? [0x66] : [])], w, op: [0x0f, 0x38, size === 8 ? 0xf0 : 0xf1], reg: r,
        rm: rmo.rm, byteRegs: size === 8 ? 'rm' : false });
      return {};
    },
  },
  {
    name: 'adcx/adox r,r/m', group: 'ext', feature: 'adx',
    gen(g) {
      const size = opSize(g);
      const rmo = rmOperand(g, size, 'r');
      const r = g.pick();
      g.need(r, size, true);
      const ox = g.rng.bool();
      g.emit({ pfx: [ox ? 0xf3 : 0x66], w: size === 64, op: [0x0f, 0x38, 0xf6], reg: r, rm: rmo.rm });
      return ox ? { fr: OF, fw: OF } : { fr: CF, fw: CF };
    },
  },
  {
    name: 'bmi1 andn/bextr/blsi/blsmsk/blsr', group: 'ext', feature: 'bmi1',
    gen(g) {
      const size = opSize(g);
      const rmo = rmOperand(g, size, 'r');
      const v = g.pick();
      const r = g.pick();
      g.need(v, size, true);
      const w = size === 64;
      const kind = g.rng.int(5);
      if (kind === 0) {
        g.emit({ vex: { map: 2, pp: 0, vvvv: v }, w, op: [0xf2], reg: r, rm: rmo.rm });
        return { fw: SF | ZF | CF | OF, fu: AF | PF };
      }
      if (kind === 1) {
        g.emit({ vex: { map: 2, pp: 0, vvvv: v }, w, op: [0xf7], reg: r, rm: rmo.rm });
        return { fw: ZF | CF | OF, fu: AF | SF | PF };
      }
      // BLSR /1, BLSMSK /2, BLSI /3: destination in vvvv.
      g.emit({ vex: { map: 2, pp: 0, vvvv: v }, w, op: [0xf3], ext: kind - 1, rm: rmo.rm });
      return { fw: SF | ZF | CF | OF, fu: AF | PF };
    },
  },
  {
    name: 'bmi2 bzhi/mulx/pdep/pext/rorx/sarx/shlx/shrx', group: 'ext', feature: 'bmi2',
    gen(g) {
      const size = opSize(g);
      const rmo = rmOperand(g, size, 'r');
      const v = g.pick();
      const r = g.pick();
      g.need(v, size, true);
      g.need(2, size, true);
      const w = size === 64;
      const kind = g.rng.int(8);
      const forms = [
        { pp: 0, map: 2, op: 0xf5 }, // bzhi
        { pp: 3, map: 2, op: 0xf6 }, // mulx
        { pp: 3, map: 2, op: 0xf5 }, // pdep
        { pp: 2, map: 2, op: 0xf5 }, // pext
        { pp: 3, map: 3, op: 0xf0 }, // rorx (imm8)
        { pp: 2, map: 2, op: 0xf7 }, // sarx
        { pp: 1, map: 2, op: 0xf7 }, // shlx
        { pp: 3, map: 2, op: 0xf7 }, // shrx
      ];
      const f = forms[kind];
      g.emit({ vex: { map: f.map, pp: f.pp, vvvv: kind === 4 ? 0 : v }, w, op: [f.op], reg: r, rm: rmo.rm,
        imm: kind === 4 ? imm(g.rng.int(256), 1) : undefined });
      return kind === 0 ? { fw: SF | ZF | CF | OF, fu: AF | PF } : {};
    },
  },
];
