/**
 * XenStore daemon through the shared ring, as a guest sees it: requests are written into a byte array
 * laid out as `struct xenstore_domain_interface`, the backend is polled, replies are parsed from rsp[].
 */
import * as assert from 'node:assert/strict';
import { fieldOf, layoutOf } from '../../emulator/xen/abi/layout';
import { xenstore_domain_interface } from '../../emulator/xen/abi/structs';
import { populateDomainPaths } from '../../emulator/xen/xenstore/domain-paths';
import {
  XENSTORE_ERROR_PROTO, XENSTORE_ERROR_RINGIDX, XENSTORE_RECONNECT, XenStoreRing,
} from '../../emulator/xen/xenstore/ring';
import { XenStore } from '../../emulator/xen/xenstore/store';
import { XSD_ERRORS, XsType, decodeHeader, encodeMessage } from '../../emulator/xen/xenstore/wire';

const L = layoutOf(xenstore_domain_interface, 'x86_64');
const OFF = Object.fromEntries(L.order.map((n) => [n, fieldOf(L, n).offset])) as Record<string, number>;
const DOMID = 5;
const bytes = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const str = (b: Uint8Array): string => String.fromCharCode(...b);

interface Reply { type: number; reqId: number; txId: number; payload: string; raw: Uint8Array }

/** The guest side of the ring. */
class Guest {
  readonly page = new Uint8Array(4096);
  readonly dv = new DataView(this.page.buffer);
  readonly ring: XenStoreRing;
  private reqId = 100;
  private rx: number[] = [];

  constructor(readonly store: XenStore, domid = DOMID) {
    this.ring = new XenStoreRing(this.page, store, domid);
  }

  get(name: string): number { return this.dv.getUint32(OFF[name], true); }
  set(name: string, v: number): void { this.dv.setUint32(OFF[name], v >>> 0, true); }

  /** Put raw bytes into req[] (no poll). */
  push(b: Uint8Array): void {
    const prod = this.get('req_prod');
    assert.ok(b.length <= 1024 - ((prod - this.get('req_cons')) >>> 0), 'guest would overrun req ring');
    for (let i = 0; i < b.length; i++) this.page[OFF.req + ((prod + i) & 1023)] = b[i];
    this.set('req_prod', prod + b.length);
  }

  encode(type: number, payload: Uint8Array | string, txId = 0): Uint8Array {
    const p = typeof payload === 'string' ? bytes(payload) : payload;
    return encodeMessage({ type, reqId: ++this.reqId, txId, payload: p });
  }

  /** Drain rsp[] into complete messages. */
  take(): Reply[] {
    let cons = this.get('rsp_cons');
    const prod = this.get('rsp_prod');
    while (cons !== prod) { this.rx.push(this.page[OFF.rsp + (cons & 1023)]); cons = (cons + 1) >>> 0; }
    this.set('rsp_cons', cons);
    const out: Reply[] = [];
    while (this.rx.length >= 16) {
      const h = decodeHeader(Uint8Array.from(this.rx.slice(0, 16)));
      if (this.rx.length < 16 + h.len) break;
      const raw = Uint8Array.from(this.rx.splice(0, 16 + h.len));
      out.push({ type: h.type, reqId: h.reqId, txId: h.txId, payload: str(raw.subarray(16)), raw });
    }
    return out;
  }

  /** Send one request, poll, return everything that came back (events included). */
  call(type: number, payload: Uint8Array | string, txId = 0): Reply[] {
    const msg = this.encode(type, payload, txId);
    const out: Reply[] = [];
    // Messages longer than req[] go in pieces, each as soon as the daemon has made room.
    for (let sent = 0; sent < msg.length;) {
      const room = 1024 - ((this.get('req_prod') - this.get('req_cons')) >>> 0);
      const n = Math.min(room, msg.length - sent);
      this.push(msg.subarray(sent, sent + n));
      sent += n;
      if (sent < msg.length) this.ring.poll();
    }
    // Keep consuming like a guest would until a long reply has fully arrived.
    do {
      this.ring.poll();
      out.push(...this.take());
    } while (this.ring.pendingOutput > 0);
    return out;
  }

