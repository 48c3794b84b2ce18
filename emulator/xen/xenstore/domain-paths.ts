/**
 * The standard XenStore entries a toolstack writes for a new domU, following libxl as of Xen 4.17
 * (from memory of the sources, not verified line by line):
 * - libxl__domain_make (tools/libs/light/libxl_create.c): /local/domain/<id> and /vm/<uuid> with
 *   "n0 r<id>" (dom0 owns, the guest reads); control/, data/, drivers/, feature/, attr/, error/,
 *   device/suspend/event-channel and control/shutdown owned by the guest; vm, name, /vm/<uuid>/{uuid,name};
 *   control/platform-feature-* flags.
 * - libxl__build_post (libxl_dom.c): memory/static-max, memory/target, memory/videoram, domid,
 *   store/port, store/ring-ref, cpu/<n>/availability.
 * - libxl__device_console_add (libxl_console.c): console/{port, ring-ref, limit, type, output, tty}.
 * Then @introduceDomain fires, as when xenstored is told about the domain (XS_INTRODUCE).
 */
import { XenStore, XsPerm, domainPath } from './store';

export interface DomainXsConfig {
  readonly domid: number;
  readonly name: string;
  /** Lower-case textual UUID; a deterministic one is derived from the domid if absent. */
  readonly uuid?: string;
  readonly maxMemKiB: number;
  /** Balloon target; defaults to maxMemKiB. */
  readonly targetMemKiB?: number;
  readonly videoMemKiB?: number;
  readonly vcpus: number;
  /** Online vCPUs (cpu/<n>/availability); defaults to all. */
  readonly onlineVcpus?: number;
  /** MFN (PV) or GFN (HVM/PVH) of the XenStore page, and its event channel port in the guest. */
  readonly storeRingRef: number;
  readonly storePort: number;
  readonly consoleRingRef?: number;
  readonly consolePort?: number;
  readonly hvm?: boolean;
}

/** libxl's LIBXL_XENCONSOLE_LIMIT (bytes of console output buffered by xenconsoled). */
const XENCONSOLE_LIMIT = 1048576;

export function defaultUuid(domid: number): string {
  const hex = domid.toString(16).padStart(12, '0');
  return `00000000-0000-4000-8000-${hex}`;
}

/** Create the domain's standard nodes as the privileged toolstack. Returns the domain path. */
export function populateDomainPaths(store: XenStore, cfg: DomainXsConfig): string {
  const t = store.tool;
  const dom = domainPath(cfg.domid);
  const uuid = cfg.uuid ?? defaultUuid(cfg.domid);
  const vm = `/vm/${uuid}`;
  const ro: XsPerm[] = [{ id: 0, perm: 'n' }, { id: cfg.domid, perm: 'r' }];
  const rw: XsPerm[] = [{ id: cfg.domid, perm: 'n' }];
  const enc = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);
  const mknod = (path: string, perms: readonly XsPerm[]): void => {
    store.mkdir(t, 0, path);
    store.setPerms(t, 0, path, perms);
  };
  const write = (rel: string, value: string): void => store.write(t, 0, `${dom}/${rel}`, enc(value));

  if (store.exists(dom)) store.rm(t, 0, dom);
  mknod(dom, ro);
  mknod(vm, ro);
  for (const d of ['device', 'control']) mknod(`${dom}/${d}`, ro);
  if (cfg.hvm) mknod(`${dom}/hvmloader`, ro);
  for (const d of ['control/shutdown', 'control/feature-poweroff', 'control/feature-reboot', 'control/feature-suspend',
    'control/sysrq', 'device/suspend/event-channel', 'data', 'drivers', 'feature', 'attr', 'error']) {
    mknod(`${dom}/${d}`, rw);
  }
  store.write(t, 0, `${vm}/uuid`, enc(uuid));
  store.write(t, 0, `${vm}/name`, enc(cfg.name));
  write('vm', vm);
  write('name', cfg.name);
  write('control/platform-feature-multiprocessor-suspend', '1');
  write('control/platform-feature-xs_reset_watches', '1');

  // Memory values are in KiB, as libxl writes them.
  write('memory/static-max', String(cfg.maxMemKiB));
  write('memory/target', String(cfg.targetMemKiB ?? cfg.maxMemKiB));
  write('memory/videoram', String(cfg.videoMemKiB ?? (cfg.hvm ? 8192 : 0)));
  write('domid', String(cfg.domid));
  write('store/port', String(cfg.storePort));
  write('store/ring-ref', String(cfg.storeRingRef));
  const online = cfg.onlineVcpus ?? cfg.vcpus;
  for (let i = 0; i < cfg.vcpus; i++) write(`cpu/${i}/availability`, i < online ? 'online' : 'offline');

  if (cfg.consolePort !== undefined && cfg.consoleRingRef !== undefined) {
    write('console/port', String(cfg.consolePort));
    write('console/ring-ref', String(cfg.consoleRingRef));
    write('console/limit', String(XENCONSOLE_LIMIT));
    write('console/type', 'xenconsoled');
    write('console/output', 'pty');
    write('console/tty', '');
  }
  store.fireSpecial('@introduceDomain');
  return dom;
}

/** Remove the domain's nodes and fire @releaseDomain, as on domain destruction. */
export function releaseDomainPaths(store: XenStore, domid: number, uuid = defaultUuid(domid)): void {
  for (const p of [domainPath(domid), `/vm/${uuid}`]) if (store.exists(p)) store.rm(store.tool, 0, p);
  store.fireSpecial('@releaseDomain');
}
