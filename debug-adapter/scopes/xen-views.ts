/**
 * The Xen scopes of a stopped vCPU: its vcpu_info, the domain's shared_info (pending and masked ports as
 * port numbers, the wallclock), the event channels, and the hypercall in flight or just returned. Struct
 * views come from the emulator's layout declarations (emulator/xen/abi) through values/xenValue, so the
 * debugger shows exactly what the hypervisor reads and writes.
 */
import type { Domain } from '../../emulator/xen/domain';
import { VIRQ } from '../../emulator/xen/evtchn/constants';
import type { Vcpu } from '../../emulator/xen/vcpu';
import { shared_info, vcpu_info, xen_memory_reservation, evtchn_send, evtchn_alloc_unbound, evtchn_bind_virq,
  evtchn_bind_ipi, evtchn_close, evtchn_unmask, evtchn_status, evtchn_bind_interdomain, sched_shutdown, sched_poll,
  xen_add_to_physmap, xen_memory_map, vcpu_register_vcpu_info, vcpu_set_singleshot_timer, vcpu_set_periodic_timer,
  xen_hvm_param } from '../../emulator/xen/abi/structs';
import { layoutOf, StructDef } from '../../emulator/xen/abi/layout';
import { errnoName, isErrorReturn } from '../../emulator/xen/errno';
import type { EventChannelPort } from '../protocol';
import { NamedValue, xenValue } from '../values';
import type { PendingHypercall } from '../breakpoints/hypervisor';
import { synthetic, Field } from './synthetic';

const VIRQ_NAMES = new Map<number, string>(Object.entries(VIRQ).map(([k, n]) => [n, `VIRQ_${k}`]));

const hex = (v: bigint | number): Field => ({ hex: BigInt(v) });

/** The ports whose bit is set in a 2-level bitmap (shared_info.evtchn_pending / evtchn_mask). */
export function setPorts(d: Domain, field: 'evtchn_pending' | 'evtchn_mask'): number[] {
  const si = d.sharedInfo();
  const f = si.layout.fields.get(field)!;
  if (f.type.kind !== 'array') return [];
  const words = f.type.count;
  const bits = f.type.elemSize * 8;
  const out: number[] = [];
  for (let w = 0; w < words; w++) {
    const word = si.getBig(field, w);
    if (word === 0n) continue;
    for (let b = 0; b < bits; b++) if ((word >> BigInt(b)) & 1n) out.push(w * bits + b);
  }
  return out;
}

export function sharedInfoMapped(d: Domain): boolean { return d.sharedInfoAddr !== 0; }

export function vcpuInfoScope(v: Vcpu): NamedValue[] {
  const d = v.domain;
  if (v.vcpuInfoAddr === undefined) return [{ name: 'vcpu_info', value: synthetic(`${v.label} has no vcpu_info (not registered, beyond the legacy slots)`) }];
  const info = d.vcpuInfo(v.id)!;
  const summary = synthetic({ record: [
    ['evtchn_upcall_pending', info.getNum('evtchn_upcall_pending')],
    ['evtchn_upcall_mask', info.getNum('evtchn_upcall_mask')],
    ['evtchn_pending_sel', hex(info.getBig('evtchn_pending_sel'))],
    ['registered', v.vcpuInfoRegistered ? `VCPUOP_register_vcpu_info at mach:0x${v.vcpuInfoAddr.toString(16)}` : `shared_info.vcpu_info[${v.id}]`],
  ] });
  const whole = xenValue(vcpu_info, d.sharedInfoAbi, BigInt(v.vcpuInfoAddr), 'machine');
  const members = (whole.type.kind === 'struct' ? whole.type.members : []);
  const out: NamedValue[] = members.filter((m) => m.name).map((m) => ({
    name: m.name!, evaluateName: `vcpu_info[${v.id}].${m.name}`,
    value: { type: m.type, location: { kind: 'memory', address: BigInt(v.vcpuInfoAddr!) + BigInt(m.offset), space: 'machine' } },
  }));
  out.push({ name: '(summary)', value: summary });
  return out;
}

