/**
 * The hypervisor core as an HVM guest sees it: dispatch per ABI, -ENOSYS/-EPERM rules, continuations,
 * debug-build poisoning, xen_version, console_io, sched_op, set_timer_op and event channels.
 */
import * as assert from 'assert';
import { Reg, Seg } from '../../emulator/cpu/api-types';
import { XenErrno } from '../../emulator/xen/errno';
import { CODE_AT, SCRATCH, createHarness } from './hypercall-harness';

const text = (b: Uint8Array): string => Buffer.from(b).toString('latin1').replace(/\0.*$/s, '');
const u32 = (h: { peek(a: number, n: number): Uint8Array }, a: number): number => Buffer.from(h.peek(a, 4)).readUInt32LE(0);

describe('hypercall dispatch (HVM)', () => {
  for (const mode of ['hvm32', 'hvm64'] as const) {
    describe(mode, () => {
      it('returns the version word for xen_version(XENVER_version)', () => {
        const h = createHarness({ mode });
        assert.strictEqual(h.call(17, [0, 0]).ret, 0x40011n);
      });
      it('answers an unassigned hypercall number and a PV-only one with -ENOSYS', () => {
        const h = createHarness({ mode });
        assert.strictEqual(h.call(11).ret, BigInt(-XenErrno.ENOSYS));
        assert.strictEqual(h.call(0 /* set_trap_table */, [SCRATCH]).ret, BigInt(-XenErrno.ENOSYS));
        assert.strictEqual(h.call(63).ret, BigInt(-XenErrno.ENOSYS));
      });
      it('refuses hypercalls from CPL 3 with -EPERM', () => {
        const h = createHarness({ mode });
        const cpu = h.domain.vcpus[0].cpu;
        const cs = cpu.getSegment(Seg.CS);
        cpu.setSegment(Seg.CS, { ...cs, selector: cs.selector | 3, attributes: cs.attributes | 0x60 });
        assert.strictEqual(h.call(17, [0, 0]).ret, BigInt(-XenErrno.EPERM));
      });
      it('rewinds RIP and re-encodes console_io when preempted after every chunk', () => {
        const h = createHarness({ mode, preemption: 'always' });
        const msg = 'x'.repeat(300) + '\n';
        h.poke(SCRATCH, Buffer.from(msg, 'latin1'));
        let out = '';
        h.hv.trace.subscribe((e) => { if (e.kind === 'console') out += e.text; });
        const r = h.call(18, [0, msg.length, SCRATCH]);
        assert.strictEqual(r.ret, 0n);
        assert.strictEqual(out, msg);
        const conts = h.events.filter((e) => e.kind === 'continuation');
        assert.deepStrictEqual(conts.map((e) => e.args?.count), ['0xae', '0x2f'], 'count left after 127 and 254 of 301 bytes');
        const entries = h.events.filter((e) => e.kind === 'hypercall' && e.name === 'console_io');
        assert.strictEqual(entries.length, 3);
        assert.ok(entries.every((e) => e.rip === `0x${CODE_AT.toString(16)}`), 'each invocation at the vmcall');
        assert.deepStrictEqual(entries.map((e) => e.args?.resumed ?? false), [false, true, true]);
      });
    });
  }

  it('writes only EAX for a 32-bit caller', () => {
    const h = createHarness({ mode: 'hvm32' });
    const cpu = h.domain.vcpus[0].cpu;
    h.call(17, [0, 0]);
    cpu.setReg(Reg.RAX, 0xaaaaaaaa00000000n | 17n);
    cpu.rip = BigInt(CODE_AT);
    h.domain.vcpus[0].blocked = false;
    cpu.halted = false;
    h.hv.run(10);
    assert.strictEqual(cpu.getReg(Reg.RAX), 0xaaaaaaaa00040011n);
  });

  it('poisons the used argument registers in a debug build, and not in a release build', () => {
    for (const [xen, poisoned] of [['4.17-debug', true], ['4.17', false]] as const) {
      const h = createHarness({ mode: 'hvm64', xenVersion: xen });
      h.call(17, [0, 0]);
      const cpu = h.domain.vcpus[0].cpu;
      assert.strictEqual(cpu.getReg(Reg.RDI) === 0xdeadbeefdeadf00dn, poisoned, xen);
      assert.strictEqual(cpu.getReg(Reg.RDX) === 0xdeadbeefdeadf00dn, false, 'xen_version has two parameters');
    }
  });
});