  /** The reply to one request (the last non-event message), asserting it is not an error. */
  ok(type: number, payload: Uint8Array | string, txId = 0): string {
    const r = this.call(type, payload, txId).filter((m) => m.type !== XsType.XS_WATCH_EVENT);
    assert.equal(r.length, 1);
    assert.notEqual(r[0].type, XsType.XS_ERROR, `unexpected error ${r[0].payload}`);
    assert.equal(r[0].type, type);
    return r[0].payload;
  }

  err(type: number, payload: Uint8Array | string, txId = 0): string {
    const r = this.call(type, payload, txId).filter((m) => m.type !== XsType.XS_WATCH_EVENT);
    assert.equal(r.length, 1);
    assert.equal(r[0].type, XsType.XS_ERROR, `expected an error, got ${JSON.stringify(r[0].payload)}`);
    assert.ok(r[0].payload.endsWith('\0'));
    return r[0].payload.slice(0, -1);
  }
}

function setup(): { store: XenStore; g: Guest } {
  const store = new XenStore();
  populateDomainPaths(store, {
    domid: DOMID, name: 'guest', maxMemKiB: 131072, vcpus: 2, storeRingRef: 0x1234, storePort: 1,
    consoleRingRef: 0x1235, consolePort: 2,
  });
  return { store, g: new Guest(store) };
}

const W = (path: string, value: string): string => `${path}\0${value}`;
const z = (...s: string[]): string => s.map((x) => `${x}\0`).join('');

describe('xenstore: wire format', () => {
  it('xenstore_domain_interface offsets match xs_wire.h', () => {
    assert.deepEqual([OFF.req, OFF.rsp, OFF.req_cons, OFF.req_prod, OFF.rsp_cons, OFF.rsp_prod, OFF.server_features,
      OFF.connection, OFF.error], [0, 1024, 2048, 2052, 2056, 2060, 2064, 2068, 2072]);
  });

  it('XS_READ reply is byte-exact: xsd_sockmsg {type, req_id, tx_id, len} LE then the raw value', () => {
    const { g } = setup();
    g.push(encodeMessage({ type: XsType.XS_READ, reqId: 0xdeadbeef, txId: 0, payload: bytes('domid\0') }));
    assert.deepEqual(g.ring.poll(), { notify: true, consumed: 22, produced: 17 });
    assert.equal(g.get('req_cons'), 22);
    assert.equal(g.get('rsp_prod'), 17);
    assert.deepEqual([...g.page.subarray(1024, 1024 + 17)], [
      2, 0, 0, 0, 0xef, 0xbe, 0xad, 0xde, 0, 0, 0, 0, 1, 0, 0, 0, 0x35, // "5", no NUL
    ]);
  });

  it('XS_ERROR carries the xsd_errors string with its NUL', () => {
    const { g } = setup();
    g.push(encodeMessage({ type: XsType.XS_READ, reqId: 7, txId: 0, payload: bytes('nope\0') }));
    g.ring.poll();
    assert.deepEqual([...g.page.subarray(1024, 1024 + 23)], [
      16, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, ...bytes('ENOENT\0'),
    ]);
  });

  it('xsd_errors numbers are the errno values', () => {
    assert.deepEqual(XSD_ERRORS.slice(0, 5).map((e) => [e.name, e.errnum]),
      [['EINVAL', 22], ['EACCES', 13], ['EEXIST', 17], ['EISDIR', 21], ['ENOENT', 2]]);
    assert.equal(XSD_ERRORS.length, 16);
  });

  it('advertises reconnection and error features', () => {
    const { g } = setup();
    assert.equal(g.get('server_features'), 3);
  });
});

