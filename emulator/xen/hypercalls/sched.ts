/**
 * sched_op (29), sched_op_compat (6) and set_timer_op (15): xen/common/sched/core.c (HEAD, same semantics
 * in 4.17), fact sheet §5.6. Shutdown reasons poweroff, reboot, suspend and crash end the domain and the
 * call never returns to the guest.
 */
import { sched_poll, sched_shutdown } from '../abi/structs';
import { SHUTDOWN_REASONS } from '../domain';
import { XenErrno } from '../errno';
import { HypercallContext, NO_RETURN } from '../hypercall/context';
import type { HypercallFamily } from './index';

const SCHEDOP = ['yield', 'block', 'shutdown', 'poll', 'remote_shutdown', 'shutdown_code', 'watchdog', 'pin_override'] as const;
/** SCHEDOP_poll: at most 128 ports (core.c do_poll). */
const MAX_POLL_PORTS = 128;
/** set_timer_op: deadlines more than 2^50 ns ahead (or negative) become now + 100 ms (core.c do_set_timer_op). */
const TIMER_SLOP_LIMIT = 2 ** 50;
const MILLISECS_100 = 100_000_000;

function shutdown(ctx: HypercallContext, reasonRaw: number): typeof NO_RETURN {
  const code = reasonRaw & 0xff; // domain_shutdown(d, (u8)reason)
  const reason = SHUTDOWN_REASONS[code] ?? 'unknown';
  ctx.traceArgs.reason = `SHUTDOWN_${reason}`;
  ctx.hv.shutdownDomain(ctx.domain, reason, code, ctx.vcpu);
  return NO_RETURN;
}

function block(ctx: HypercallContext): number {
  // vcpu_block_enable_events: clear evtchn_upcall_mask, then block unless an event is already deliverable.
  const info = ctx.domain.vcpuInfo(ctx.vcpu.id);
  info?.set('evtchn_upcall_mask', 0);
  if (!ctx.hv.eventsNeedDelivery(ctx.vcpu)) {
    ctx.vcpu.blocked = true;
    ctx.vcpu.setRunstate(2, ctx.hv.clock.now);
  }
  return 0;
}

function poll(ctx: HypercallContext, arg: bigint): number {
  const sp = ctx.guest.readStruct(sched_poll, arg);
  if (!sp) return -XenErrno.EFAULT;
  const nr = sp.getNum('nr_ports');
  const timeout = Number(sp.getBig('timeout'));
  ctx.traceArgs.nr_ports = nr;
  ctx.traceArgs.timeout = timeout;
  if (nr > MAX_POLL_PORTS) return -XenErrno.EINVAL;
  const ports: number[] = [];
  const base = sp.getBig('ports');
  for (let i = 0; i < nr; i++) {
    const p = ctx.guest.readU32(base + BigInt(i * 4));
    if (p === null) return -XenErrno.EFAULT;
    if (!ctx.domain.evtchn.portIsValid(p)) return -XenErrno.EINVAL;
    ports.push(p);
  }
  ctx.traceArgs.ports = ports.join(',');
  if (ctx.hv.eventsNeedDelivery(ctx.vcpu) || ports.some((p) => ctx.domain.evtchn.isPending(p))) return 0;
  if (timeout !== 0 && timeout <= ctx.hv.clock.now) return 0;
  ctx.vcpu.poll = { ports, timeout };
  ctx.vcpu.blocked = true;
  ctx.vcpu.setRunstate(2, ctx.hv.clock.now);
  return 0;
}

function schedOp(ctx: HypercallContext): number | typeof NO_RETURN {
  const cmd = ctx.i32(0);
  const arg = ctx.ulong(1);
  if (cmd >= 0 && cmd < SCHEDOP.length) ctx.subop = `SCHEDOP_${SCHEDOP[cmd]}`;
  switch (cmd) {
    case 0: ctx.hv.yieldCurrent(ctx.vcpu); return 0;
    case 1: return block(ctx);
    case 2: {
      const s = ctx.guest.readStruct(sched_shutdown, arg);
      if (!s) return -XenErrno.EFAULT;
      return shutdown(ctx, s.getNum('reason'));
    }
    case 3: return poll(ctx, arg);
    case 4: return -XenErrno.EPERM; // remote_shutdown: XSM_DM_PRIV
    case 5: {
      const s = ctx.guest.readStruct(sched_shutdown, arg);
      if (!s) return -XenErrno.EFAULT;
      ctx.domain.shutdownCode = s.getNum('reason') & 0xff;
      ctx.traceArgs.reason = ctx.domain.shutdownCode;
      return 0;
    }
    case 7: return -XenErrno.EPERM; // pin_override: hardware domain only
    default: return -XenErrno.ENOSYS; // SCHEDOP_watchdog is not emulated (see README)
  }
}

/** The pre-3.0.2 form: arg is the value itself (SCHEDOP_shutdown's reason) rather than a pointer. */
function schedOpCompat(ctx: HypercallContext): number | typeof NO_RETURN {
  const cmd = ctx.i32(0);
  if (cmd >= 0 && cmd < 3) ctx.subop = `SCHEDOP_${SCHEDOP[cmd]}`;
  switch (cmd) {
    case 0: ctx.hv.yieldCurrent(ctx.vcpu); return 0;
    case 1: return block(ctx);
    case 2: return shutdown(ctx, ctx.u32(1));
    default: return -XenErrno.ENOSYS;
  }
}

function setTimerOp(ctx: HypercallContext): number {
  // Compat callers pass the 64-bit absolute time as (lo, hi).
  const raw = ctx.compat ? (ctx.args[0] & 0xffffffffn) | ((ctx.args[1] & 0xffffffffn) << 32n) : ctx.args[0];
  const timeout = BigInt.asIntN(64, raw);
  const v = ctx.vcpu;
  const now = ctx.hv.clock.now;
  ctx.traceArgs.timeout_ns = timeout.toString();
  if (timeout === 0n) { v.singleshot = null; return 0; }
  let deadline = Number(timeout);
  if (timeout < 0n || deadline > now + TIMER_SLOP_LIMIT) deadline = now + MILLISECS_100;
  v.singleshot = deadline;
  return 0;
}

export const schedHypercalls: HypercallFamily = {
  sched_op: schedOp, sched_op_compat: schedOpCompat, set_timer_op: setTimerOp,
};
