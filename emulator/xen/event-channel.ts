/**
 * Event channels, 2-level ABI (fact sheet §5.3): per-domain port tables and the EVTCHNOP_* operations with the
 * semantics and errnos of xen/common/event_channel.c, independent of the CPU. The hypercall layer decodes the
 * argument structs (abi/structs.ts evtchn_*), calls these methods and writes results back.
 *
 * Conventions: methods act as the calling ("current") domain. Port-returning ops return the port (≥ 0) or a
 * negative errno; the others return 0 or a negative errno. Upcalls are reported through the domain's
 * `upcall(vcpu)` hook, called when evtchn_upcall_pending goes 0 → 1.
 */
import { StructView } from './abi/layout';
import { XenErrno } from './errno';
import { XenProfile } from './profiles';
import {
  DOMID_SELF, EVTCHNSTAT, EVTCHNS_PER_BUCKET, EVTCHN_FIFO_CONTROL_BLOCK_SIZE, EVTCHN_FIFO_LINK_BITS,
  EvtchnStat, NR_VIRQS, virqIsGlobal,
} from './evtchn/constants';
import { ByteAccess, EvtchnGuestMemory, twoLevelMaxPorts } from './evtchn/memory';
import { clearPending2l, isMasked2l, isPending2l, setPending2l, unmask2l } from './evtchn/two-level';

export * from './evtchn/constants';
export * from './evtchn/memory';

/** Port states (xen/include/xen/sched.h ECS_*). */
export type EvtchnState = 'free' | 'reserved' | 'unbound' | 'interdomain' | 'pirq' | 'virq' | 'ipi';

export interface EvtchnPortInfo {
  readonly port: number;
  readonly state: EvtchnState;
  /** notify_vcpu_id */
  readonly vcpu: number;
  /** unbound: the domain allowed to bind; interdomain: the peer domain. */
  readonly remoteDom?: number;
  readonly remotePort?: number;
  readonly virq?: number;
  readonly pirq?: number;
}

interface Channel {
  state: EvtchnState;
  notifyVcpu: number;
  remoteDom: number;
  remotePort: number;
  virq: number;
  pirq: number;
}

const freeChannel = (): Channel => ({ state: 'free', notifyVcpu: 0, remoteDom: 0, remotePort: 0, virq: 0, pirq: 0 });

/** EVTCHNOP_status result; `u` members present according to `status`. */
export interface EvtchnStatusInfo {
  readonly status: EvtchnStat;
  readonly vcpu: number;
  readonly unboundDom?: number;
  readonly interdomain?: { readonly dom: number; readonly port: number };
  readonly pirq?: number;
  readonly virq?: number;
}

/** Writes an EVTCHNOP_status result into a struct evtchn_status view; like Xen, other union bytes are left alone. */
export function writeEvtchnStatus(view: StructView, info: EvtchnStatusInfo): void {
  view.set('status', info.status);
  view.set('vcpu', info.vcpu);
  if (info.unboundDom !== undefined) view.set('u.unbound.dom', info.unboundDom);
  if (info.interdomain) {
    view.set('u.interdomain.dom', info.interdomain.dom);
    view.set('u.interdomain.port', info.interdomain.port);
  }
  if (info.pirq !== undefined) view.set('u.pirq', info.pirq);
  if (info.virq !== undefined) view.set('u.virq', info.virq);
}

/**
 * Whether FIFO sub-ops exist (§5.3, §9): 'unknown-subop' before 4.4 or with the domain flag off (the
 * CDF_evtchn_fifo proposal: -ENOSYS for all three), 'compiled-out' with CONFIG_EVTCHN_FIFO=n (4.21+),
 * else 'available'.
 */
export type FifoSupport = 'available' | 'compiled-out' | 'unknown-subop';
export function fifoSupport(profile: XenProfile | undefined, domainFlag: boolean): FifoSupport {
  if (!domainFlag || (profile !== undefined && !profile.evtchnFifo)) return 'unknown-subop';
  if (profile !== undefined && !profile.evtchnFifoBuilt) return 'compiled-out';
  return 'available';
}

export interface FifoInitResult {
  readonly rc: number;
  /** link_bits to copy back on success. */
  readonly linkBits: number;
  /** Arguments passed validation but the FIFO ABI itself is not emulated yet (rc is -ENOSYS so guests fall back). */
  readonly unimplemented: boolean;
}