describe('xenstore: ring mechanics', () => {
  it('handles a request split across the ring end and the uint32 index wrap, sent in two halves', () => {
    const { g } = setup();
    for (const f of ['req_cons', 'req_prod', 'rsp_cons', 'rsp_prod']) g.set(f, 0xfffffff8);
    const msg = g.encode(XsType.XS_READ, 'name\0');
    g.push(msg.subarray(0, 10)); // header split: 8 bytes at the end of req[], 2 at the start
    const first = g.ring.poll();
    assert.equal(first.consumed, 10);
    assert.equal(first.produced, 0);
    assert.equal(g.take().length, 0);
    g.push(msg.subarray(10));
    g.ring.poll();
    assert.equal(g.get('req_cons'), (0xfffffff8 + msg.length) >>> 0);
    const r = g.take();
    assert.equal(r.length, 1);
    assert.equal(r[0].payload, 'guest');
    assert.equal(g.get('rsp_prod'), (0xfffffff8 + 16 + 5) >>> 0); // reply wrapped too
  });

  it('holds back a reply that does not fit until the guest consumes rsp[]', () => {
    const { g } = setup();
    const big = 'x'.repeat(700);
    g.ok(XsType.XS_WRITE, W('data/big', big));
    g.push(g.encode(XsType.XS_READ, 'data/big\0'));
    g.push(g.encode(XsType.XS_READ, 'data/big\0'));
    const p1 = g.ring.poll();
    assert.equal(p1.produced, 1024); // first reply (716) + 308 bytes of the second
    assert.equal(g.ring.pendingOutput, 2 * 716 - 1024);
    assert.equal(g.ring.poll().notify, false); // no room, nothing new
    const r1 = g.take(); // guest consumes, frees space
    assert.equal(r1.length, 1);
    assert.equal(r1[0].payload, big);
    assert.equal(g.ring.poll().produced, 2 * 716 - 1024);
    const r2 = g.take();
    assert.equal(r2.length, 1);
    assert.equal(r2[0].payload, big);
    assert.equal(g.ring.pendingOutput, 0);
  });

  it('several requests in one batch are answered in order with their req_ids', () => {
    const { g } = setup();
    const a = g.encode(XsType.XS_READ, 'domid\0');
    const b = g.encode(XsType.XS_READ, 'name\0');
    g.push(a);
    g.push(b);
    g.ring.poll();
    const r = g.take();
    assert.deepEqual(r.map((m) => [m.reqId, m.payload]), [[decodeHeader(a).reqId, '5'], [decodeHeader(b).reqId, 'guest']]);
  });

  it('payload longer than XENSTORE_PAYLOAD_MAX is a protocol error', () => {
    const { g } = setup();
    const hdr = new Uint8Array(16);
    new DataView(hdr.buffer).setUint32(12, 4097, true);
    g.push(hdr);
    g.ring.poll();
    assert.equal(g.get('error'), XENSTORE_ERROR_PROTO);
    assert.ok(g.ring.broken);
  });

  it('bad producer index is a ring index error', () => {
    const { g } = setup();
    g.set('req_prod', 2000);
    g.ring.poll();
    assert.equal(g.get('error'), XENSTORE_ERROR_RINGIDX);
  });

  it('reconnection resets indexes, watches and transactions', () => {
    const { g } = setup();
    g.ok(XsType.XS_WATCH, z('data', 'tok'));
    const tx = g.ok(XsType.XS_TRANSACTION_START, '\0').slice(0, -1);
    g.set('connection', XENSTORE_RECONNECT);
    assert.ok(g.ring.poll().notify);
    assert.equal(g.get('connection'), 0);
    assert.deepEqual(['req_cons', 'req_prod', 'rsp_cons', 'rsp_prod'].map((f) => g.get(f)), [0, 0, 0, 0]);
    assert.equal(g.err(XsType.XS_TRANSACTION_END, 'T\0', Number(tx)), 'ENOENT');
    assert.deepEqual(g.call(XsType.XS_WRITE, W('data/x', '1')).map((m) => m.type), [XsType.XS_WRITE]);
  });
});