describe('xen_version subops', () => {
  it('copies extraversion, capabilities (with the trailing space) and the denied command line', () => {
    const h = createHarness({ mode: 'hvm64' });
    assert.strictEqual(h.call(17, [1, SCRATCH]).ret, 0n);
    assert.strictEqual(text(h.peek(SCRATCH, 16)), '.0');
    assert.strictEqual(h.call(17, [3, SCRATCH]).ret, 0n);
    assert.strictEqual(text(h.peek(SCRATCH, 1024)), 'xen-3.0-x86_64 xen-3.0-x86_32p hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64 ');
    assert.strictEqual(h.call(17, [9, SCRATCH]).ret, 0n);
    assert.strictEqual(text(h.peek(SCRATCH, 1024)), '<denied>');
    assert.strictEqual(h.call(17, [10, SCRATCH]).ret, BigInt(-XenErrno.EPERM));
  });
  it('reports platform_parameters per caller mode and profile (§5.1)', () => {
    const pp = (mode: 'hvm32' | 'hvm64', xen: string): bigint => {
      const h = createHarness({ mode, xenVersion: xen });
      h.poke(SCRATCH, new Uint8Array(8).fill(0x55));
      assert.strictEqual(h.call(17, [5, SCRATCH]).ret, 0n);
      return Buffer.from(h.peek(SCRATCH, 8)).readBigUInt64LE(0);
    };
    assert.strictEqual(pp('hvm64', '4.17'), 0xffff800000000000n);
    assert.strictEqual(pp('hvm32', '4.17'), 0x55555555ffffffffn, 'compat writes 4 bytes');
    assert.strictEqual(pp('hvm64', '4.19'), 0n);
  });
  it('returns the XENFEAT submap per profile and -EINVAL for other submaps', () => {
    const feat = (xen: string, idx = 0): [bigint, number] => {
      const h = createHarness({ mode: 'hvm64', xenVersion: xen });
      h.poke(SCRATCH, [idx, 0, 0, 0, 0, 0, 0, 0]);
      const r = h.call(17, [6, SCRATCH]).ret;
      return [r, u32(h, SCRATCH + 4)];
    };
    assert.deepStrictEqual(feat('4.17'), [0n, 0x12305]);
    assert.deepStrictEqual(feat('4.19'), [0n, 0x1d2305]);
    assert.deepStrictEqual(feat('4.4'), [0n, 0x705]);
    assert.strictEqual(feat('4.17', 1)[0], BigInt(-XenErrno.EINVAL));
  });
  it('checks pagesize takes NULL, and knows which subops a version has', () => {
    const h = createHarness({ mode: 'hvm64' });
    assert.strictEqual(h.call(17, [7, 0]).ret, 4096n);
    assert.strictEqual(h.call(17, [7, SCRATCH]).ret, BigInt(-XenErrno.EINVAL));
    assert.strictEqual(h.call(17, [11, 0]).ret, BigInt(-XenErrno.ENOSYS), 'extraversion2 is 4.20+');
    const h21 = createHarness({ mode: 'hvm64', xenVersion: '4.21' });
    assert.strictEqual(h21.call(17, [11, 0]).ret, 2n, 'size of ".0" without NUL');
  });
  it('faults with -EFAULT on an unmapped buffer', () => {
    const h = createHarness({ mode: 'hvm64' });
    assert.strictEqual(h.call(17, [1, 0x7fff00000000n]).ret, BigInt(-XenErrno.EFAULT));
  });
});