export function sharedInfoScope(d: Domain): NamedValue[] {
  if (!sharedInfoMapped(d)) return [{ name: 'shared_info', value: synthetic('not mapped yet (HVM: XENMAPSPACE_shared_info not done)') }];
  const si = d.sharedInfo();
  const wc: [string, Field][] = [['wc_version', si.getNum('wc_version')], ['wc_sec', si.getNum('wc_sec')], ['wc_nsec', si.getNum('wc_nsec')]];
  const hi = si.layout.fields.has('wc_sec_hi') ? si.getNum('wc_sec_hi') : si.layout.fields.has('arch.wc_sec_hi') ? si.getNum('arch.wc_sec_hi') : 0;
  wc.push(['wc_sec_hi', hi]);
  const secs = (BigInt(hi) << 32n) | BigInt(si.getNum('wc_sec'));
  wc.push(['as_date', new Date(Number(secs) * 1000 + Math.floor(si.getNum('wc_nsec') / 1e6)).toISOString()]);
  const whole = xenValue(shared_info, d.sharedInfoAbi, BigInt(d.sharedInfoAddr), 'machine');
  return [
    { name: 'pending ports', value: synthetic({ array: setPorts(d, 'evtchn_pending') }) },
    { name: 'masked ports', value: synthetic({ array: setPorts(d, 'evtchn_mask') }) },
    { name: 'wallclock', value: synthetic({ record: wc }) },
    { name: 'arch', evaluateName: 'shared_info.arch', value: memberOf(whole, 'arch', d) },
    { name: 'shared_info', evaluateName: 'shared_info', value: whole },
  ];
}

function memberOf(whole: ReturnType<typeof xenValue>, name: string, d: Domain): ReturnType<typeof xenValue> {
  const m = whole.type.kind === 'struct' ? whole.type.members.find((x) => x.name === name) : undefined;
  if (!m) return synthetic('?');
  return { type: m.type, location: { kind: 'memory', address: BigInt(d.sharedInfoAddr) + BigInt(m.offset), space: 'machine' } };
}

/** The event-channel table of a domain, as the custom request and the scope both show it. */
export function eventChannelPorts(d: Domain): EventChannelPort[] {
  if (!d.evtchn) return [];
  const pending = new Set(sharedInfoMapped(d) ? setPorts(d, 'evtchn_pending') : []);
  const masked = new Set(sharedInfoMapped(d) ? setPorts(d, 'evtchn_mask') : []);
  return d.evtchn.ports().filter((p) => p.state !== 'reserved').map((p) => {
    let binding: string;
    switch (p.state) {
      case 'virq': binding = VIRQ_NAMES.get(p.virq ?? -1) ?? `VIRQ ${p.virq}`; break;
      case 'interdomain': binding = `remote d${p.remoteDom}:${p.remotePort}`; break;
      case 'unbound': binding = `unbound, remote d${p.remoteDom} may bind`; break;
      case 'pirq': binding = `PIRQ ${p.pirq}`; break;
      case 'ipi': binding = 'IPI'; break;
      default: binding = '';
    }
    return { port: p.port, state: p.state === 'free' ? 'closed' : p.state, binding, vcpu: p.vcpu, pending: pending.has(p.port), masked: masked.has(p.port) };
  });
}

export function eventChannelScope(d: Domain): NamedValue[] {
  const ports = eventChannelPorts(d);
  if (!ports.length) return [{ name: 'ports', value: synthetic('no event channels bound') }];
  return ports.map((p) => ({
    name: `port ${p.port}`,
    value: synthetic({ record: [['state', p.state], ['binding', p.binding], ['vcpu', p.vcpu], ['pending', p.pending], ['masked', p.masked]] }, 'evtchn'),
  }));
}