describe('xenstore: operations', () => {
  it('standard domain paths are populated and readable by the guest', () => {
    const { g } = setup();
    assert.equal(g.ok(XsType.XS_READ, 'name\0'), 'guest');
    assert.equal(g.ok(XsType.XS_READ, '/local/domain/5/domid\0'), '5');
    assert.equal(g.ok(XsType.XS_READ, 'memory/target\0'), '131072');
    assert.equal(g.ok(XsType.XS_READ, 'memory/static-max\0'), '131072');
    assert.equal(g.ok(XsType.XS_READ, 'console/ring-ref\0'), String(0x1235));
    assert.equal(g.ok(XsType.XS_READ, 'console/port\0'), '2');
    assert.equal(g.ok(XsType.XS_READ, 'store/ring-ref\0'), String(0x1234));
    assert.equal(g.ok(XsType.XS_READ, 'store/port\0'), '1');
    assert.equal(g.ok(XsType.XS_READ, 'cpu/1/availability\0'), 'online');
    assert.equal(g.ok(XsType.XS_GET_PERMS, '/local/domain/5\0'), z('n0', 'r5'));
    assert.equal(g.ok(XsType.XS_GET_PERMS, 'control/shutdown\0'), z('n5'));
  });

  it('write, read, mkdir, directory, rm', () => {
    const { g } = setup();
    assert.equal(g.ok(XsType.XS_WRITE, W('data/a/b', 'hello')), z('OK'));
    assert.equal(g.ok(XsType.XS_READ, 'data/a/b\0'), 'hello');
    assert.equal(g.ok(XsType.XS_READ, 'data/a\0'), ''); // implicit parent, empty value
    assert.equal(g.ok(XsType.XS_MKDIR, 'data/c\0'), z('OK'));
    assert.equal(g.ok(XsType.XS_MKDIR, 'data/c\0'), z('OK')); // existing is fine
    assert.equal(g.ok(XsType.XS_WRITE, W('data/empty', '')), z('OK'));
    assert.equal(g.ok(XsType.XS_DIRECTORY, 'data\0'), z('a', 'c', 'empty'));
    assert.equal(g.ok(XsType.XS_DIRECTORY, 'data/c\0'), '');
    // Values are raw bytes, NULs included.
    assert.equal(g.ok(XsType.XS_WRITE, Uint8Array.from([...bytes('data/bin\0'), 0, 255, 0])), z('OK'));
    assert.equal(g.ok(XsType.XS_READ, 'data/bin\0'), '\0\xff\0');
    assert.equal(g.ok(XsType.XS_RM, 'data/a\0'), z('OK'));
    assert.equal(g.err(XsType.XS_READ, 'data/a/b\0'), 'ENOENT');
    assert.equal(g.ok(XsType.XS_RM, 'data/a\0'), z('OK')); // missing with existing parent: OK
    assert.equal(g.err(XsType.XS_RM, 'data/a/b/c\0'), 'ENOENT');
    assert.equal(g.ok(XsType.XS_DIRECTORY, '/local/domain/5/data\0'), z('c', 'empty', 'bin'));
    assert.equal(g.ok(XsType.XS_GET_PERMS, 'data/c\0'), z('n5'));
  });

  it('set_perms by the owner; EPERM to give a node away; EACCES for others', () => {
    const { store, g } = setup();
    g.ok(XsType.XS_WRITE, W('data/shared', 'v'));
    assert.equal(g.ok(XsType.XS_SET_PERMS, z('data/shared', 'n5', 'r7')), z('OK'));
    assert.equal(g.ok(XsType.XS_GET_PERMS, 'data/shared\0'), z('n5', 'r7'));
    assert.equal(g.err(XsType.XS_SET_PERMS, z('data/shared', 'b0')), 'EPERM');
    assert.equal(g.err(XsType.XS_SET_PERMS, z('data/shared', 'x5')), 'EINVAL');
    const other = new Guest(store, 7);
    assert.equal(other.ok(XsType.XS_READ, '/local/domain/5/data/shared\0'), 'v');
    assert.equal(other.err(XsType.XS_WRITE, W('/local/domain/5/data/shared', 'w')), 'EACCES');
    assert.equal(other.err(XsType.XS_READ, '/local/domain/5/data\0'), 'EACCES');
    // Missing node under an unreadable parent: EACCES, not ENOENT (no probing).
    assert.equal(other.err(XsType.XS_READ, '/local/domain/5/data/nothing\0'), 'EACCES');
  });

  it('get_domain_path', () => {
    const { g } = setup();
    assert.equal(g.ok(XsType.XS_GET_DOMAIN_PATH, '5\0'), '/local/domain/5\0');
    assert.equal(g.ok(XsType.XS_GET_DOMAIN_PATH, '0\0'), '/local/domain/0\0');
    assert.equal(g.err(XsType.XS_GET_DOMAIN_PATH, 'x\0'), 'EINVAL');
  });

  it('directory_part pages a long listing', () => {
    const { store, g } = setup();
    for (let i = 0; i < 300; i++) store.mkdir(store.tool, 0, `/local/domain/5/data/child-number-${String(i).padStart(4, '0')}`);
    assert.equal(g.err(XsType.XS_DIRECTORY, 'data\0'), 'E2BIG');
    const names: string[] = [];
    let off = 0;
    for (;;) {
      const r = g.ok(XsType.XS_DIRECTORY_PART, z('data', String(off)));
      const body = r.slice(r.indexOf('\0') + 1);
      const done = body.endsWith('\0\0') || body === '\0';
      const part = (done ? body.slice(0, -1) : body).split('\0').filter((s) => s !== '');
      names.push(...part);
      off += part.reduce((s, n) => s + n.length + 1, 0);
      if (done) break;
    }
    assert.equal(names.length, 300);
    assert.equal(names[299], 'child-number-0299');
  });

  it('errors: ENOENT, EINVAL for bad paths and requests, EACCES, ENOSPC, E2BIG', () => {
    const { g } = setup();
    assert.equal(g.err(XsType.XS_READ, 'missing\0'), 'ENOENT');
    assert.equal(g.err(XsType.XS_DIRECTORY, 'missing\0'), 'ENOENT');
    assert.equal(g.err(XsType.XS_READ, '/local//domain\0'), 'EINVAL');
    assert.equal(g.err(XsType.XS_READ, '/local/domain/\0'), 'EINVAL');
    assert.equal(g.err(XsType.XS_READ, 'data/a b\0'), 'EINVAL');
    assert.equal(g.err(XsType.XS_READ, '\0'), 'EINVAL');
    assert.equal(g.err(XsType.XS_READ, 'data/@x\0'), 'ENOENT'); // '@' is a valid path char
    assert.equal(g.err(XsType.XS_UNWATCH, z('@bad name', 't')), 'EINVAL');
    assert.equal(g.err(XsType.XS_READ, 'name'), 'EINVAL'); // unterminated
    assert.equal(g.err(XsType.XS_WRITE, 'data/x'), 'EINVAL'); // no path terminator
    assert.equal(g.err(XsType.XS_WRITE, `${'a/'.repeat(1024)}b\0v`), 'EINVAL'); // > XENSTORE_REL_PATH_MAX
    assert.equal(g.err(XsType.XS_WATCH_EVENT, z('a', 'b')), 'EINVAL');
    assert.equal(g.err(999, z('a')), 'EINVAL');
    assert.equal(g.err(XsType.XS_TRANSACTION_END, 'T\0'), 'ENOENT'); // tx 0 is not a transaction
    assert.equal(g.err(XsType.XS_INTRODUCE, z('1', '2', '3')), 'EACCES');
    assert.equal(g.err(XsType.XS_CONTROL, z('print', 'x')), 'EACCES');
    assert.equal(g.err(XsType.XS_WRITE, W('newtop', 'v')), 'EACCES'); // domain root is read-only to the guest
    assert.equal(g.err(XsType.XS_WRITE, W('/local/domain/0/x', 'v')), 'EACCES');
    assert.equal(g.err(XsType.XS_RM, 'name\0'), 'EACCES');
    assert.equal(g.err(XsType.XS_WRITE, W('data/huge', 'x'.repeat(2100))), 'ENOSPC'); // entry quota
    for (let i = 0; i < 128; i++) g.ok(XsType.XS_WATCH, z(`data/w${i}`, 't'));
    assert.equal(g.err(XsType.XS_WATCH, z('data/w128', 't')), 'E2BIG'); // watch quota
  });
});