export interface EvtchnDomainOptions {
  readonly domid: number;
  readonly nrVcpus: number;
  readonly memory: EvtchnGuestMemory;
  /** Privileged (control) domain: passes the XSM_TARGET checks on other domains (xsm/dummy.h). */
  readonly privileged?: boolean;
  /** XEN_DOMCTL_createdomain.max_evtchn_port; default: none beyond the ABI limit (libxl uses 1023). */
  readonly maxEvtchnPort?: number;
  readonly profile?: XenProfile;
  /** Launch `domainFlags.evtchnFifo` (default true). */
  readonly evtchnFifo?: boolean;
  /** Called when a vCPU's evtchn_upcall_pending goes 0 → 1 (vcpu_mark_events_pending → kick / HVM callback). */
  readonly upcall?: (vcpu: number) => void;
}

/** All domains' port tables, so interdomain channels can find their peer. */
export class EventChannelSystem {
  private readonly domains = new Map<number, EvtchnDomain>();
  /**
   * Optional owner of each global VIRQ (HEAD: get_global_virq_handler); when set and not the binding domain,
   * bind_virq fails with -EBUSY. Undefined → no ownership check.
   */
  globalVirqOwner?: (virq: number) => number | undefined;

  createDomain(opts: EvtchnDomainOptions): EvtchnDomain {
    if (this.domains.has(opts.domid)) throw new Error(`domain ${opts.domid} already has event channels`);
    const d = new EvtchnDomain(this, opts);
    this.domains.set(opts.domid, d);
    return d;
  }

  domain(domid: number): EvtchnDomain | undefined {
    return this.domains.get(domid);
  }

  destroyDomain(domid: number): void {
    const d = this.domains.get(domid);
    if (!d) return;
    d.closeAll();
    this.domains.delete(domid);
  }
}

export class EvtchnDomain {
  readonly domid: number;
  readonly nrVcpus: number;
  readonly memory: EvtchnGuestMemory;
  readonly privileged: boolean;
  readonly maxEvtchnPort: number;
  readonly profile: XenProfile | undefined;
  readonly fifoFlag: boolean;
  private readonly upcallHook: ((vcpu: number) => void) | undefined;
  /** Allocated buckets' channels; length is Xen's d->valid_evtchns. */
  private readonly chans: Channel[] = [];
  /** virq_to_evtchn per vCPU (xen/include/xen/sched.h struct vcpu). */
  private readonly virqToEvtchn: number[][];
  private readonly dummyVcpuInfo: ByteAccess;

  constructor(readonly system: EventChannelSystem, opts: EvtchnDomainOptions) {
    this.domid = opts.domid;
    this.nrVcpus = opts.nrVcpus;
    this.memory = opts.memory;
    this.privileged = opts.privileged ?? false;
    this.maxEvtchnPort = opts.maxEvtchnPort ?? 0xffffffff;
    this.profile = opts.profile;
    this.fifoFlag = opts.evtchnFifo ?? true;
    this.upcallHook = opts.upcall;
    this.virqToEvtchn = Array.from({ length: this.nrVcpus }, () => new Array<number>(NR_VIRQS).fill(0));
    const dummy = new DataView(new ArrayBuffer(64));
    this.dummyVcpuInfo = dummy;
    // evtchn_init (event_channel.c): allocate the first bucket and reserve port 0.
    this.growBucket();
    this.chans[0].state = 'reserved';
  }

  // ---- table helpers ----

  /** ABI capacity (event_channel.c max_evtchns): 2-level BITS_PER_EVTCHN_WORD². */
  get maxPorts(): number {
    return twoLevelMaxPorts(this.memory.abi);
  }

  /** port_is_valid: inside an allocated bucket. */
  portIsValid(port: number): boolean {
    return Number.isInteger(port) && port >= 0 && port < this.chans.length;
  }

  private growBucket(): void {
    for (let i = 0; i < EVTCHNS_PER_BUCKET; i++) this.chans.push(freeChannel());
  }

  /** get_free_port + evtchn_allocate_port: lowest free port; grows a bucket when all valid ports are used. */
  private getFreePort(): number {
    let port = 0;
    for (; port < this.chans.length; port++) {
      if (port > this.maxEvtchnPort) return -XenErrno.ENOSPC;
      if (this.chans[port].state === 'free') return port;
    }
    if (port > this.maxEvtchnPort || port >= this.maxPorts) return -XenErrno.ENOSPC;
    this.growBucket();
    return port;
  }

  private vcpuValid(vcpu: number): boolean {
    return Number.isInteger(vcpu) && vcpu >= 0 && vcpu < this.nrVcpus;
  }

  /** rcu_lock_domain_by_any_id: DOMID_SELF or an id. */
  private lookup(dom: number): EvtchnDomain | undefined {
    return dom === DOMID_SELF ? this : this.system.domain(dom);
  }

