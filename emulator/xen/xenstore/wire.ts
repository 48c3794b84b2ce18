/**
 * The xenstore wire protocol (io/xs_wire.h): `struct xsd_sockmsg` framing and request dispatch onto the
 * store. Payloads are NUL-separated strings; replies follow xenstored's conventions (which replies carry a
 * trailing NUL and which do not matter to clients that check lengths).
 */
import { XenErrno } from '../errno';
import {
  XENSTORE_PAYLOAD_MAX, XSD_ERROR_NAMES, XenStore, XsConnection, XsError, XsErrorName, domainPath, formatPerm,
  parsePerm,
} from './store';

/** enum xsd_sockmsg_type. */
export const XsType = {
  XS_CONTROL: 0, XS_DEBUG: 0, XS_DIRECTORY: 1, XS_READ: 2, XS_GET_PERMS: 3, XS_WATCH: 4, XS_UNWATCH: 5,
  XS_TRANSACTION_START: 6, XS_TRANSACTION_END: 7, XS_INTRODUCE: 8, XS_RELEASE: 9, XS_GET_DOMAIN_PATH: 10,
  XS_WRITE: 11, XS_MKDIR: 12, XS_RM: 13, XS_SET_PERMS: 14, XS_WATCH_EVENT: 15, XS_ERROR: 16,
  XS_IS_DOMAIN_INTRODUCED: 17, XS_RESUME: 18, XS_SET_TARGET: 19, XS_RESET_WATCHES: 21, XS_DIRECTORY_PART: 22,
  XS_INVALID: 0xffff,
} as const;

/** Name of a message type for traces (`XS_READ`), or the number if unknown. */
export function xsTypeName(type: number): string {
  const hit = Object.entries(XsType).find(([k, v]) => v === type && k !== 'XS_DEBUG');
  return hit ? hit[0] : String(type);
}

/** xsd_errors as (errnum, string) pairs; errnums are Xen's (= Linux's) errno values. */
export const XSD_ERRORS: readonly { readonly errnum: number; readonly name: XsErrorName }[] =
  XSD_ERROR_NAMES.map((name) => ({ errnum: XenErrno[name], name }));

export const XSD_SOCKMSG_SIZE = 16;

export interface XsMessage {
  readonly type: number;
  readonly reqId: number;
  readonly txId: number;
  readonly payload: Uint8Array;
}

/** Header + payload, little-endian as on x86. */
export function encodeMessage(m: XsMessage): Uint8Array {
  const out = new Uint8Array(XSD_SOCKMSG_SIZE + m.payload.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, m.type, true);
  dv.setUint32(4, m.reqId >>> 0, true);
  dv.setUint32(8, m.txId >>> 0, true);
  dv.setUint32(12, m.payload.length, true);
  out.set(m.payload, XSD_SOCKMSG_SIZE);
  return out;
}

export interface XsHeader {
  readonly type: number;
  readonly reqId: number;
  readonly txId: number;
  readonly len: number;
}

export function decodeHeader(bytes: Uint8Array): XsHeader {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, XSD_SOCKMSG_SIZE);
  return { type: dv.getUint32(0, true), reqId: dv.getUint32(4, true), txId: dv.getUint32(8, true), len: dv.getUint32(12, true) };
}

// Paths are restricted to ASCII; tokens and values are passed through byte-for-byte via latin1.
const latin1 = new TextDecoder('latin1');
const bytesOf = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);

/** Strings each followed by NUL, concatenated. */
export function nulStrings(...parts: readonly string[]): Uint8Array {
  return bytesOf(parts.map((p) => `${p}\0`).join(''));
}

/** Split a payload into its NUL-terminated strings; EINVAL unless the last one is terminated. */
function strings(payload: Uint8Array): string[] {
  if (payload.length === 0 || payload[payload.length - 1] !== 0) throw new XsError('EINVAL', 'unterminated string');
  return latin1.decode(payload.subarray(0, payload.length - 1)).split('\0');
}

function oneArg(payload: Uint8Array): string {
  const s = strings(payload);
  if (s.length !== 1) throw new XsError('EINVAL', 'expected one argument');
  return s[0];
}

function nArgs(payload: Uint8Array, n: number): string[] {
  const s = strings(payload);
  if (s.length !== n) throw new XsError('EINVAL', `expected ${n} arguments`);
  return s;
}

const OK = nulStrings('OK');

const watchEvent = (path: string, token: string): XsMessage =>
  ({ type: XsType.XS_WATCH_EVENT, reqId: 0, txId: 0, payload: nulStrings(path, token) });

/** Map a store error (or anything else, which is a daemon bug) to xsd_errors' name. */
export function errorReply(req: XsHeader, err: unknown): XsMessage {
  const name: XsErrorName = err instanceof XsError ? err.errname : 'EIO';
  return { type: XsType.XS_ERROR, reqId: req.reqId, txId: req.txId, payload: nulStrings(name) };
}

/**
 * One guest's protocol session: turns a request into its reply. Watch events for this connection are
 * handed to `onEvent` as ready-to-send messages (req_id 0, tx_id 0, payload "path\0token\0").
 */
export class XsSession {
  readonly conn: XsConnection;

  constructor(readonly store: XenStore, domid: number, onEvent: (m: XsMessage) => void, privileged = false) {
    this.conn = store.connect(domid, privileged);
    this.conn.onWatchEvent = (path, token) => onEvent(watchEvent(path, token));
  }

