/**
 * Builds a ready-to-run machine from validated options: parse the ELF, decide the guest type from its notes
 * and the request, build the domain (PV builder or HVM/PVH start), and start vCPU 0.
 */
import * as fs from 'fs';
import { parseElf } from './boot/elf';
import { decideGuestKind, guestKindLabel, GuestKind } from './boot/guest-kind';
import { buildHvmDomain } from './boot/hvm-builder';
import { buildPvDomain } from './boot/pv-builder';
import type { MachineOptions } from './config/launch-options';
import { Domain } from './xen/domain';
import { Hypervisor, HypervisorOptions } from './xen/hypervisor';
import { getProfile } from './xen/profiles';

export interface Machine {
  hv: Hypervisor;
  domain: Domain;
  kind: GuestKind;
  /** `PV64`, `PV32`, `PVH`, `HVM`. */
  label: string;
}

/** The first guest's domain id (dom0 is the emulator's own backends). */
export const FIRST_DOMID = 1;

export function createMachine(opts: MachineOptions, hvOpts: HypervisorOptions = {}): Machine {
  const bytes = new Uint8Array(fs.readFileSync(opts.kernel));
  const elf = parseElf(bytes);
  const kind = decideGuestKind(elf, opts.guestType);
  const profile = getProfile(opts.xenVersion, { debug: opts.xenDebug });
  if (kind.kind === 'pvh' && !profile.pvh) throw new Error(`PVH boot needs Xen 4.7 or later; profile ${profile.name} has no PVH`);
  const hv = new Hypervisor(hvOpts);
  const d = new Domain(FIRST_DOMID, {
    name: opts.name,
    kind: kind.kind,
    pvBits: kind.kind === 'pv' ? kind.bitness : undefined,
    memoryMiB: opts.memoryMiB,
    maxMemoryMiB: opts.maxMemoryMiB,
    vcpus: opts.vcpus,
    profile,
    preemption: opts.preemption,
    evtchnFifo: opts.domainFlags.evtchnFifo,
    cmdline: opts.cmdline,
    maxEvtchnPort: 1023,
    handle: domainHandle(FIRST_DOMID),
  });
  if (kind.kind === 'pv') buildPvDomain(hv, d, elf, kind);
  else buildHvmDomain(hv, d, elf, kind);
  hv.startDomain(d);
  return { hv, domain: d, kind, label: guestKindLabel(kind) };
}

/** A deterministic domain handle (UUID bytes), matching the XenStore vm path's UUID. */
function domainHandle(domid: number): Uint8Array {
  const h = new Uint8Array(16);
  h[6] = 0x40; h[8] = 0x80;
  h[14] = (domid >> 8) & 0xff; h[15] = domid & 0xff;
  return h;
}
