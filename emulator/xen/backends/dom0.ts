/**
 * The control domain's side of the event channels that the emulator's backends (console, XenStore) use.
 * Domain 0 is not emulated as a guest: its shared_info is a private page, and a notification from a guest
 * on one of its ports runs the backend that owns the port right away (deterministically, inside the
 * guest's EVTCHNOP_send), the way xenconsoled and xenstored wake on their event channels.
 */
import type { EventChannelSystem, EvtchnDomain } from '../event-channel';

export type PortHandler = () => void;

export class Dom0Ports {
  readonly evtchn: EvtchnDomain;
  private readonly page = new DataView(new ArrayBuffer(4096));
  private readonly vcpuInfo = new DataView(this.page.buffer, 0, 64);
  private readonly handlers = new Map<number, PortHandler>();
  private dispatching = false;

  constructor(system: EventChannelSystem) {
    const page = this.page, vcpuInfo = this.vcpuInfo;
    this.evtchn = system.createDomain({
      domid: 0,
      nrVcpus: 1,
      privileged: true,
      memory: {
        abi: 'x86_64',
        sharedInfo: page,
        vcpuInfo: () => vcpuInfo,
      },
      upcall: () => this.dispatch(),
    });
  }

  /** Binds a new dom0 port to `guestPort` of domain `domid` (an unbound port allocated for dom0). */
  connect(domid: number, guestPort: number, handler: PortHandler): number {
    const port = this.evtchn.bindInterdomain(domid, guestPort);
    if (port < 0) throw new Error(`cannot bind dom0 to d${domid} port ${guestPort}: errno ${-port}`);
    this.handlers.set(port, handler);
    this.clear();
    return port;
  }

  /** Notify the guest end of a dom0 port. */
  notify(port: number): void {
    this.evtchn.send(port);
  }

  /** Runs the handler of every pending dom0 port, then clears dom0's pending state. */
  private dispatch(): void {
    if (this.dispatching) return;
    this.dispatching = true;
    try {
      const pending = [...this.handlers.keys()].filter((p) => this.evtchn.isPending(p));
      this.clear();
      for (const p of pending) this.handlers.get(p)!();
    } finally {
      this.dispatching = false;
    }
  }

  private clear(): void {
    new Uint8Array(this.page.buffer).fill(0);
  }
}
