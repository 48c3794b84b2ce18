/**
 * 32-bit PAE PV guest entry (fact sheet §7, compat_create_bounce_frame): frames [error code], EIP,
 * CS | saved mask << 16, EFLAGS, and ESP, SS when coming from ring 2/3 (then on kernel_ss:kernel_sp);
 * int $0x82 is a hypercall only from ring 1; the compat iret frame; the event upcall with {cs, eip}.
 */
import * as assert from 'node:assert/strict';
import { bootGuest, describeStop, PvMachine } from './harness';

const IF = 0x200;

describe('PV32 traps, upcalls and ring-3 round trips', function () {
  let m: PvMachine;
  const fw = (slot: number, k: number): number => m.u32(m.sym('frames') + BigInt(slot * 32 + k * 4));
  const entryEsp = (slot: number): number => m.u32(m.sym('entry_esp') + BigInt(slot * 4));
  const count = (slot: number): number => m.u32(m.sym('counts') + BigInt(slot * 4));
  const r = (name: string): number => m.u32(m.sym(name));
  const sym = (name: string): number => Number(m.sym(name));

  before(function () {
    m = bootGuest('pv32-traps', { memoryMiB: 16 });
    m.hv.startDomain(m.d);
    const stop = m.hv.run(3_000_000);
    assert.equal(stop.kind, 'shutdown', describeStop(stop));
    assert.equal(m.d.shutdown?.reason, 'poweroff', m.d.shutdown?.detail);
  });

  it('bounces #UD from ring 1 on the current stack: EIP, CS|mask<<16, EFLAGS', function () {
    assert.equal(r('r_trap_table'), 0);
    assert.equal(count(6), 1);
    assert.equal(fw(6, 0), sym('ud2_insn'));
    assert.equal(fw(6, 1), 0xe019 | (1 << 16), 'ring-1 CS, saved mask 1 in bits 23:16');
    assert.equal(fw(6, 2) & IF, 0);
    assert.equal(entryEsp(6) % 4, 0, 'no 16-byte alignment for compat frames, but dword-aligned here');
  });

  it('bounces #PF with the error code first and CR2 in the 32-bit vcpu_info', function () {
    assert.equal(count(14), 1);
    assert.equal(fw(14, 0), 2, 'not present, write, kernel mode');
    assert.equal(fw(14, 1), sym('pf_insn'));
    assert.equal(m.d.vcpuInfo(0)?.getBig('arch.cr2'), 0x1000n);
  });

  it('delivers an event upcall to {cs, eip} with events masked', function () {
    assert.equal(r('r_uvm'), 0);
    assert.equal(r('r_send'), 0);
    assert.equal(r('r_after_upcall'), 1, 'returned with the iret hypercall to ring 1');
    assert.equal(r('r_mask_after'), 0);
    assert.equal(count(32), 1);
    assert.equal(r('r_mask_in_cb'), 1);
    assert.equal(fw(32, 0), sym('hypercall_page') + 17 * 32 + 7, 'EIP after int $0x82 in the xen_version stub');
    assert.equal(fw(32, 1), 0xe019, 'saved mask 0');
    assert.equal(fw(32, 2) & IF, IF);
  });

  it('treats int $0x82 from ring 3 as #GP(0x82*8+2) delivered on kernel_ss:kernel_sp with ESP and SS', function () {
    assert.equal(r('r_user1'), 0);
    assert.equal(r('r_user2'), 0);
    assert.equal(count(13), 1);
    assert.equal(fw(13, 0), 0x412);
    assert.equal(fw(13, 1), sym('user_int82'));
    assert.equal(fw(13, 2), 0xe02b, 'ring-3 CS, events were enabled by iret (EFLAGS.IF)');
    assert.equal(fw(13, 3) & IF, IF);
    assert.equal(fw(13, 4), sym('ustack_top'));
    assert.equal(fw(13, 5), 0xe033);
    assert.equal(entryEsp(13), sym('kstack_top') - 24);
  });

  it('delivers int $0x80 (DPL 3) from ring 3 after the instruction, on the kernel stack', function () {
    assert.equal(count(31), 1);
    assert.equal(fw(31, 0), sym('user_int80') + 2);
    assert.equal(fw(31, 1), 0xe02b);
    assert.equal(fw(31, 3), sym('ustack_top'));
    assert.equal(fw(31, 4), 0xe033);
    assert.equal(entryEsp(31), sym('kstack_top') - 20);
  });

  it('leaves the vCPU in ring 1 on the kernel stack segment after the bounce', function () {
    const up = m.events.filter((e) => e.kind === 'hypercall-return' && e.name === 'iret');
    assert.equal(up.length, 3);
    assert.equal(m.v0.cpu.cpl, 1);
    assert.equal(m.v0.cpu.getSegment(2).selector, 0xe021);
  });
});
