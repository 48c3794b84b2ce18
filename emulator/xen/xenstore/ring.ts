/**
 * The daemon end of a guest's XenStore ring: a byte view of the guest's `struct xenstore_domain_interface`
 * page (io/xs_wire.h). Requests are read from req[] between req_cons and req_prod, replies and watch events
 * written to rsp[] from rsp_prod up to the guest's rsp_cons. Indexes are free-running uint32 and masked
 * with MASK_XENSTORE_IDX. Partial messages on either side are carried over to the next poll.
 *
 * Also implements the reconnection and error fields (docs/misc/xenstore-ring.txt).
 */
import { Layout, fieldOf, layoutOf } from '../abi/layout';
import { XENSTORE_RING_SIZE, xenstore_domain_interface } from '../abi/structs';
import { XENSTORE_PAYLOAD_MAX, XenStore } from './store';
import { XSD_SOCKMSG_SIZE, XsMessage, XsSession, decodeHeader, encodeMessage } from './wire';

export const XENSTORE_SERVER_FEATURE_RECONNECTION = 1;
export const XENSTORE_SERVER_FEATURE_ERROR = 2;
export const XENSTORE_CONNECTED = 0;
export const XENSTORE_RECONNECT = 1;
export const XENSTORE_ERROR_NONE = 0;
export const XENSTORE_ERROR_COMM = 1;
export const XENSTORE_ERROR_RINGIDX = 2;
export const XENSTORE_ERROR_PROTO = 3;

export const MASK_XENSTORE_IDX = (idx: number): number => idx & (XENSTORE_RING_SIZE - 1);

export interface RingPollResult {
  /** The guest must be sent an event: we consumed request bytes, produced reply bytes, or reconnected. */
  readonly notify: boolean;
  readonly consumed: number;
  readonly produced: number;
}

/** Field offsets; identical for 64- and 32-bit guests (only chars and uint32s). */
function offsets(l: Layout) {
  const at = (name: string): number => fieldOf(l, name).offset;
  return {
    req: at('req'), rsp: at('rsp'), reqCons: at('req_cons'), reqProd: at('req_prod'), rspCons: at('rsp_cons'),
    rspProd: at('rsp_prod'), features: at('server_features'), connection: at('connection'), error: at('error'),
    size: l.size,
  };
}

export class XenStoreRing {
  readonly session: XsSession;
  private readonly dv: DataView;
  private readonly off = offsets(layoutOf(xenstore_domain_interface, 'x86_64'));
  /** Bytes of the request being assembled. */
  private inBuf = new Uint8Array(0);
  /** Encoded messages waiting for ring space; the first may be partly sent. */
  private readonly outQueue: Uint8Array[] = [];
  private outSent = 0;

  /** `page` is the guest's ring page (at least sizeof(struct xenstore_domain_interface) bytes). */
  constructor(readonly page: Uint8Array, readonly store: XenStore, readonly domid: number) {
    if (page.length < this.off.size) throw new RangeError(`xenstore ring needs ${this.off.size} bytes, got ${page.length}`);
    this.dv = new DataView(page.buffer, page.byteOffset, page.byteLength);
    this.session = new XsSession(store, domid, (m) => this.queue(m));
    // Advertised as xenstored does when it introduces a domain.
    this.set32(this.off.features, XENSTORE_SERVER_FEATURE_RECONNECTION | XENSTORE_SERVER_FEATURE_ERROR);
  }

  /** Bytes of replies/events not yet written into rsp[] (waiting for the guest to consume). */
  get pendingOutput(): number {
    return this.outQueue.reduce((s, m) => s + m.length, 0) - this.outSent;
  }

  /** The ring is unusable after a protocol or index error (the `error` field is set). */
  get broken(): boolean {
    return this.get32(this.off.error) !== XENSTORE_ERROR_NONE;
  }

  /**
   * Run the daemon side once: handle a reconnection request, consume all complete requests, and write
   * as much pending output as fits. Call when the guest notifies the store event channel and whenever
   * the store may have queued watch events for this domain.
   */
  poll(): RingPollResult {
    if (this.broken) return { notify: false, consumed: 0, produced: 0 };
    let notify = false;
    if (this.get32(this.off.connection) === XENSTORE_RECONNECT) {
      this.reconnect();
      notify = true;
    }
    let consumed = 0;
    let produced = 0;
    for (;;) {
      const p = this.flush();
      const c = this.consume();
      produced += p;
      consumed += c;
      if ((p === 0 && c === 0) || this.broken) break;
    }
    if (!this.broken) produced += this.flush();
    return { notify: notify || consumed > 0 || produced > 0, consumed, produced };
  }