describe('sched_op, set_timer_op and event channels', () => {
  it('sleeps in SCHEDOP_poll until the VIRQ_TIMER port fires, on virtual time', () => {
    const h = createHarness({ mode: 'hvm64' });
    // EVTCHNOP_bind_virq {virq 0 (TIMER), vcpu 0} → port
    h.poke(SCRATCH, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    assert.strictEqual(h.call(32, [1, SCRATCH]).ret, 0n);
    const port = u32(h, SCRATCH + 8);
    assert.ok(port >= 1);
    const now = h.hv.clock.now;
    const deadline = BigInt(now + 2_000_000);
    assert.strictEqual(h.call(15, [deadline]).ret, 0n);
    // sched_poll {ports → SCRATCH+0x100, nr_ports 1, timeout 0}
    const poll = Buffer.alloc(24);
    poll.writeBigUInt64LE(BigInt(SCRATCH + 0x100), 0);
    poll.writeUInt32LE(1, 8);
    h.poke(SCRATCH + 0x80, poll);
    h.poke(SCRATCH + 0x100, [port, 0, 0, 0]);
    const r = h.call(29, [3, SCRATCH + 0x80], 3_000_000);
    assert.strictEqual(r.ret, 0n);
    assert.ok(h.hv.clock.now >= now + 2_000_000, `woke at ${h.hv.clock.now}, deadline ${deadline}`);
    assert.ok(h.domain.evtchn.isPending(port));
    assert.ok(h.events.some((e) => e.kind === 'timer'));
  });
  it('rejects more than 128 ports in SCHEDOP_poll', () => {
    const h = createHarness({ mode: 'hvm64' });
    const poll = Buffer.alloc(24);
    poll.writeUInt32LE(129, 8);
    h.poke(SCRATCH, poll);
    assert.strictEqual(h.call(29, [3, SCRATCH]).ret, BigInt(-XenErrno.EINVAL));
  });
  it('sets the pending bit in shared_info for an IPI sent to itself', () => {
    const h = createHarness({ mode: 'hvm32' });
    h.poke(SCRATCH, [0, 0, 0, 0, 0, 0, 0, 0]);
    assert.strictEqual(h.call(32, [7, SCRATCH]).ret, 0n); // bind_ipi {vcpu 0}
    const port = u32(h, SCRATCH + 4);
    h.poke(SCRATCH + 16, [port, 0, 0, 0]);
    assert.strictEqual(h.call(32, [4, SCRATCH + 16]).ret, 0n); // send
    const si = h.domain.sharedInfo();
    assert.strictEqual((Number(si.getBig('evtchn_pending', 0)) >> port) & 1, 1);
    assert.strictEqual(h.domain.vcpuInfo(0)!.getNum('evtchn_upcall_pending'), 1);
    assert.strictEqual(h.call(32, [4, SCRATCH + 0x40]).ret, BigInt(-XenErrno.EINVAL), 'send on port 0');
    assert.strictEqual(h.call(32, [99, SCRATCH]).ret, BigInt(-XenErrno.ENOSYS));
  });
  it('reports SCHEDOP_shutdown(crash) as a crashed domain and stops the machine', () => {
    const h = createHarness({ mode: 'hvm64' });
    h.poke(SCRATCH, [3, 0, 0, 0]);
    const r = h.call(29, [2, SCRATCH]);
    assert.strictEqual(r.stop.kind, 'shutdown');
    assert.strictEqual(r.stop.kind === 'shutdown' && r.stop.shutdown.reason, 'crash');
  });
  it('validates vm_assist types per guest type', () => {
    const h = createHarness({ mode: 'hvm64' });
    assert.strictEqual(h.call(21, [0, 5]).ret, 0n, 'runstate_update_flag');
    assert.strictEqual(h.call(21, [0, 2]).ret, BigInt(-XenErrno.EINVAL), 'writable_pagetables is PV-only');
    assert.strictEqual(h.call(21, [7, 5]).ret, BigInt(-XenErrno.ENOSYS));
  });
});
