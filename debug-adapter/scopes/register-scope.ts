/**
 * The Registers scopes as values over named registers (so setVariable writes the core): general registers,
 * RIP, RFLAGS decoded into its flags, segment selectors and bases; and a second scope with the control
 * registers, EFER, the MSRs and the debug registers. Address-like registers are typed as pointers, so they
 * show in hex with their symbol and open the Memory view.
 */
import type { Vcpu } from '../../emulator/xen/vcpu';
import type { MemberInfo, TypeInfo } from '../symbols/model';
import type { NamedValue } from '../values';
import { RFLAGS_BITS, registerNames } from './registers';

const u = (size: number): TypeInfo => ({ kind: 'base', name: size === 8 ? 'unsigned long' : size === 4 ? 'unsigned int' : size === 2 ? 'unsigned short' : 'unsigned char', size, encoding: 'unsigned' });
const addr = (size: number): TypeInfo => ({ kind: 'pointer', size, target: { kind: 'void' } });
const hexWord = (size: number): TypeInfo => ({ kind: 'typedef', name: size === 8 ? 'reg64_t' : 'reg32_t', target: addr(size) });

/** RFLAGS as a struct of bit fields over the register (the flags expand under it). */
function rflagsType(size: number): TypeInfo {
  const bit = u(size);
  const members: MemberInfo[] = RFLAGS_BITS.map(([name, offset, width]) => ({ name, offset: 0, type: bit, bitOffset: offset, bitSize: width }));
  return { kind: 'struct', name: 'rflags', size, members };
}

const reg = (name: string, type: TypeInfo): NamedValue => ({ name, evaluateName: `$${name}`, value: { type, location: { kind: 'named-register', name } } });

export function registersScope(v: Vcpu): NamedValue[] {
  const n = registerNames(v.cpu);
  const word = n.ip === 'rip' ? 8 : 4;
  const out: NamedValue[] = n.gprs.map((r) => reg(r, /sp|bp/.test(r) ? addr(word) : hexWord(word)));
  out.push(reg(n.ip, addr(word)));
  out.push(reg(n.flags, rflagsType(word)));
  // Selectors in hex, as Xen writes them (FLAT_KERNEL_CS64 = 0xe033).
  for (const s of n.segments) out.push(reg(s, { kind: 'typedef', name: 'selector_t', target: addr(2) }));
  for (const s of ['fs', 'gs']) out.push(reg(`${s}_base`, addr(8)));
  return out;
}

export function controlScope(v: Vcpu): NamedValue[] {
  const n = registerNames(v.cpu);
  const out: NamedValue[] = [];
  for (const r of n.control) out.push(reg(r, r === 'cr2' || r === 'cr3' ? addr(8) : hexWord(8)));
  for (const r of n.msrs) out.push(reg(r, /lstar|cstar|eip|esp|gs_base/.test(r) ? addr(8) : hexWord(8)));
  for (const r of n.debug) out.push(reg(r, hexWord(8)));
  for (const s of ['cs', 'ds', 'es', 'ss']) out.push(reg(`${s}_base`, addr(8)));
  return out;
}