  private reconnect(): void {
    // Forget everything in flight, reset indexes, then declare the ring connected again.
    this.store.resetConnection(this.session.conn);
    this.inBuf = new Uint8Array(0);
    this.outQueue.length = 0;
    this.outSent = 0;
    for (const o of [this.off.reqCons, this.off.reqProd, this.off.rspCons, this.off.rspProd]) this.set32(o, 0);
    this.set32(this.off.connection, XENSTORE_CONNECTED);
  }

  private queue(m: XsMessage): void {
    this.outQueue.push(encodeMessage(m));
  }

  private fail(code: number): void {
    this.set32(this.off.error, code);
  }

  /** Read available request bytes, dispatching each complete message. Returns bytes consumed. */
  private consume(): number {
    const cons = this.get32(this.off.reqCons);
    const prod = this.get32(this.off.reqProd);
    const avail = (prod - cons) >>> 0;
    if (avail > XENSTORE_RING_SIZE) {
      this.fail(XENSTORE_ERROR_RINGIDX);
      return 0;
    }
    let taken = 0;
    while (taken < avail) {
      // Take only what the current message needs, so each message is handled before reading the next.
      const need = this.bytesNeeded();
      if (need < 0) return taken;
      const n = Math.min(need, avail - taken);
      const chunk = new Uint8Array(n);
      for (let i = 0; i < n; i++) chunk[i] = this.page[this.off.req + MASK_XENSTORE_IDX(cons + taken + i)];
      const merged = new Uint8Array(this.inBuf.length + n);
      merged.set(this.inBuf, 0);
      merged.set(chunk, this.inBuf.length);
      this.inBuf = merged;
      taken += n;
      this.set32(this.off.reqCons, (cons + taken) >>> 0);
      if (this.bytesNeeded() === 0) this.dispatch();
      if (this.broken) return taken;
    }
    return taken;
  }

  /** Bytes still missing from the current message; -1 if its header announces an oversized payload. */
  private bytesNeeded(): number {
    if (this.inBuf.length < XSD_SOCKMSG_SIZE) return XSD_SOCKMSG_SIZE - this.inBuf.length;
    const h = decodeHeader(this.inBuf);
    if (h.len > XENSTORE_PAYLOAD_MAX) {
      // xenstored drops such a client; with the error feature it says why.
      this.fail(XENSTORE_ERROR_PROTO);
      return -1;
    }
    return XSD_SOCKMSG_SIZE + h.len - this.inBuf.length;
  }

  private dispatch(): void {
    const h = decodeHeader(this.inBuf);
    const payload = this.inBuf.slice(XSD_SOCKMSG_SIZE);
    this.inBuf = new Uint8Array(0);
    for (const m of this.session.handle(h, payload)) this.queue(m);
  }

  /** Copy queued output into rsp[] while there is room. Returns bytes produced. */
  private flush(): number {
    const cons = this.get32(this.off.rspCons);
    let prod = this.get32(this.off.rspProd);
    const used = (prod - cons) >>> 0;
    if (used > XENSTORE_RING_SIZE) {
      this.fail(XENSTORE_ERROR_RINGIDX);
      return 0;
    }
    let room = XENSTORE_RING_SIZE - used;
    let produced = 0;
    while (room > 0 && this.outQueue.length > 0) {
      const m = this.outQueue[0];
      const n = Math.min(room, m.length - this.outSent);
      for (let i = 0; i < n; i++) this.page[this.off.rsp + MASK_XENSTORE_IDX(prod + i)] = m[this.outSent + i];
      prod = (prod + n) >>> 0;
      room -= n;
      produced += n;
      this.outSent += n;
      if (this.outSent === m.length) {
        this.outQueue.shift();
        this.outSent = 0;
      }
    }
    // Data before index: callers see the bytes once rsp_prod moves (the page is shared memory).
    if (produced > 0) this.set32(this.off.rspProd, prod);
    return produced;
  }

  private get32(off: number): number {
    return this.dv.getUint32(off, true);
  }

  private set32(off: number, v: number): void {
    this.dv.setUint32(off, v >>> 0, true);
  }
}
