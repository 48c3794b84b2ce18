/**
 * The XenStore tree, modelled on the C xenstored (tools/xenstored) semantics as of Xen 4.17:
 * nodes with values, permissions and ordered children; path validation and canonicalisation; per-domain
 * quotas; transactions (snapshot at start, EAGAIN at commit if anything the transaction touched changed
 * since); watches with tokens.
 *
 * Nodes are immutable objects in a flat Map keyed by canonical path, so a transaction snapshot is a
 * shallow Map copy and commit copies back the nodes the transaction modified.
 */

/** Error names a guest can see: the `xsd_errors` table of io/xs_wire.h, in its order. */
export const XSD_ERROR_NAMES = [
  'EINVAL', 'EACCES', 'EEXIST', 'EISDIR', 'ENOENT', 'ENOMEM', 'ENOSPC', 'EIO', 'ENOTEMPTY', 'ENOSYS', 'EROFS',
  'EBUSY', 'EAGAIN', 'EISCONN', 'E2BIG', 'EPERM',
] as const;
export type XsErrorName = typeof XSD_ERROR_NAMES[number];

export class XsError extends Error {
  constructor(readonly errname: XsErrorName, detail?: string) {
    super(detail ? `${errname}: ${detail}` : errname);
  }
}

// io/xs_wire.h limits.
export const XENSTORE_PAYLOAD_MAX = 4096;
export const XENSTORE_ABS_PATH_MAX = 3072;
export const XENSTORE_REL_PATH_MAX = 2048;

/**
 * xenstored's default per-domain quotas (tools/xenstored/core.c, 4.17): entry size 2048 bytes
 * (ENOSPC), 128 watches (E2BIG), 10 open transactions (ENOSPC). Privileged connections are exempt.
 */
export interface XsQuotas {
  readonly maxEntrySize: number;
  readonly maxWatches: number;
  readonly maxTransactions: number;
}
export const DEFAULT_QUOTAS: XsQuotas = { maxEntrySize: 2048, maxWatches: 128, maxTransactions: 10 };

/** Permission letters as on the wire: n(one), r(ead), w(rite), b(oth). */
export type XsPermLetter = 'n' | 'r' | 'w' | 'b';
export interface XsPerm {
  readonly id: number;
  readonly perm: XsPermLetter;
}

const PERM_READ = 1;
const PERM_WRITE = 2;
const PERM_OWNER = 4;
const LETTER_BITS: Record<XsPermLetter, number> = { n: 0, r: PERM_READ, w: PERM_WRITE, b: PERM_READ | PERM_WRITE };

/** "r1" → {id 1, r}; throws EINVAL on anything else. */
export function parsePerm(s: string): XsPerm {
  const m = /^([nrwb])(\d{1,5})$/.exec(s);
  if (!m || Number(m[2]) > 0xffff) throw new XsError('EINVAL', `bad permission ${JSON.stringify(s)}`);
  return { id: Number(m[2]), perm: m[1] as XsPermLetter };
}
export const formatPerm = (p: XsPerm): string => `${p.perm}${p.id}`;

export interface XsNode {
  readonly value: Uint8Array;
  /** perms[0] is the owner and, by its letter, the access of every domain not listed further. */
  readonly perms: readonly XsPerm[];
  readonly children: readonly string[];
  /** Store-wide modification counter at the node's last change: conflict detection and DIRECTORY_PART. */
  readonly gen: number;
}

const ABSENT = -1;
const VALID_CHARS = /^[A-Za-z0-9\-/_@]*$/;
const DOMAIN_PREFIX = /^\/local\/domain\/(\d{1,5})\//;

export const domainPath = (domid: number): string => `/local/domain/${domid}`;

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}
const baseName = (path: string): string => path.slice(path.lastIndexOf('/') + 1);
/** Whether `path` is `base` or below it. */
const isAtOrBelow = (path: string, base: string): boolean =>
  path === base || base === '/' || path.startsWith(`${base}/`);