  /** xsm_default_action(XSM_TARGET): self or privileged, else -EPERM (xen/include/xsm/dummy.h). */
  private xsmTarget(target: EvtchnDomain): boolean {
    return target === this || this.privileged;
  }

  private vcpuInfoOf = (vcpu: number): ByteAccess => this.memory.vcpuInfo(vcpu) ?? this.dummyVcpuInfo;

  /** evtchn_port_set_pending on this domain's `port` for `vcpu`. */
  private setPending(vcpu: number, port: number): void {
    if (setPending2l(this.memory, this.vcpuInfoOf, vcpu, port)) this.upcallHook?.(vcpu);
  }

  /** evtchn_free: clear pending, back to free on vCPU 0. */
  private free(port: number): void {
    clearPending2l(this.memory, port);
    this.chans[port] = freeChannel();
  }

  // ---- introspection (debugger views, tests) ----

  portInfo(port: number): EvtchnPortInfo | undefined {
    if (!this.portIsValid(port)) return undefined;
    const c = this.chans[port];
    const base = { port, state: c.state, vcpu: c.notifyVcpu };
    switch (c.state) {
      case 'unbound': return { ...base, remoteDom: c.remoteDom };
      case 'interdomain': return { ...base, remoteDom: c.remoteDom, remotePort: c.remotePort };
      case 'virq': return { ...base, virq: c.virq };
      case 'pirq': return { ...base, pirq: c.pirq };
      default: return base;
    }
  }

  /** Every port not free (including reserved port 0). */
  ports(): EvtchnPortInfo[] {
    const out: EvtchnPortInfo[] = [];
    for (let p = 0; p < this.chans.length; p++) {
      if (this.chans[p].state !== 'free') out.push(this.portInfo(p)!);
    }
    return out;
  }

  isPending(port: number): boolean {
    return isPending2l(this.memory, port);
  }

  isMasked(port: number): boolean {
    return isMasked2l(this.memory, port);
  }

  virqPort(virq: number, vcpu = 0): number {
    return this.virqToEvtchn[vcpu]?.[virq] ?? 0;
  }

  // ---- EVTCHNOP_* ----

  /** EVTCHNOP_alloc_unbound (evtchn_alloc_unbound). */
  allocUnbound(dom: number, remoteDom: number): number {
    const d = this.lookup(dom);
    if (!d) return -XenErrno.ESRCH;
    const port = d.getFreePort();
    if (port < 0) return port;
    // XSM check comes after the port is found (event_channel.c); the port stays free on failure.
    if (!this.xsmTarget(d)) return -XenErrno.EPERM;
    const c = d.chans[port];
    c.state = 'unbound';
    c.remoteDom = remoteDom === DOMID_SELF ? this.domid : remoteDom;
    return port;
  }

  /** EVTCHNOP_bind_interdomain (evtchn_bind_interdomain); loopback to this domain allowed. */
  bindInterdomain(remoteDom: number, remotePort: number): number {
    const rd = this.lookup(remoteDom);
    if (!rd) return -XenErrno.ESRCH;
    const lport = this.getFreePort();
    if (lport < 0) return lport;
    if (!rd.portIsValid(remotePort)) return -XenErrno.EINVAL;
    const rchn = rd.chans[remotePort];
    if (rchn.state !== 'unbound' || rchn.remoteDom !== this.domid) return -XenErrno.EINVAL;
    const lchn = this.chans[lport];
    Object.assign(lchn, { state: 'interdomain', remoteDom: rd.domid, remotePort });
    Object.assign(rchn, { state: 'interdomain', remoteDom: this.domid, remotePort: lport });
    // Notifications sent while the remote port was unbound were dropped: Xen always marks the new port pending.
    this.setPending(lchn.notifyVcpu, lport);
    return lport;
  }

  /** EVTCHNOP_bind_virq (evtchn_bind_virq, guest path: port chosen by Xen). */
  bindVirq(virq: number, vcpu: number): number {
    if (!Number.isInteger(virq) || virq < 0 || virq >= NR_VIRQS) return -XenErrno.EINVAL;
    const global = virqIsGlobal(virq);
    if (global && vcpu !== 0) return -XenErrno.EINVAL;
    if (!this.vcpuValid(vcpu)) return -XenErrno.ENOENT;
    if (global) {
      // HEAD only: a global VIRQ handled by another domain (§5.3). [U] exact position of the check.
      const owner = this.system.globalVirqOwner?.(virq);
      if (owner !== undefined && owner !== this.domid) return -XenErrno.EBUSY;
    }
    if (this.virqToEvtchn[vcpu][virq] !== 0) return -XenErrno.EEXIST;
    const port = this.getFreePort();
    if (port < 0) return port;
    Object.assign(this.chans[port], { state: 'virq', notifyVcpu: vcpu, virq });
    this.virqToEvtchn[vcpu][virq] = port;
    return port;
  }