describe('xenstore: transactions', () => {
  it('commit makes changes visible; reads inside see own writes; outside does not until commit', () => {
    const { store, g } = setup();
    const id = Number(g.ok(XsType.XS_TRANSACTION_START, '\0').slice(0, -1));
    assert.ok(id > 0);
    assert.equal(g.ok(XsType.XS_WRITE, W('data/t', '1'), id), z('OK'));
    assert.equal(g.ok(XsType.XS_READ, 'data/t\0', id), '1');
    assert.equal(g.err(XsType.XS_READ, 'data/t\0'), 'ENOENT');
    assert.equal(g.err(XsType.XS_TRANSACTION_START, '\0', id), 'EBUSY');
    const r = g.call(XsType.XS_TRANSACTION_END, 'T\0', id);
    assert.equal(r[0].txId, id);
    assert.equal(r[0].payload, z('OK'));
    assert.equal(g.ok(XsType.XS_READ, 'data/t\0'), '1');
    assert.equal(store.node('/local/domain/5/data/t') !== undefined, true);
    assert.equal(g.err(XsType.XS_READ, 'data/t\0', id), 'ENOENT'); // transaction is gone
  });

  it('abort discards changes', () => {
    const { g } = setup();
    const id = Number(g.ok(XsType.XS_TRANSACTION_START, '\0').slice(0, -1));
    g.ok(XsType.XS_WRITE, W('data/t', '1'), id);
    g.ok(XsType.XS_RM, 'data\0', id);
    assert.equal(g.ok(XsType.XS_TRANSACTION_END, 'F\0', id), z('OK'));
    assert.equal(g.err(XsType.XS_READ, 'data/t\0'), 'ENOENT');
    assert.equal(g.ok(XsType.XS_READ, 'data\0'), '');
  });

  it('EAGAIN when a node the transaction read changed underneath it', () => {
    const { store, g } = setup();
    g.ok(XsType.XS_WRITE, W('data/counter', '1'));
    const id = Number(g.ok(XsType.XS_TRANSACTION_START, '\0').slice(0, -1));
    assert.equal(g.ok(XsType.XS_READ, 'data/counter\0', id), '1');
    store.write(store.tool, 0, '/local/domain/5/data/counter', bytes('2'));
    g.ok(XsType.XS_WRITE, W('data/counter', '3'), id);
    assert.equal(g.err(XsType.XS_TRANSACTION_END, 'T\0', id), 'EAGAIN');
    assert.equal(g.ok(XsType.XS_READ, 'data/counter\0'), '2');
    // A retry with nothing interfering succeeds.
    const id2 = Number(g.ok(XsType.XS_TRANSACTION_START, '\0').slice(0, -1));
    g.ok(XsType.XS_READ, 'data/counter\0', id2);
    g.ok(XsType.XS_WRITE, W('data/counter', '3'), id2);
    assert.equal(g.ok(XsType.XS_TRANSACTION_END, 'T\0', id2), z('OK'));
    assert.equal(g.ok(XsType.XS_READ, 'data/counter\0'), '3');
  });

  it('EAGAIN when a node the transaction found missing was created meanwhile; untouched nodes do not conflict', () => {
    const { store, g } = setup();
    const id = Number(g.ok(XsType.XS_TRANSACTION_START, '\0').slice(0, -1));
    assert.equal(g.err(XsType.XS_READ, 'data/flag\0', id), 'ENOENT');
    store.write(store.tool, 0, '/local/domain/5/feature/other', bytes('x')); // unrelated: fine
    store.write(store.tool, 0, '/local/domain/5/data/flag', bytes('x'));
    assert.equal(g.err(XsType.XS_TRANSACTION_END, 'T\0', id), 'EAGAIN');
    const id2 = Number(g.ok(XsType.XS_TRANSACTION_START, '\0').slice(0, -1));
    g.ok(XsType.XS_WRITE, W('error/e', 'x'), id2);
    store.write(store.tool, 0, '/local/domain/5/feature/other', bytes('y'));
    assert.equal(g.ok(XsType.XS_TRANSACTION_END, 'T\0', id2), z('OK'));
  });

  it('bad transaction end argument and transaction quota', () => {
    const { g } = setup();
    const id = Number(g.ok(XsType.XS_TRANSACTION_START, '\0').slice(0, -1));
    assert.equal(g.err(XsType.XS_TRANSACTION_END, 'Y\0', id), 'EINVAL');
    assert.equal(g.err(XsType.XS_READ, 'name\0', 4242), 'ENOENT');
    for (let i = 1; i < 10; i++) g.ok(XsType.XS_TRANSACTION_START, '\0');
    assert.equal(g.err(XsType.XS_TRANSACTION_START, '\0'), 'ENOSPC');
  });
});