/** A watch as registered: `path` canonical, `relative` when the guest gave a relative path. */
export interface XsWatch {
  readonly path: string;
  readonly token: string;
  readonly relative: boolean;
}

interface PendingEvent {
  readonly path: string;
  /** Perms of the changed node, deciding who may see the event. */
  readonly perms: readonly XsPerm[];
  /** For rm: watches below the removed node fire too, each with its own path. */
  readonly subtree: boolean;
}

interface Transaction {
  readonly id: number;
  readonly nodes: Map<string, XsNode>;
  /** Generation of each touched path as the snapshot had it (ABSENT if missing). */
  readonly accessed: Map<string, number>;
  readonly modified: Set<string>;
  readonly events: PendingEvent[];
}

/** One client of the store: a guest ring, or the toolstack (privileged). */
export class XsConnection {
  readonly watches: XsWatch[] = [];
  /** @internal open transactions by id */
  readonly transactions = new Map<number, Transaction>();
  /** @internal */
  nextTxId = 1;
  /** Called for every watch event owed to this connection. */
  onWatchEvent: (path: string, token: string) => void = () => undefined;

  constructor(readonly domid: number, readonly privileged: boolean) {}
}

/** Where an operation reads and writes: the live tree, or a transaction's snapshot. */
interface OpCtx {
  readonly conn: XsConnection;
  readonly nodes: Map<string, XsNode>;
  readonly tx?: Transaction;
}

export class XenStore {
  private readonly nodes = new Map<string, XsNode>();
  private readonly connections = new Set<XsConnection>();
  private generation = 0;
  /** The toolstack's own connection (dom0, privileged), used to populate domains. */
  readonly tool: XsConnection;

  constructor(readonly quotas: XsQuotas = DEFAULT_QUOTAS) {
    // xenstored's initial tree: "/" and "/tool" (owner dom0, no access for others); /local/domain comes
    // from the toolstack, which we do here so domain paths can be populated directly.
    this.nodes.set('/', this.mkNode(new Uint8Array(0), [{ id: 0, perm: 'n' }], []));
    this.tool = this.connect(0, true);
    this.mkdir(this.tool, 0, '/tool');
    this.mkdir(this.tool, 0, '/local/domain');
    this.setPerms(this.tool, 0, '/local', [{ id: 0, perm: 'r' }]);
    this.setPerms(this.tool, 0, '/local/domain', [{ id: 0, perm: 'r' }]);
  }

  connect(domid: number, privileged = domid === 0): XsConnection {
    const c = new XsConnection(domid, privileged);
    this.connections.add(c);
    return c;
  }

  disconnect(conn: XsConnection): void {
    this.resetConnection(conn);
    this.connections.delete(conn);
  }

  /** Drop all watches and transactions (XS_RESET_WATCHES, ring reconnection). */
  resetConnection(conn: XsConnection): void {
    conn.watches.length = 0;
    conn.transactions.clear();
  }

  // ---- Paths ----

  /**
   * Canonical absolute path for `path` as `conn` gave it: relative paths are under /local/domain/<domid>.
   * Rules of xenstored's is_valid_nodename: starts with '/', no trailing '/' except the root, no "//",
   * characters [A-Za-z0-9-/_@], length limits from xs_wire.h. `@name` is allowed only for watches.
   */
  canonicalize(conn: XsConnection, path: string, allowSpecial = false): string {
    if (allowSpecial && path.startsWith('@')) {
      if (!VALID_CHARS.test(path) || path.length > XENSTORE_ABS_PATH_MAX) throw new XsError('EINVAL', 'bad special path');
      return path;
    }
    const abs = path.startsWith('/') ? path : `${domainPath(conn.domid)}/${path}`;
    if (abs.endsWith('/') && abs !== '/') throw new XsError('EINVAL', 'trailing /');
    if (abs.includes('//')) throw new XsError('EINVAL', 'empty path component');
    if (!VALID_CHARS.test(abs)) throw new XsError('EINVAL', 'invalid character in path');
    const m = DOMAIN_PREFIX.exec(abs);
    const rel = m ? abs.length - m[0].length : abs.length;
    if (abs.length > XENSTORE_ABS_PATH_MAX || rel > XENSTORE_REL_PATH_MAX) throw new XsError('EINVAL', 'path too long');
    return abs;
  }