  /** EVTCHNOP_bind_ipi (evtchn_bind_ipi). */
  bindIpi(vcpu: number): number {
    if (!this.vcpuValid(vcpu)) return -XenErrno.ENOENT;
    const port = this.getFreePort();
    if (port < 0) return port;
    Object.assign(this.chans[port], { state: 'ipi', notifyVcpu: vcpu });
    return port;
  }

  /** EVTCHNOP_send (evtchn_send). */
  send(port: number): number {
    if (!this.portIsValid(port)) return -XenErrno.EINVAL;
    const c = this.chans[port];
    switch (c.state) {
      case 'interdomain': {
        const rd = this.system.domain(c.remoteDom);
        if (!rd) return 0; // peer torn down underneath us: nothing to notify
        rd.setPending(rd.chans[c.remotePort].notifyVcpu, c.remotePort);
        return 0;
      }
      case 'ipi':
        this.setPending(c.notifyVcpu, port);
        return 0;
      case 'unbound':
        return 0; // "silently drop the notification"
      default:
        return -XenErrno.EINVAL;
    }
  }

  /**
   * Debugger/toolstack: marks `port` pending on its notify vCPU, as a send from the port's other end would
   * (evtchn_port_set_pending). Returns 0, or -EINVAL for a port that is not allocated.
   */
  notifyFromRemote(port: number): number {
    if (!this.portIsValid(port)) return -XenErrno.EINVAL;
    const c = this.chans[port];
    if (c.state === 'free' || c.state === 'reserved') return -XenErrno.EINVAL;
    this.setPending(c.notifyVcpu, port);
    return 0;
  }

  /** Xen raising a VIRQ: send_guest_vcpu_virq (per-vCPU) / send_guest_global_virq (vCPU 0's binding). */
  raiseVirq(virq: number, vcpu = 0): boolean {
    if (virq < 0 || virq >= NR_VIRQS) return false;
    const v = virqIsGlobal(virq) ? 0 : vcpu;
    const port = this.virqToEvtchn[v]?.[virq] ?? 0;
    if (port === 0) return false;
    // Global VIRQs notify the port's (rebindable) vCPU; per-vCPU ones their own vCPU.
    this.setPending(virqIsGlobal(virq) ? this.chans[port].notifyVcpu : v, port);
    return true;
  }

  /** EVTCHNOP_close (evtchn_close). */
  close(port: number): number {
    if (!this.portIsValid(port)) return -XenErrno.EINVAL;
    const c = this.chans[port];
    switch (c.state) {
      case 'free':
      case 'reserved':
        return -XenErrno.EINVAL;
      case 'virq': {
        const v = virqIsGlobal(c.virq) ? 0 : c.notifyVcpu;
        this.virqToEvtchn[v][c.virq] = 0;
        break;
      }
      case 'interdomain': {
        // The peer goes back to unbound, still bindable by us (event_channel.c evtchn_close).
        const rd = this.system.domain(c.remoteDom);
        if (rd) Object.assign(rd.chans[c.remotePort], { state: 'unbound', remoteDom: this.domid, remotePort: 0 });
        break;
      }
      default:
        break;
    }
    this.free(port);
    return 0;
  }

  /** EVTCHNOP_status (evtchn_status). */
  status(dom: number, port: number): { rc: number; info?: EvtchnStatusInfo } {
    const d = this.lookup(dom);
    if (!d) return { rc: -XenErrno.ESRCH };
    if (!d.portIsValid(port)) return { rc: -XenErrno.EINVAL };
    if (!this.xsmTarget(d)) return { rc: -XenErrno.EPERM };
    const c = d.chans[port];
    const vcpu = c.notifyVcpu;
    switch (c.state) {
      case 'free':
      case 'reserved':
        return { rc: 0, info: { status: EVTCHNSTAT.closed, vcpu } };
      case 'unbound':
        return { rc: 0, info: { status: EVTCHNSTAT.unbound, vcpu, unboundDom: c.remoteDom } };
      case 'interdomain':
        return {
          rc: 0, info: { status: EVTCHNSTAT.interdomain, vcpu, interdomain: { dom: c.remoteDom, port: c.remotePort } },
        };
      case 'pirq':
        return { rc: 0, info: { status: EVTCHNSTAT.pirq, vcpu, pirq: c.pirq } };
      case 'virq':
        return { rc: 0, info: { status: EVTCHNSTAT.virq, vcpu, virq: c.virq } };
      case 'ipi':
        return { rc: 0, info: { status: EVTCHNSTAT.ipi, vcpu } };
    }
  }

