/**
 * DAP threads are vCPUs (DESIGN.md): one thread per vCPU of every domain, numbered 1, 2, 3… in (domain, vCPU)
 * order, named like `d1v0 (PV64)`. Ids are stable for a session because domains and vCPUs are only created at
 * launch.
 */
import type { Hypervisor } from '../emulator/xen/hypervisor';
import type { Vcpu } from '../emulator/xen/vcpu';

export class VcpuThreads {
  constructor(private readonly hv: Hypervisor, private readonly modeLabel: string) {}

  all(): Vcpu[] { return this.hv.allVcpus(); }

  idOf(v: Vcpu): number { return this.all().indexOf(v) + 1; }

  byId(threadId: number): Vcpu | undefined { return this.all()[threadId - 1]; }

  /** `d1v0 (PV64)`. */
  name(v: Vcpu): string { return `${v.label} (${this.modeLabel})`; }

  /** running / blocked / down, for the custom views. */
  state(v: Vcpu): 'runnable' | 'blocked' | 'down' {
    return v.down ? 'down' : v.blocked ? 'blocked' : 'runnable';
  }
}
