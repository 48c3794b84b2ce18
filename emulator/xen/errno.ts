/**
 * Xen errno values (public/errno.h; identical in 4.17 and HEAD — fact sheet §8). Hypercalls return -value.
 * Names are without the `XEN_` prefix the header's enum adds.
 */

export interface XenErrnoInfo {
  readonly name: string;
  readonly value: number;
  /** Defined only under `#ifdef __XEN__` ("Internal only, should never be exposed to the guest"). */
  readonly internal?: boolean;
  /** Canonical name when this one is an alias (EWOULDBLOCK → EAGAIN, EDEADLOCK → EDEADLK). */
  readonly aliasOf?: string;
}

export const XEN_ERRNOS: readonly XenErrnoInfo[] = [
  { name: 'EPERM', value: 1 },
  { name: 'ENOENT', value: 2 },
  { name: 'ESRCH', value: 3 },
  { name: 'EINTR', value: 4, internal: true },
  { name: 'EIO', value: 5 },
  { name: 'ENXIO', value: 6 },
  { name: 'E2BIG', value: 7 },
  { name: 'ENOEXEC', value: 8 },
  { name: 'EBADF', value: 9 },
  { name: 'ECHILD', value: 10 },
  { name: 'EAGAIN', value: 11 },
  { name: 'EWOULDBLOCK', value: 11, aliasOf: 'EAGAIN' },
  { name: 'ENOMEM', value: 12 },
  { name: 'EACCES', value: 13 },
  { name: 'EFAULT', value: 14 },
  { name: 'EBUSY', value: 16 },
  { name: 'EEXIST', value: 17 },
  { name: 'EXDEV', value: 18 },
  { name: 'ENODEV', value: 19 },
  { name: 'ENOTDIR', value: 20 },
  { name: 'EISDIR', value: 21 },
  { name: 'EINVAL', value: 22 },
  { name: 'ENFILE', value: 23 },
  { name: 'EMFILE', value: 24 },
  { name: 'ENOSPC', value: 28 },
  { name: 'EROFS', value: 30 },
  { name: 'EMLINK', value: 31 },
  { name: 'EDOM', value: 33 },
  { name: 'ERANGE', value: 34 },
  { name: 'EDEADLK', value: 35 },
  { name: 'EDEADLOCK', value: 35, aliasOf: 'EDEADLK' },
  { name: 'ENAMETOOLONG', value: 36 },
  { name: 'ENOLCK', value: 37 },
  { name: 'ENOSYS', value: 38 },
  { name: 'ENOTEMPTY', value: 39 },
  { name: 'ENODATA', value: 61 },
  { name: 'ETIME', value: 62 },
  { name: 'EBADMSG', value: 74 },
  { name: 'EOVERFLOW', value: 75 },
  { name: 'EILSEQ', value: 84 },
  // Triggers a continuation inside Xen; never reaches a guest (§8).
  { name: 'ERESTART', value: 85, internal: true },
  { name: 'ENOTSOCK', value: 88 },
  { name: 'EMSGSIZE', value: 90 },
  { name: 'EOPNOTSUPP', value: 95 },
  { name: 'EADDRINUSE', value: 98 },
  { name: 'EADDRNOTAVAIL', value: 99 },
  { name: 'ENOBUFS', value: 105 },
  { name: 'EISCONN', value: 106 },
  { name: 'ENOTCONN', value: 107 },
  { name: 'ETIMEDOUT', value: 110 },
  { name: 'ECONNREFUSED', value: 111 },
];

/** Typed constants for handler code: `return -XenErrno.ENOSYS`. */
export const XenErrno = {
  EPERM: 1, ENOENT: 2, ESRCH: 3, EINTR: 4, EIO: 5, ENXIO: 6, E2BIG: 7, ENOEXEC: 8, EBADF: 9, ECHILD: 10,
  EAGAIN: 11, EWOULDBLOCK: 11, ENOMEM: 12, EACCES: 13, EFAULT: 14, EBUSY: 16, EEXIST: 17, EXDEV: 18,
  ENODEV: 19, ENOTDIR: 20, EISDIR: 21, EINVAL: 22, ENFILE: 23, EMFILE: 24, ENOSPC: 28, EROFS: 30, EMLINK: 31,
  EDOM: 33, ERANGE: 34, EDEADLK: 35, EDEADLOCK: 35, ENAMETOOLONG: 36, ENOLCK: 37, ENOSYS: 38, ENOTEMPTY: 39,
  ENODATA: 61, ETIME: 62, EBADMSG: 74, EOVERFLOW: 75, EILSEQ: 84, ERESTART: 85, ENOTSOCK: 88, EMSGSIZE: 90,
  EOPNOTSUPP: 95, EADDRINUSE: 98, EADDRNOTAVAIL: 99, ENOBUFS: 105, EISCONN: 106, ENOTCONN: 107, ETIMEDOUT: 110,
  ECONNREFUSED: 111,
} as const;
export type XenErrnoName = keyof typeof XenErrno;

const BY_NAME = new Map<string, XenErrnoInfo>(XEN_ERRNOS.map((e) => [e.name, e]));
// value → canonical (non-alias) entry.
const BY_VALUE = new Map<number, XenErrnoInfo>(XEN_ERRNOS.filter((e) => !e.aliasOf).map((e) => [e.value, e]));

/** Value for a name (with or without `XEN_` prefix); undefined if Xen does not define it. */
export function errnoValue(name: string): number | undefined {
  return BY_NAME.get(name.startsWith('XEN_') ? name.slice(4) : name)?.value;
}

/** Canonical name for a value; a negative hypercall return (-22) is accepted too. */
export function errnoName(value: number): string | undefined {
  return BY_VALUE.get(Math.abs(value))?.name;
}

/** Whether a hypercall return value is an error (-1..-4095, §2.1). */
export const isErrorReturn = (ret: number): boolean => ret <= -1 && ret >= -4095;