  /** EVTCHNOP_bind_vcpu (evtchn_bind_vcpu): only unbound, interdomain, global VIRQ and PIRQ ports move. */
  bindVcpu(port: number, vcpu: number): number {
    if (!this.vcpuValid(vcpu)) return -XenErrno.ENOENT;
    if (!this.portIsValid(port)) return -XenErrno.EINVAL;
    const c = this.chans[port];
    switch (c.state) {
      case 'virq':
        if (!virqIsGlobal(c.virq)) return -XenErrno.EINVAL;
        c.notifyVcpu = vcpu;
        return 0;
      case 'unbound':
      case 'interdomain':
      case 'pirq':
        c.notifyVcpu = vcpu;
        return 0;
      default:
        return -XenErrno.EINVAL;
    }
  }

  /** EVTCHNOP_unmask (evtchn_unmask → evtchn_2l_unmask on the port's notify vCPU). */
  unmask(port: number): number {
    if (!this.portIsValid(port)) return -XenErrno.EINVAL;
    const vcpu = this.chans[port].notifyVcpu;
    if (unmask2l(this.memory, this.vcpuInfoOf, vcpu, port)) this.upcallHook?.(vcpu);
    return 0;
  }

  /** EVTCHNOP_reset (evtchn_reset): close every port of `dom`; another domain needs privilege [U: and a pause]. */
  reset(dom: number): number {
    const d = this.lookup(dom);
    if (!d) return -XenErrno.ESRCH;
    if (!this.xsmTarget(d)) return -XenErrno.EPERM;
    // event_channel.c: resetting a domain other than the caller requires it to be paused by its controller.
    if (d !== this) return -XenErrno.EINVAL;
    d.closeAll();
    return 0;
  }

  /** Closes every port (reset, domain destruction). */
  closeAll(): void {
    for (let p = 1; p < this.chans.length; p++) {
      if (this.chans[p].state !== 'free') this.close(p);
    }
  }

  // ---- FIFO sub-ops: availability only; the FIFO ABI itself comes later ----

  get fifoSupport(): FifoSupport {
    return fifoSupport(this.profile, this.fifoFlag);
  }

  /** EVTCHNOP_init_control (event_fifo.c evtchn_fifo_init_control argument checks). */
  initControl(vcpu: number, _controlGfn: bigint, offset: number): FifoInitResult {
    const no = (rc: number): FifoInitResult => ({ rc, linkBits: EVTCHN_FIFO_LINK_BITS, unimplemented: false });
    switch (this.fifoSupport) {
      case 'unknown-subop': return no(-XenErrno.ENOSYS);
      case 'compiled-out': return no(-XenErrno.EOPNOTSUPP);
      case 'available': break;
    }
    if (!this.vcpuValid(vcpu)) return no(-XenErrno.ENOENT);
    if (offset > 4096 - EVTCHN_FIFO_CONTROL_BLOCK_SIZE || (offset & 7) !== 0) return no(-XenErrno.EINVAL);
    return { rc: -XenErrno.ENOSYS, linkBits: EVTCHN_FIFO_LINK_BITS, unimplemented: true };
  }

  /** EVTCHNOP_expand_array: without a successful init_control, the profile's errno (§5.3, a66765eb06). */
  expandArray(_arrayGfn: bigint): number {
    switch (this.fifoSupport) {
      case 'unknown-subop': return -XenErrno.ENOSYS;
      case 'compiled-out': return -XenErrno.EOPNOTSUPP;
      case 'available': return -(this.profile?.fifoExpandWithoutInitErrno ?? XenErrno.EOPNOTSUPP);
    }
  }

  /** EVTCHNOP_set_priority: bad port -EINVAL, then the 2-level ABI has no set_priority hook → -ENOSYS. */
  setPriority(port: number, _priority: number): number {
    if (this.fifoSupport === 'unknown-subop') return -XenErrno.ENOSYS;
    if (!this.portIsValid(port)) return -XenErrno.EINVAL;
    // Under FIFO a priority above EVTCHN_FIFO_PRIORITY_MIN would be -EINVAL; never reached while 2-level.
    return -XenErrno.ENOSYS;
  }
}
