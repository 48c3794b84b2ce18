/**
 * event_channel_op (32) and event_channel_op_compat (16): xen/common/event_channel.c do_event_channel_op.
 * The argument structs are identical for 32- and 64-bit callers, so there is no compat translation (§1).
 * The port logic lives in emulator/xen/event-channel.ts; this module decodes the argument struct, calls it
 * and copies results back (Xen copies the whole struct back for ops with outputs).
 */
import { StructDef, StructView } from '../abi/layout';
import {
  evtchn_alloc_unbound, evtchn_bind_interdomain, evtchn_bind_ipi, evtchn_bind_pirq, evtchn_bind_vcpu, evtchn_bind_virq,
  evtchn_close, evtchn_expand_array, evtchn_init_control, evtchn_reset, evtchn_send, evtchn_set_priority, evtchn_status,
  evtchn_unmask,
} from '../abi/structs';
import { writeEvtchnStatus } from '../event-channel';
import { XenErrno } from '../errno';
import type { HypercallContext } from '../hypercall/context';
import type { HypercallFamily } from './index';

type Op = { name: string; def: StructDef; run: (ctx: HypercallContext, s: StructView) => number; out: boolean };

const op = (name: string, def: StructDef, out: boolean, run: Op['run']): Op => ({ name, def, run, out });

/** EVTCHNOP_* by number (public/event_channel.h). */
const OPS: Record<number, Op> = {
  0: op('bind_interdomain', evtchn_bind_interdomain, true, (c, s) =>
    setPort(s, 'local_port', c.domain.evtchn.bindInterdomain(s.getNum('remote_dom'), s.getNum('remote_port')))),
  1: op('bind_virq', evtchn_bind_virq, true, (c, s) =>
    setPort(s, 'port', c.domain.evtchn.bindVirq(s.getNum('virq'), s.getNum('vcpu')))),
  // PIRQs belong to passed-through devices; an ordinary domU has none (physdev map_pirq is privileged).
  2: op('bind_pirq', evtchn_bind_pirq, true, () => -XenErrno.EINVAL),
  3: op('close', evtchn_close, false, (c, s) => c.domain.evtchn.close(s.getNum('port'))),
  4: op('send', evtchn_send, false, (c, s) => c.domain.evtchn.send(s.getNum('port'))),
  5: op('status', evtchn_status, true, (c, s) => {
    const r = c.domain.evtchn.status(s.getNum('dom'), s.getNum('port'));
    if (r.info) writeEvtchnStatus(s, r.info);
    return r.rc;
  }),
  6: op('alloc_unbound', evtchn_alloc_unbound, true, (c, s) =>
    setPort(s, 'port', c.domain.evtchn.allocUnbound(s.getNum('dom'), s.getNum('remote_dom')))),
  7: op('bind_ipi', evtchn_bind_ipi, true, (c, s) => setPort(s, 'port', c.domain.evtchn.bindIpi(s.getNum('vcpu')))),
  8: op('bind_vcpu', evtchn_bind_vcpu, false, (c, s) => c.domain.evtchn.bindVcpu(s.getNum('port'), s.getNum('vcpu'))),
  9: op('unmask', evtchn_unmask, false, (c, s) => c.domain.evtchn.unmask(s.getNum('port'))),
  10: op('reset', evtchn_reset, false, (c, s) => c.domain.evtchn.reset(s.getNum('dom'))),
  11: op('init_control', evtchn_init_control, true, (c, s) => {
    const r = c.domain.evtchn.initControl(s.getNum('vcpu'), s.getBig('control_gfn'), s.getNum('offset'));
    if (r.rc === 0) s.set('link_bits', r.linkBits);
    if (r.unimplemented) c.hv.warn(c.vcpu, 'EVTCHNOP_init_control: the FIFO event-channel ABI is not emulated yet; returned -ENOSYS so the guest uses 2-level');
    return r.rc;
  }),
  12: op('expand_array', evtchn_expand_array, false, (c, s) => c.domain.evtchn.expandArray(s.getBig('array_gfn'))),
  13: op('set_priority', evtchn_set_priority, false, (c, s) =>
    c.domain.evtchn.setPriority(s.getNum('port'), s.getNum('priority'))),
  14: op('reset_cont', evtchn_reset, false, (c, s) => c.domain.evtchn.reset(s.getNum('dom'))),
};

/** Port-returning ops: store the port on success, pass the errno through. */
function setPort(s: StructView, field: string, rc: number): number {
  if (rc < 0) return rc;
  s.set(field, rc);
  return 0;
}

function run(ctx: HypercallContext, cmd: number, argAddr: bigint, writeBackAt: bigint): number {
  const o = OPS[cmd];
  if (!o) return -XenErrno.ENOSYS;
  ctx.subop = `EVTCHNOP_${o.name}`;
  const s = ctx.guest.readStruct(o.def, argAddr);
  if (!s) return -XenErrno.EFAULT;
  for (const name of s.layout.fields.keys()) {
    const f = s.layout.fields.get(name)!;
    if (f.type.kind === 'scalar' && !name.startsWith('_')) ctx.traceArgs[name] = Number(s.getBig(name));
  }
  const rc = o.run(ctx, s);
  if (rc === 0 && o.out && !ctx.guest.writeStruct(s, writeBackAt)) return -XenErrno.EFAULT;
  if (rc === 0 && o.out) {
    for (const f of ['port', 'local_port', 'status', 'vcpu', 'link_bits']) {
      if (s.layout.fields.has(f)) ctx.traceArgs[f] = Number(s.getBig(f));
    }
  }
  return rc;
}

function eventChannelOp(ctx: HypercallContext): number {
  const arg = ctx.ulong(1);
  return run(ctx, ctx.i32(0), arg, arg);
}

/** Legacy hypercall 16: `struct evtchn_op { u32 cmd; union u; }`, the union at offset 4. */
function eventChannelOpCompat(ctx: HypercallContext): number {
  const arg = ctx.ulong(0);
  const cmd = ctx.guest.readU32(arg);
  if (cmd === null) return -XenErrno.EFAULT;
  return run(ctx, cmd | 0, arg + 4n, arg + 4n);
}

export const eventChannelHypercalls: HypercallFamily = {
  event_channel_op: eventChannelOp, event_channel_op_compat: eventChannelOpCompat,
};
