/**
 * Port I/O: in/out and ins/outs. Above IOPL the TSS I/O permission bitmap decides
 * (#GP(0) if any bit of the access is set or lies beyond the TSS limit). Unclaimed ports
 * read as all-ones and ignore writes.
 */
import type { Cpu } from '../cpu';
import { CR0_PE, DF, IOPL_MASK, IOPL_SHIFT, TR } from '../constants';
import { gp } from '../fault';
import type { Handler, Insn } from '../insn';
import { Iteration, repeat, stepReg, strAddr } from './string';

function checkIoPermission(cpu: Cpu, port: number, size: number): void {
  if (!(cpu.cr0 & CR0_PE)) return;
  if (cpu.cpl <= ((cpu.flags & IOPL_MASK) >> IOPL_SHIFT)) return;
  const limit = cpu.segLimit[TR];
  const type = cpu.segAttr[TR] & 0xf;
  if ((type !== 9 && type !== 11) || limit < 0x67) throw gp(0, `I/O to port 0x${port.toString(16)} denied (no 32-bit TSS)`);
  const read = (off: number, n: number): number => cpu.sysRead(cpu.addLinear(cpu.segBaseLo[TR], cpu.segBaseHi[TR], off), cpu.eaHi, n);
  const mapBase = read(0x66, 2);
  const byte = mapBase + (port >>> 3);
  if (byte + 1 > limit) throw gp(0, `I/O to port 0x${port.toString(16)} denied (beyond the I/O bitmap)`);
  const bits = read(byte, 2);
  if ((bits >>> (port & 7)) & ((1 << size) - 1)) throw gp(0, `I/O to port 0x${port.toString(16)} denied by the I/O bitmap`);
}

export function portIn(cpu: Cpu, port: number, size: number): number {
  const v = cpu.hooks.portIn?.(port, size);
  const mask = size === 4 ? -1 : size === 2 ? 0xffff : 0xff;
  return v === undefined ? mask : v & mask;
}

export function portOut(cpu: Cpu, port: number, size: number, v: number): void {
  cpu.hooks.portOut?.(port, size, size === 4 ? v >>> 0 : v & (size === 2 ? 0xffff : 0xff));
}

/** in AL/AX/EAX, imm8|DX. */
export function inOp(fromDx: boolean, size: number): Handler {
  return (cpu, i) => {
    const port = fromDx ? cpu.regLo[2] & 0xffff : i.imm & 0xff;
    checkIoPermission(cpu, port, size);
    if (cpu.trapEnabled('in') && cpu.trap('in', port, size)) return;
    cpu.setN(size, 0, portIn(cpu, port, size));
  };
}

/** out imm8|DX, AL/AX/EAX. */
export function outOp(toDx: boolean, size: number): Handler {
  return (cpu, i) => {
    const port = toDx ? cpu.regLo[2] & 0xffff : i.imm & 0xff;
    checkIoPermission(cpu, port, size);
    if (cpu.trapEnabled('out') && cpu.trap('out', port, size)) return;
    portOut(cpu, port, size, cpu.getN(size, 0));
  };
}

const insIter: Iteration = (cpu: Cpu, i: Insn, size: number, delta: number) => {
  const port = cpu.regLo[2] & 0xffff;
  const lo = strAddr(cpu, 0, 7, i, size), hi = cpu.eaHi;
  cpu.rdwN(size, lo, hi); // the destination must be writable before the port is read
  cpu.wrN(size, lo, hi, portIn(cpu, port, size));
  stepReg(cpu, 7, i.addrSize, delta);
  return true;
};

const outsIter: Iteration = (cpu: Cpu, i: Insn, size: number, delta: number) => {
  const port = cpu.regLo[2] & 0xffff;
  const lo = strAddr(cpu, i.seg, 6, i, size);
  portOut(cpu, port, size, cpu.rdN(size, lo, cpu.eaHi));
  stepReg(cpu, 6, i.addrSize, delta);
  return true;
};

export function insOp(size: number): Handler {
  return (cpu, i) => {
    checkIoPermission(cpu, cpu.regLo[2] & 0xffff, size);
    repeat(cpu, i, insIter, size, (cpu.flags & DF) ? -size : size);
  };
}

export function outsOp(size: number): Handler {
  return (cpu, i) => {
    checkIoPermission(cpu, cpu.regLo[2] & 0xffff, size);
    repeat(cpu, i, outsIter, size, (cpu.flags & DF) ? -size : size);
  };
}
