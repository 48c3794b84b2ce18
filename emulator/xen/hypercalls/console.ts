/**
 * console_io (18), xen/drivers/char/console.c: CONSOLEIO_write in 127-byte chunks with a continuation
 * ("iih": cmd, remaining count, buffer advanced) when preempted between chunks. Real Xen allows writes from
 * ordinary domUs only when built with CONFIG_VERBOSE_DEBUG (debug builds); the emulator always allows them
 * (issue 3: "write allowed for domUs, as a debug build of Xen does"), so guests can print under any profile.
 * CONSOLEIO_read is for the hardware/console domain only.
 */
import { XenErrno } from '../errno';
import type { HypercallContext } from '../hypercall/context';
import type { HypercallFamily } from './index';

const CONSOLEIO_write = 0;
const CONSOLEIO_read = 1;
/** Chunk size of guest_console_write (console.c: `kbuf[128]`, 127 bytes + NUL). */
const CHUNK = 127;

function consoleIo(ctx: HypercallContext): number | ReturnType<HypercallContext['continuation']> {
  const cmd = ctx.u32(0);
  const count = ctx.u32(1);
  const buffer = ctx.ulong(2);
  switch (cmd) {
    case CONSOLEIO_write: {
      ctx.subop = 'CONSOLEIO_write';
      ctx.traceArgs.count = count;
      let done = 0;
      for (let chunks = 0; done < count; chunks++) {
        if (ctx.preemptCheck(chunks)) {
          return ctx.continuation([BigInt(cmd), BigInt(count - done), buffer + BigInt(done)], done,
            `count=${count - done} buffer=+${done} (CONSOLEIO_write continuation)`);
        }
        const n = Math.min(CHUNK, count - done);
        const bytes = ctx.guest.read(buffer + BigInt(done), n);
        if (!bytes) return -XenErrno.EFAULT;
        ctx.hv.console.write(ctx.domain, ctx.vcpu, bytes);
        done += n;
      }
      return 0;
    }
    case CONSOLEIO_read:
      ctx.subop = 'CONSOLEIO_read';
      // XSM_PRIV (xsm/dummy.h xsm_console_io): unprivileged domains are refused.
      return -XenErrno.EPERM;
    default:
      return -XenErrno.ENOSYS;
  }
}

export const consoleHypercalls: HypercallFamily = { console_io: consoleIo };
