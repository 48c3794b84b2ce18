/** The PV domain builder (being written, issue 3). */
import type { ElfFile } from './elf';
import type { GuestKind } from './guest-kind';
import type { Domain } from '../xen/domain';
import type { Hypervisor } from '../xen/hypervisor';
import { XenImageError } from './xen-notes';

export function buildPvDomain(_hv: Hypervisor, _d: Domain, _elf: ElfFile, _kind: Extract<GuestKind, { kind: 'pv' }>): void {
  throw new XenImageError('the PV domain builder is not written yet');
}