  private isRelative(path: string): boolean {
    return !path.startsWith('/') && !path.startsWith('@');
  }

  // ---- Permissions (xenstored perm_for_conn) ----

  private permFor(conn: XsConnection, perms: readonly XsPerm[]): number {
    if (conn.privileged || perms[0].id === conn.domid) return PERM_READ | PERM_WRITE | PERM_OWNER;
    const explicit = perms.slice(1).find((p) => p.id === conn.domid);
    return LETTER_BITS[(explicit ?? perms[0]).perm];
  }

  /**
   * The node at `path` if `conn` has `need` on it. A missing node gives ENOENT only when its nearest
   * existing ancestor is readable (otherwise EACCES), so guests cannot probe for hidden nodes.
   */
  private getNode(ctx: OpCtx, path: string, need: number): XsNode {
    const node = this.look(ctx, path);
    if (node) {
      if ((this.permFor(ctx.conn, node.perms) & need) !== need) throw new XsError('EACCES');
      return node;
    }
    const anc = this.nearestAncestor(ctx, path);
    throw new XsError(this.permFor(ctx.conn, anc.perms) & PERM_READ ? 'ENOENT' : 'EACCES');
  }

  private nearestAncestor(ctx: OpCtx, path: string): XsNode {
    let p = path;
    for (;;) {
      p = parentOf(p);
      const n = this.look(ctx, p);
      if (n) return n;
    }
  }

  // ---- Node access (recording transaction reads) ----

  private look(ctx: OpCtx, path: string): XsNode | undefined {
    this.touch(ctx, path);
    return ctx.nodes.get(path);
  }

  private touch(ctx: OpCtx, path: string): void {
    if (ctx.tx && !ctx.tx.accessed.has(path)) ctx.tx.accessed.set(path, ctx.nodes.get(path)?.gen ?? ABSENT);
  }

  private mkNode(value: Uint8Array, perms: readonly XsPerm[], children: readonly string[]): XsNode {
    return { value, perms, children, gen: ++this.generation };
  }

  private put(ctx: OpCtx, path: string, node: XsNode | undefined): void {
    this.touch(ctx, path);
    if (node) {
      this.checkEntrySize(ctx.conn, node);
      ctx.nodes.set(path, node);
    } else {
      ctx.nodes.delete(path);
    }
    ctx.tx?.modified.add(path);
  }

  /** xenstored's ACC_NODESZ: record header (20) + 8 per permission + data + NUL-terminated child names. */
  private checkEntrySize(conn: XsConnection, node: XsNode): void {
    if (conn.privileged) return;
    const size = 20 + 8 * node.perms.length + node.value.length + node.children.reduce((s, c) => s + c.length + 1, 0);
    if (size > this.quotas.maxEntrySize) throw new XsError('ENOSPC', 'node too large');
  }

  /** Create `path` (and missing ancestors) with `value`, needing write access on the nearest existing ancestor. */
  private create(ctx: OpCtx, path: string, value: Uint8Array): void {
    const parentPath = parentOf(path);
    let parent = this.look(ctx, parentPath);
    if (!parent) {
      this.create(ctx, parentPath, new Uint8Array(0));
      parent = ctx.nodes.get(parentPath)!;
    } else if (!(this.permFor(ctx.conn, parent.perms) & PERM_WRITE)) {
      throw new XsError('EACCES');
    }
    // Children inherit the parent's perms, but an unprivileged domain owns what it creates.
    let perms = parent.perms;
    if (!ctx.conn.privileged) perms = [{ id: ctx.conn.domid, perm: perms[0].perm }, ...perms.slice(1)];
    this.put(ctx, path, this.mkNode(value, perms, []));
    this.put(ctx, parentPath, this.mkNode(parent.value, parent.perms, [...parent.children, baseName(path)]));
  }

  // ---- Operations. `txId` 0 means no transaction. ----