/** Guest-memory argument structs by hypercall/sub-op: which argument points at which struct. */
function argumentStruct(name: string, subop: string | undefined): { def: StructDef; arg: number } | undefined {
  switch (subop) {
    case 'XENMEM_increase_reservation': case 'XENMEM_decrease_reservation': case 'XENMEM_populate_physmap':
      return { def: xen_memory_reservation, arg: 1 };
    case 'XENMEM_add_to_physmap': return { def: xen_add_to_physmap, arg: 1 };
    case 'XENMEM_memory_map': case 'XENMEM_machine_memory_map': return { def: xen_memory_map, arg: 1 };
    case 'EVTCHNOP_send': return { def: evtchn_send, arg: 1 };
    case 'EVTCHNOP_alloc_unbound': return { def: evtchn_alloc_unbound, arg: 1 };
    case 'EVTCHNOP_bind_virq': return { def: evtchn_bind_virq, arg: 1 };
    case 'EVTCHNOP_bind_ipi': return { def: evtchn_bind_ipi, arg: 1 };
    case 'EVTCHNOP_bind_interdomain': return { def: evtchn_bind_interdomain, arg: 1 };
    case 'EVTCHNOP_close': return { def: evtchn_close, arg: 1 };
    case 'EVTCHNOP_unmask': return { def: evtchn_unmask, arg: 1 };
    case 'EVTCHNOP_status': return { def: evtchn_status, arg: 1 };
    case 'SCHEDOP_shutdown': return { def: sched_shutdown, arg: 1 };
    case 'SCHEDOP_poll': return { def: sched_poll, arg: 1 };
    case 'VCPUOP_register_vcpu_info': return { def: vcpu_register_vcpu_info, arg: 2 };
    case 'VCPUOP_set_singleshot_timer': return { def: vcpu_set_singleshot_timer, arg: 2 };
    case 'VCPUOP_set_periodic_timer': return { def: vcpu_set_periodic_timer, arg: 2 };
    case 'HVMOP_set_param': case 'HVMOP_get_param': return { def: xen_hvm_param, arg: 1 };
    default: return name === 'event_channel_op_compat' ? undefined : undefined;
  }
}

/**
 * The Hypercall scope: the call `pending` at this vCPU's RIP (stopped at its entry), else the one in flight
 * or last returned (Vcpu.hypercall), with its continuation state.
 */
export function hypercallScope(v: Vcpu, pending: PendingHypercall | undefined, argNames: (name: string, compat: boolean) => readonly string[]): NamedValue[] {
  const h = v.hypercall;
  const rec = pending
    ? { nr: pending.nr, name: pending.name, subop: pending.subop, args: pending.args, compat: pending.compat, state: pending.resumption ? 'about to re-execute (continuation)' : 'about to execute', rip: pending.rip, ret: undefined as bigint | undefined, errno: undefined as string | undefined, continuation: pending.resumption ? h?.continuation : undefined }
    : h ? { nr: h.nr, name: h.name, subop: h.subop, args: h.args, compat: h.abi === 'x86_32', state: h.state, rip: h.rip, ret: h.ret, errno: h.errno, continuation: h.continuation } : undefined;
  if (!rec) return [{ name: 'hypercall', value: synthetic(`${v.label} has made no hypercall yet`) }];
  const names = argNames(rec.name, rec.compat);
  const args: [string, Field][] = rec.args.map((a, i) => [names[i] ?? `arg${i + 1}`, hex(a)]);
  const fields: [string, Field][] = [
    ['nr', rec.nr], ['name', rec.name], ['subop', rec.subop ?? ''], ['state', rec.state], ['site', hex(rec.rip)],
    ['args', { record: args }],
  ];
  if (rec.ret !== undefined) {
    const n = Number(rec.ret);
    fields.push(['ret', n < 0 ? n : hex(rec.ret)]);
    fields.push(['errno', rec.errno ?? (isErrorReturn(n) ? errnoName(n) ?? '' : '')]);
  }
  const c = rec.continuation;
  fields.push(['continuation', c ? { record: [['cmd', c.encoded], ['progress', c.progress], ['preemptions', c.preemptions]] } : 'none']);
  fields.push(['preemptions so far', v.preemptions]);
  const out: NamedValue[] = [{ name: 'hypercall', value: synthetic({ record: fields }, 'hypercall') }];
  const s = argumentStruct(rec.name, rec.subop);
  if (s && rec.args[s.arg] !== undefined && rec.args[s.arg] !== 0n) {
    const abi = rec.compat ? 'x86_32' : 'x86_64';
    try {
      layoutOf(s.def, abi);
      out.push({ name: `*${names[s.arg] ?? `arg${s.arg + 1}`} (struct ${s.def.name})`, value: xenValue(s.def, abi, rec.args[s.arg], 'virtual') });
    } catch { /* struct not on this ABI */ }
  }
  return out;
}