  /**
   * Handle one request: the reply, then any messages that must follow it (the initial watch event).
   * Events fired by the request itself reach `onEvent` during the call, i.e. ahead of the reply, as in
   * xenstored where fire_watches runs before send_ack. Replies larger than XENSTORE_PAYLOAD_MAX become
   * E2BIG, as in xenstored's send_reply.
   */
  handle(req: XsHeader, payload: Uint8Array): XsMessage[] {
    const after: XsMessage[] = [];
    let body: Uint8Array;
    try {
      body = this.dispatch(req, payload, after);
    } catch (e) {
      return [errorReply(req, e)];
    }
    if (body.length > XENSTORE_PAYLOAD_MAX) return [errorReply(req, new XsError('E2BIG'))];
    return [{ type: req.type, reqId: req.reqId, txId: req.txId, payload: body }, ...after];
  }

  private dispatch(req: XsHeader, p: Uint8Array, after: XsMessage[]): Uint8Array {
    const { store, conn } = this;
    const tx = req.txId;
    switch (req.type) {
      case XsType.XS_READ:
        return store.read(conn, tx, oneArg(p));
      case XsType.XS_WRITE: {
        // "path\0value": the value is raw bytes, not terminated.
        const nul = p.indexOf(0);
        if (nul < 0) throw new XsError('EINVAL', 'no path terminator');
        store.write(conn, tx, latin1.decode(p.subarray(0, nul)), p.slice(nul + 1));
        return OK;
      }
      case XsType.XS_MKDIR:
        store.mkdir(conn, tx, oneArg(p));
        return OK;
      case XsType.XS_RM:
        store.rm(conn, tx, oneArg(p));
        return OK;
      case XsType.XS_DIRECTORY:
        return nulStrings(...store.directory(conn, tx, oneArg(p)).children);
      case XsType.XS_DIRECTORY_PART:
        return this.directoryPart(tx, p);
      case XsType.XS_GET_PERMS:
        return nulStrings(...store.getPerms(conn, tx, oneArg(p)).map(formatPerm));
      case XsType.XS_SET_PERMS: {
        const [path, ...perms] = strings(p);
        store.setPerms(conn, tx, path, perms.map(parsePerm));
        return OK;
      }
      case XsType.XS_WATCH: {
        const [path, token] = nArgs(p, 2);
        const w = store.watch(conn, path, token);
        // The first event fires straight away, after the ack (xenstored do_watch), so clients need no
        // separate initial read.
        after.push(watchEvent(store.eventPath(conn, w, w.path), w.token));
        return OK;
      }
      case XsType.XS_UNWATCH: {
        const [path, token] = nArgs(p, 2);
        store.unwatch(conn, path, token);
        return OK;
      }
      case XsType.XS_TRANSACTION_START:
        if (tx !== 0) throw new XsError('EBUSY', 'nested transaction');
        oneArg(p);
        return nulStrings(String(store.transactionStart(conn)));
      case XsType.XS_TRANSACTION_END: {
        const arg = oneArg(p);
        if (arg !== 'T' && arg !== 'F') throw new XsError('EINVAL', 'expected T or F');
        store.transactionEnd(conn, tx, arg === 'T');
        return OK;
      }
      case XsType.XS_GET_DOMAIN_PATH: {
        const d = oneArg(p);
        if (!/^\d{1,5}$/.test(d) || Number(d) > 0xffff) throw new XsError('EINVAL', 'bad domid');
        return nulStrings(domainPath(Number(d)));
      }
      case XsType.XS_RESET_WATCHES:
        store.resetConnection(conn);
        return OK;
      case XsType.XS_CONTROL:
      case XsType.XS_INTRODUCE:
      case XsType.XS_RELEASE:
      case XsType.XS_IS_DOMAIN_INTRODUCED:
      case XsType.XS_RESUME:
      case XsType.XS_SET_TARGET:
        // Toolstack-only operations: a guest gets EACCES, as from xenstored.
        if (!conn.privileged) throw new XsError('EACCES');
        throw new XsError('ENOSYS');
      default:
        // XS_WATCH_EVENT, XS_ERROR and unknown types from a client.
        throw new XsError('EINVAL', `bad message type ${req.type}`);
    }
  }

  /**
   * XS_DIRECTORY_PART "path\0offset\0" → "<gen>\0" then as many child names (each NUL-terminated) from
   * byte `offset` of the full list as fit, with an extra NUL when the list ends within this reply.
   */
  private directoryPart(tx: number, p: Uint8Array): Uint8Array {
    const [path, offStr] = nArgs(p, 2);
    if (!/^\d+$/.test(offStr)) throw new XsError('EINVAL', 'bad offset');
    const { children, gen } = this.store.directory(this.conn, tx, path);
    const all = nulStrings(...children);
    const off = Number(offStr);
    if (off > all.length) throw new XsError('EINVAL', 'offset beyond list');
    const head = nulStrings(String(gen));
    const room = XENSTORE_PAYLOAD_MAX - head.length - 1;
    let end = off;
    while (end < all.length) {
      const next = all.indexOf(0, end) + 1;
      if (next - off > room) break;
      end = next;
    }
    const done = end === all.length;
    const out = new Uint8Array(head.length + (end - off) + (done ? 1 : 0));
    out.set(head, 0);
    out.set(all.subarray(off, end), head.length);
    return out;
  }
}

