/**
 * The XenStore daemon attached to guests: the store (emulator/xen/xenstore) populated with each domain's
 * standard paths, and a ring per domain at d.storeFrame served when the guest notifies its store port.
 */
import type { Domain } from '../domain';
import type { Hypervisor } from '../hypervisor';
import { XenStore } from '../xenstore/store';
import { XenStoreRing } from '../xenstore/ring';
import { populateDomainPaths } from '../xenstore/domain-paths';
import { sharedDom0 } from './console';

interface Attached { d: Domain; ring: XenStoreRing; dom0Port: number }

export class XenStoreBackend {
  readonly store = new XenStore();
  private readonly attached: Attached[] = [];

  constructor(private readonly hv: Hypervisor) {}

  /** Allocates the guest's store port, writes the domain's paths and serves the ring at d.storeFrame. */
  attach(d: Domain): void {
    const guestPort = d.evtchn.allocUnbound(d.domid, 0);
    if (guestPort < 0) throw new Error(`cannot allocate the XenStore event channel: errno ${-guestPort}`);
    d.storePort = guestPort;
    const page = new Uint8Array(d.mem.bytes.buffer, d.storeFrame * 4096, 4096);
    const a: Attached = { d, ring: new XenStoreRing(page, this.store, d.domid), dom0Port: 0 };
    const dom0 = sharedDom0(this.hv);
    a.dom0Port = dom0.connect(d.domid, guestPort, () => this.serve(a));
    populateDomainPaths(this.store, {
      domid: d.domid, name: d.name, maxMemKiB: (d.options.maxMemoryMiB ?? d.options.memoryMiB) * 1024,
      vcpus: d.options.vcpus, storeRingRef: d.storeFrame, storePort: guestPort,
      consoleRingRef: d.consoleFrame || undefined, consolePort: d.consolePort || undefined, hvm: d.isHvm,
    });
    this.attached.push(a);
  }

  private serve(a: Attached): void {
    const r = a.ring.poll();
    if (r.notify) sharedDom0(this.hv).notify(a.dom0Port);
  }

  /** Delivers watch events queued by other connections' writes. */
  poll(): void {
    for (const a of this.attached) if (!a.d.shutdown && a.ring.pendingOutput > 0) this.serve(a);
  }
}