describe('xenstore: watches', () => {
  it('watch acks, then fires once for its own path with the token', () => {
    const { g } = setup();
    const r = g.call(XsType.XS_WATCH, z('data', 'tok-1'));
    assert.deepEqual(r.map((m) => [m.type, m.reqId === 0, m.payload]), [
      [XsType.XS_WATCH, false, z('OK')],
      [XsType.XS_WATCH_EVENT, true, z('data', 'tok-1')], // relative watch: relative path
    ]);
    assert.equal(r[1].txId, 0);
  });

  it('fires on writes at and below the path, with relative or absolute paths as registered', () => {
    const { g } = setup();
    g.call(XsType.XS_WATCH, z('data', 'rel'));
    g.call(XsType.XS_WATCH, z('/local/domain/5/data/x', 'abs'));
    const r = g.call(XsType.XS_WRITE, W('data/x/y', '1'));
    assert.deepEqual(r.map((m) => [m.type, m.payload]), [
      [XsType.XS_WATCH_EVENT, z('data/x/y', 'rel')],
      [XsType.XS_WATCH_EVENT, z('/local/domain/5/data/x/y', 'abs')],
      [XsType.XS_WRITE, z('OK')],
    ]);
    assert.deepEqual(g.call(XsType.XS_WRITE, W('feature/z', '1')).map((m) => m.type), [XsType.XS_WRITE]);
  });

  it('rm fires for the removed node and for watches below it', () => {
    const { g } = setup();
    g.ok(XsType.XS_WRITE, W('data/a/b/c', '1'));
    g.call(XsType.XS_WATCH, z('data', 'up'));
    g.call(XsType.XS_WATCH, z('data/a/b/c', 'down'));
    const ev = g.call(XsType.XS_RM, 'data/a\0').filter((m) => m.type === XsType.XS_WATCH_EVENT).map((m) => m.payload);
    assert.deepEqual(ev, [z('data/a', 'up'), z('data/a/b/c', 'down')]);
  });

  it('events from another domain arrive on the next poll; unwatch stops them', () => {
    const { store, g } = setup();
    g.call(XsType.XS_WATCH, z('control/shutdown', 'sd'));
    store.write(store.tool, 0, '/local/domain/5/control/shutdown', bytes('poweroff'));
    assert.ok(g.ring.pendingOutput > 0);
    assert.ok(g.ring.poll().notify);
    assert.deepEqual(g.take().map((m) => m.payload), [z('control/shutdown', 'sd')]);
    assert.equal(g.ok(XsType.XS_UNWATCH, z('control/shutdown', 'sd')), z('OK'));
    store.write(store.tool, 0, '/local/domain/5/control/shutdown', bytes('reboot'));
    assert.equal(g.ring.poll().notify, false);
    assert.equal(g.err(XsType.XS_UNWATCH, z('control/shutdown', 'sd')), 'ENOENT');
  });

  it('duplicate watch is EEXIST; same path with another token is separate', () => {
    const { g } = setup();
    g.call(XsType.XS_WATCH, z('data', 'a'));
    assert.equal(g.err(XsType.XS_WATCH, z('data', 'a')), 'EEXIST');
    g.call(XsType.XS_WATCH, z('data', 'b'));
    const ev = g.call(XsType.XS_WRITE, W('data/q', '1')).filter((m) => m.type === XsType.XS_WATCH_EVENT);
    assert.deepEqual(ev.map((m) => m.payload), [z('data/q', 'a'), z('data/q', 'b')]);
  });

  it('transaction events fire only on commit', () => {
    const { g } = setup();
    g.call(XsType.XS_WATCH, z('data', 't'));
    const id = Number(g.ok(XsType.XS_TRANSACTION_START, '\0').slice(0, -1));
    assert.deepEqual(g.call(XsType.XS_WRITE, W('data/in-tx', '1'), id).map((m) => m.type), [XsType.XS_WRITE]);
    const r = g.call(XsType.XS_TRANSACTION_END, 'T\0', id);
    assert.deepEqual(r.map((m) => m.payload), [z('data/in-tx', 't'), z('OK')]);
  });

  it('events are not delivered for nodes the watcher cannot read', () => {
    const { store, g } = setup();
    const other = new Guest(store, 7);
    other.call(XsType.XS_WATCH, z('/local/domain/5', 'spy'));
    g.ok(XsType.XS_WRITE, W('data/secret', '1'));
    other.ring.poll();
    assert.deepEqual(other.take(), []);
  });

  it('@introduceDomain special watch', () => {
    const { store, g } = setup();
    g.call(XsType.XS_WATCH, z('@introduceDomain', 'intro'));
    populateDomainPaths(store, { domid: 6, name: 'g2', maxMemKiB: 1024, vcpus: 1, storeRingRef: 1, storePort: 1 });
    g.ring.poll();
    assert.deepEqual(g.take().map((m) => m.payload), [z('@introduceDomain', 'intro')]);
  });
});
