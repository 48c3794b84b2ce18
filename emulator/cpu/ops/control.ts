/** Near control transfer: jmp, jcc, call, ret, loop family, jrcxz. */
import type { Cpu } from '../cpu';
import type { Handler, Insn } from '../insn';
import { rdE, rdE64 } from '../operands';
import { peek, push, stackCommit } from './stack';

/** Target of a relative branch (lo; hi in cpu.eaHi), before validation. */
function relTarget(cpu: Cpu, i: Insn): number {
  if (cpu.in64) {
    const r = cpu.ripLo;
    const lo = (r + i.imm) | 0;
    cpu.eaHi = (cpu.ripHi + i.immHi + ((lo >>> 0) < (r >>> 0) ? 1 : 0)) | 0;
    return lo;
  }
  cpu.eaHi = 0;
  return (cpu.ripLo + i.imm) | 0;
}

export function jmpRel(): Handler {
  return (cpu, i) => {
    const lo = relTarget(cpu, i);
    cpu.jump(lo, cpu.eaHi, i.size);
  };
}

export function jcc(): Handler {
  return (cpu, i) => {
    if (!cpu.cond(i.cc)) return;
    const lo = relTarget(cpu, i);
    cpu.jump(lo, cpu.eaHi, i.size);
  };
}

export function callRel(): Handler {
  return (cpu, i) => {
    const tLo = cpu.checkTarget(relTarget(cpu, i), cpu.eaHi, i.size), tHi = cpu.eaHi;
    push(cpu, i.size, cpu.ripLo, cpu.ripHi);
    cpu.ripLo = tLo; cpu.ripHi = tHi;
  };
}

function indirectTarget(cpu: Cpu, i: Insn): number {
  if (i.size === 8) { const lo = rdE64(cpu, i); cpu.eaHi = cpu.tmpHi; return lo; }
  cpu.eaHi = 0;
  return rdE(cpu, i);
}

export function jmpE(): Handler {
  return (cpu, i) => {
    const lo = indirectTarget(cpu, i);
    cpu.jump(lo, cpu.eaHi, i.size);
  };
}

export function callE(): Handler {
  return (cpu, i) => {
    const tLo = cpu.checkTarget(indirectTarget(cpu, i), cpu.eaHi, i.size), tHi = cpu.eaHi;
    push(cpu, i.size, cpu.ripLo, cpu.ripHi);
    cpu.ripLo = tLo; cpu.ripHi = tHi;
  };
}

/** c3 / c2 imm16. */
export function ret(withImm: boolean): Handler {
  return (cpu, i) => {
    const lo = peek(cpu, i.size);
    const tLo = cpu.checkTarget(lo, i.size === 8 ? cpu.tmpHi : 0, i.size), tHi = cpu.eaHi;
    stackCommit(cpu, i.size + (withImm ? i.imm & 0xffff : 0));
    cpu.ripLo = tLo; cpu.ripHi = tHi;
  };
}

/** e0-e2: loopne / loope / loop (count register by address size, no flags). */
export function loop(kind: 'loopne' | 'loope' | 'loop'): Handler {
  return (cpu, i) => {
    let zero: boolean;
    if (i.addrSize === 8) {
      const lo = cpu.regLo[1];
      cpu.regLo[1] = (lo - 1) | 0;
      if (lo === 0) cpu.regHi[1] = (cpu.regHi[1] - 1) | 0;
      zero = (cpu.regLo[1] | cpu.regHi[1]) === 0;
    } else if (i.addrSize === 4) { cpu.set32(1, (cpu.regLo[1] - 1) | 0); zero = cpu.regLo[1] === 0; }
    else { cpu.set16(1, cpu.regLo[1] - 1); zero = (cpu.regLo[1] & 0xffff) === 0; }
    let take = !zero;
    if (take && kind !== 'loop') take = (cpu.getZF() === 1) === (kind === 'loope');
    if (take) { const lo = relTarget(cpu, i); cpu.jump(lo, cpu.eaHi, i.size); }
  };
}

/** e3: jcxz / jecxz / jrcxz. */
export function jrcxz(): Handler {
  return (cpu, i) => {
    const zero = i.addrSize === 8 ? (cpu.regLo[1] | cpu.regHi[1]) === 0
      : i.addrSize === 4 ? cpu.regLo[1] === 0 : (cpu.regLo[1] & 0xffff) === 0;
    if (zero) { const lo = relTarget(cpu, i); cpu.jump(lo, cpu.eaHi, i.size); }
  };
}