  private ctx(conn: XsConnection, txId: number): OpCtx {
    if (txId === 0) return { conn, nodes: this.nodes };
    const tx = conn.transactions.get(txId);
    if (!tx) throw new XsError('ENOENT', `no transaction ${txId}`);
    return { conn, nodes: tx.nodes, tx };
  }

  read(conn: XsConnection, txId: number, path: string): Uint8Array {
    const ctx = this.ctx(conn, txId);
    return this.getNode(ctx, this.canonicalize(conn, path), PERM_READ).value;
  }

  write(conn: XsConnection, txId: number, path: string, value: Uint8Array): void {
    const ctx = this.ctx(conn, txId);
    const p = this.canonicalize(conn, path);
    const node = this.existingWritable(ctx, p);
    if (node) this.put(ctx, p, this.mkNode(value, node.perms, node.children));
    else this.create(ctx, p, value);
    this.fire(ctx, { path: p, perms: ctx.nodes.get(p)!.perms, subtree: false });
  }

  mkdir(conn: XsConnection, txId: number, path: string): void {
    const ctx = this.ctx(conn, txId);
    const p = this.canonicalize(conn, path);
    // An existing node is fine (and not an event), as in xenstored's do_mkdir.
    if (this.existingWritable(ctx, p)) return;
    this.create(ctx, p, new Uint8Array(0));
    this.fire(ctx, { path: p, perms: ctx.nodes.get(p)!.perms, subtree: false });
  }

  /** The node if it exists and `conn` may write it; undefined if it is missing but may be created. */
  private existingWritable(ctx: OpCtx, p: string): XsNode | undefined {
    try {
      return this.getNode(ctx, p, PERM_WRITE);
    } catch (e) {
      if (e instanceof XsError && e.errname === 'ENOENT') return undefined;
      throw e;
    }
  }

  rm(conn: XsConnection, txId: number, path: string): void {
    const ctx = this.ctx(conn, txId);
    const p = this.canonicalize(conn, path);
    let node: XsNode;
    try {
      node = this.getNode(ctx, p, PERM_WRITE);
    } catch (e) {
      // Removing a missing node is fine when its parent exists (xenstored do_rm).
      if (e instanceof XsError && e.errname === 'ENOENT' && this.look(ctx, parentOf(p))) return;
      throw e;
    }
    if (p === '/') throw new XsError('EINVAL', 'cannot remove the root');
    const parentPath = parentOf(p);
    const parent = this.look(ctx, parentPath)!;
    const removeTree = (q: string): void => {
      const n = this.look(ctx, q);
      if (!n) return;
      for (const c of n.children) removeTree(`${q === '/' ? '' : q}/${c}`);
      this.put(ctx, q, undefined);
    };
    removeTree(p);
    const name = baseName(p);
    this.put(ctx, parentPath, this.mkNode(parent.value, parent.perms, parent.children.filter((c) => c !== name)));
    this.fire(ctx, { path: p, perms: node.perms, subtree: true });
  }

  directory(conn: XsConnection, txId: number, path: string): { children: readonly string[]; gen: number } {
    const ctx = this.ctx(conn, txId);
    const node = this.getNode(ctx, this.canonicalize(conn, path), PERM_READ);
    return { children: node.children, gen: node.gen };
  }

  getPerms(conn: XsConnection, txId: number, path: string): readonly XsPerm[] {
    const ctx = this.ctx(conn, txId);
    return this.getNode(ctx, this.canonicalize(conn, path), PERM_READ).perms;
  }

  setPerms(conn: XsConnection, txId: number, path: string, perms: readonly XsPerm[]): void {
    if (perms.length === 0) throw new XsError('EINVAL', 'no permissions');
    const ctx = this.ctx(conn, txId);
    const p = this.canonicalize(conn, path);
    const node = this.getNode(ctx, p, PERM_WRITE | PERM_OWNER);
    // Only a privileged domain may give a node away (xenstored do_set_perms).
    if (!conn.privileged && perms[0].id !== node.perms[0].id) throw new XsError('EPERM');
    this.put(ctx, p, this.mkNode(node.value, perms, node.children));
    this.fire(ctx, { path: p, perms, subtree: false });
  }

