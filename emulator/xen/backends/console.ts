/**
 * The guest console, as xenconsoled and Xen's console driver present it: console_io writes
 * (xen/drivers/char/console.c) and the PV console ring (public/io/console.h, struct xencons_interface)
 * consumed when the guest notifies its console event channel. Output goes to the hypervisor's console
 * listener (the CLI's stdout) and the trace.
 */
import { fieldOf, layoutOf } from '../abi/layout';
import { xencons_interface } from '../abi/structs';
import type { Domain } from '../domain';
import type { Hypervisor } from '../hypervisor';
import type { Vcpu } from '../vcpu';
import { Dom0Ports } from './dom0';

const L = layoutOf(xencons_interface, 'x86_64');
const OUT = fieldOf(L, 'out');
const OUT_CONS = fieldOf(L, 'out_cons').offset;
const OUT_PROD = fieldOf(L, 'out_prod').offset;
const OUT_SIZE = OUT.size; // 2048, a power of two

interface Attached { d: Domain; dom0Port: number }

export class ConsoleBackend {
  private dom0: Dom0Ports | undefined;
  private readonly attached: Attached[] = [];
  private readonly decoder = new TextDecoder('latin1');

  constructor(private readonly hv: Hypervisor) {}

  private ports(): Dom0Ports {
    this.dom0 ??= sharedDom0(this.hv);
    return this.dom0;
  }

  /** Allocates the guest's console port (unbound, for dom0) and connects the ring at d.consoleFrame. */
  attach(d: Domain): void {
    const guestPort = d.evtchn.allocUnbound(d.domid, 0);
    if (guestPort < 0) throw new Error(`cannot allocate the console event channel: errno ${-guestPort}`);
    d.consolePort = guestPort;
    const a: Attached = { d, dom0Port: 0 };
    a.dom0Port = this.ports().connect(d.domid, guestPort, () => this.drain(a));
    this.attached.push(a);
  }

  /** console_io(CONSOLEIO_write) text from a vCPU. */
  write(d: Domain, v: Vcpu | undefined, bytes: Uint8Array, source = 'console_io'): void {
    this.hv.consoleOutput(d, v, this.decoder.decode(bytes), source);
  }

  /** Reads whatever the guest has produced into out[] (xenconsoled's buffer_append) and notifies it. */
  private drain(a: Attached): void {
    const { d } = a;
    const base = d.consoleFrame * 4096;
    if (base <= 0 || base + L.size > d.mem.size) return;
    const view = d.mem.view;
    let cons = view.getUint32(base + OUT_CONS, true);
    const prod = view.getUint32(base + OUT_PROD, true);
    const avail = (prod - cons) >>> 0;
    if (avail === 0) return;
    if (avail > OUT_SIZE) {
      // A corrupt producer index: xenconsoled treats the ring as broken. Consume nothing and say so.
      this.hv.warn(undefined, `console ring of d${d.domid}: out_prod - out_cons = ${avail} > ${OUT_SIZE}; ignoring`, d);
      return;
    }
    const bytes = new Uint8Array(avail);
    for (let i = 0; i < avail; i++, cons = (cons + 1) >>> 0) bytes[i] = view.getUint8(base + OUT.offset + (cons & (OUT_SIZE - 1)));
    d.mem.write32(base + OUT_CONS, cons);
    this.hv.consoleOutput(d, undefined, this.decoder.decode(bytes), 'console-ring');
    this.ports().notify(a.dom0Port);
  }

  /** Called by the scheduler: drains rings a guest filled without notifying (polling, as a safety net). */
  poll(): void {
    for (const a of this.attached) if (!a.d.shutdown) this.drain(a);
  }
}

const dom0s = new WeakMap<Hypervisor, Dom0Ports>();
/** One dom0 port table per hypervisor, shared by the backends. */
export function sharedDom0(hv: Hypervisor): Dom0Ports {
  let p = dom0s.get(hv);
  if (!p) { p = new Dom0Ports(hv.evtchn); dom0s.set(hv, p); }
  return p;
}
