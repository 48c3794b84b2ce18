/**
 * Builds the evaluation environment (values/EvalEnv) of one frame of one vCPU: its DWARF registers, the
 * vCPU's named registers (writable in the innermost frame), guest memory in both address spaces, the image's
 * symbols, and the Xen roots (`shared_info`, `vcpu_info[N]`, `start_info`).
 */
import type { Vcpu } from '../emulator/xen/vcpu';
import type { Guest } from './guest';
import { readGuest, writeGuest } from './memory';
import { readRegister, writeRegister } from './scopes/registers';
import { DWARF_REGISTER_NAMES } from './symbols';
import { innermostContext } from './stack';
import type { FrameContext } from './symbols/model';
import { createFrameEnv, EvalEnv, xenRoots } from './values';

export function frameEnv(g: Guest, v: Vcpu, frame?: FrameContext): EvalEnv {
  const ctx = frame ?? innermostContext(v);
  const innermost = !ctx.isReturnAddress;
  const d = v.domain;
  const dwarfNames = DWARF_REGISTER_NAMES[ctx.arch];
  return createFrameEnv({
    frame: ctx,
    symbols: g.symbols,
    memory: {
      read: (address, length, space) => {
        const b = readGuest(v, { space, address }, length);
        return b.length === length ? b : undefined;
      },
      write: (address, bytes, space) => {
        try { writeGuest(v, { space, address }, bytes); return true; } catch { return false; }
      },
    },
    registers: {
      read: (name) => {
        // Caller frames: the unwound value of a DWARF register where the frame knows it.
        if (!innermost) {
          const i = dwarfNames.indexOf(name);
          if (i >= 0) {
            const val = ctx.readRegister(i);
            if (val !== undefined) return { value: val, size: ctx.arch === 'x86_64' ? 8 : 4 };
          }
        }
        return readRegister(v.cpu, name);
      },
      write: innermost ? (name, value) => writeRegister(v.cpu, name, value) : undefined,
      writeDwarf: innermost ? (reg, value) => writeRegister(v.cpu, dwarfNames[reg] ?? '?', value) : undefined,
    },
    roots: xenRoots({
      abi: d.sharedInfoAbi,
      vcpus: d.vcpus.length,
      sharedInfo: () => (d.sharedInfoAddr !== 0 ? BigInt(d.sharedInfoAddr) : undefined),
      startInfo: () => g.startInfoPhys,
      vcpuInfo: (n) => {
        const x = d.vcpus[n];
        return x?.vcpuInfoRegistered && x.vcpuInfoAddr !== undefined ? BigInt(x.vcpuInfoAddr) : undefined;
      },
    }),
  });
}