  /** Whether a node exists (toolstack/debugger convenience; no permission check). */
  exists(path: string): boolean {
    return this.nodes.has(path);
  }

  /** Read-only view of the live tree for debugger views and tests. */
  node(path: string): XsNode | undefined {
    return this.nodes.get(path);
  }

  // ---- Transactions ----

  transactionStart(conn: XsConnection): number {
    if (!conn.privileged && conn.transactions.size >= this.quotas.maxTransactions) throw new XsError('ENOSPC');
    let id = conn.nextTxId;
    while (id === 0 || conn.transactions.has(id)) id = (id + 1) >>> 0;
    conn.nextTxId = (id + 1) >>> 0;
    conn.transactions.set(id, { id, nodes: new Map(this.nodes), accessed: new Map(), modified: new Set(), events: [] });
    return id;
  }

  /** Commit (EAGAIN if a touched node changed since the snapshot) or abort. Either way the transaction ends. */
  transactionEnd(conn: XsConnection, txId: number, commit: boolean): void {
    const tx = conn.transactions.get(txId);
    if (!tx) throw new XsError('ENOENT', `no transaction ${txId}`);
    conn.transactions.delete(txId);
    if (!commit) return;
    for (const [path, gen] of tx.accessed) {
      if ((this.nodes.get(path)?.gen ?? ABSENT) !== gen) throw new XsError('EAGAIN');
    }
    for (const path of tx.modified) {
      const n = tx.nodes.get(path);
      if (n) this.nodes.set(path, { ...n, gen: ++this.generation });
      else this.nodes.delete(path);
    }
    for (const ev of tx.events) this.deliver(ev);
  }

  // ---- Watches ----

  watch(conn: XsConnection, path: string, token: string): XsWatch {
    const canon = this.canonicalize(conn, path, true);
    if (conn.watches.some((w) => w.path === canon && w.token === token)) throw new XsError('EEXIST');
    if (!conn.privileged && conn.watches.length >= this.quotas.maxWatches) throw new XsError('E2BIG');
    const w: XsWatch = { path: canon, token, relative: this.isRelative(path) };
    conn.watches.push(w);
    return w;
  }

  unwatch(conn: XsConnection, path: string, token: string): void {
    const canon = this.canonicalize(conn, path, true);
    const i = conn.watches.findIndex((w) => w.path === canon && w.token === token);
    if (i < 0) throw new XsError('ENOENT');
    conn.watches.splice(i, 1);
  }

  /** The path a watch event reports: relative watches see paths relative to their domain's home. */
  eventPath(conn: XsConnection, w: XsWatch, path: string): string {
    if (!w.relative) return path;
    const home = `${domainPath(conn.domid)}/`;
    return path.startsWith(home) ? path.slice(home.length) : path;
  }

  /** Fire `@introduceDomain` / `@releaseDomain` (or another special path) to everyone watching it. */
  fireSpecial(name: string): void {
    for (const c of this.connections) {
      for (const w of [...c.watches]) if (w.path === name) c.onWatchEvent(name, w.token);
    }
  }

  private fire(ctx: OpCtx, ev: PendingEvent): void {
    // A transaction's events are only seen if and when it commits.
    if (ctx.tx) ctx.tx.events.push(ev);
    else this.deliver(ev);
  }

  private deliver(ev: PendingEvent): void {
    if (ev.path.startsWith('@')) return;
    for (const c of this.connections) {
      if (!(this.permFor(c, ev.perms) & PERM_READ)) continue;
      for (const w of [...c.watches]) {
        if (w.path.startsWith('@')) continue;
        if (isAtOrBelow(ev.path, w.path)) c.onWatchEvent(this.eventPath(c, w, ev.path), w.token);
        else if (ev.subtree && w.path.startsWith(`${ev.path}/`)) c.onWatchEvent(this.eventPath(c, w, w.path), w.token);
      }
    }
  }
}
