/**
 * 64-bit PV guest entry (fact sheet §7): exceptions and software interrupts bounced through the virtual
 * IDT with Xen's exact frame (RCX, R11, [error code], RIP, CS | saved mask << 32, RFLAGS, RSP, SS on a
 * 16-byte aligned kernel stack), #PF with CR2 in vcpu_info, INT n DPL checks, privileged-op emulation,
 * an event upcall, the iret hypercall into user mode with GS/page-table switch, and SYSCALL back into the
 * guest kernel through the syscall callback.
 */
import * as assert from 'node:assert/strict';
import { Reg } from '../../../emulator/cpu/api-types';
import { bootGuest, describeStop, PvMachine } from './harness';

const IF = 0x200n;

describe('PV64 traps, upcalls, iret and syscall', function () {
  let m: PvMachine;
  /** Frame word k of record slot `slot`. */
  const fw = (slot: number, k: number): bigint => m.u64(m.sym('frames') + BigInt(slot * 128 + k * 8));
  const entryRsp = (slot: number): bigint => m.u64(m.sym('entry_rsp') + BigInt(slot * 8));
  const count = (slot: number): bigint => m.u64(m.sym('counts') + BigInt(slot * 8));
  const r = (name: string): bigint => m.u64(m.sym(name));
  let atUser: { kernelMode: boolean; gs: bigint; kgs: bigint; cs: number; cpl: number; rflags: bigint } | undefined;

  before(function () {
    m = bootGuest('pv64-traps');
    m.hv.startDomain(m.d);
    const cpu = m.v0.cpu;
    cpu.addBreakpoint(m.sym('user_syscall'));
    const first = m.hv.run(3_000_000);
    assert.equal(first.kind, 'vcpu', describeStop(first));
    atUser = {
      kernelMode: m.v0.pv!.kernelMode, gs: cpu.getSegment(5).base, kgs: cpu.msrKernelGsBase, cs: cpu.getSegment(1).selector,
      cpl: cpu.cpl, rflags: cpu.rflags,
    };
    cpu.removeBreakpoint(m.sym('user_syscall'));
    const stop = m.hv.run(3_000_000);
    assert.equal(stop.kind, 'shutdown', describeStop(stop));
    assert.equal(m.d.shutdown?.reason, 'poweroff', m.d.shutdown?.detail);
  });

  it('accepts the trap table', function () {
    assert.equal(r('r_trap_table'), 0n);
  });

  it('bounces #UD with the exact frame: RCX, R11, RIP, CS|mask<<32, RFLAGS, RSP, SS, 16-byte aligned', function () {
    assert.equal(count(6), 1n);
    const rsp = fw(6, 5);
    assert.equal(fw(6, 2), m.sym('ud2_insn'), 'RIP of the faulting ud2');
    assert.equal(fw(6, 3), 0xe030n | (1n << 32n), 'CS with RPL 0 (kernel context) and saved mask 1');
    assert.equal(fw(6, 4) & IF, 0n, 'IF = !saved mask');
    assert.equal(fw(6, 6), 0xe02bn);
    assert.equal(entryRsp(6), (rsp & ~15n) - 56n, 'seven words below the aligned stack');
  });

  it('bounces #PF with the error code, CR2 in vcpu_info.arch.cr2 and the U bit of guest kernel mode', function () {
    assert.equal(count(14), 1n);
    assert.equal(fw(14, 2), 2n, 'write to a not-present page from guest kernel mode: W, not U');
    assert.equal(fw(14, 3), m.sym('pf_insn'));
    assert.equal(entryRsp(14), (fw(14, 6) & ~15n) - 64n, 'eight words with the error code');
    // The last CR2 the guest wrote (mov to %cr2, emulated) replaced it afterwards; the trace kept the fault's.
    const pf = m.events.find((e) => e.kind === 'exception' && e.name === '#PF');
    assert.equal(pf?.args?.cr2, '0x1000');
    assert.equal(m.d.vcpuInfo(0)?.getBig('arch.cr2'), 0x1234abcdn, 'mov to %cr2 updates vcpu_info.arch.cr2');
  });

  it('reflects hlt as #GP(0) (not an emulated instruction)', function () {
    assert.equal(count(13), 2n, 'hlt and the refused int $0x81');
    const gp = m.events.filter((e) => e.kind === 'exception' && e.name === '#GP');
    assert.deepEqual(gp.map((e) => e.args?.errorCode), ['0x0', '0x40a']);
    assert.deepEqual(gp.map((e) => e.args?.rip), [`0x${m.sym('hlt_insn').toString(16)}`, `0x${m.sym('int81_insn').toString(16)}`]);
  });

  it('delivers int $0x80 (DPL 3) after the instruction, refuses int $0x81 with #GP(0x81*8+2)', function () {
    assert.equal(count(31), 1n);
    assert.equal(fw(31, 2), m.sym('int80_insn') + 2n, 'software interrupt: return address after int');
    assert.equal(fw(13, 2), 0x40an, 'error code of the last #GP (int $0x81)');
    assert.equal(fw(13, 3), m.sym('int81_insn'), 'RIP stays on the faulting int');
  });

  it('delivers int3 as #BP after the instruction', function () {
    assert.equal(count(3), 1n);
    assert.equal(fw(3, 2), m.sym('int3_insn') + 1n);
  });

  it('emulates mov from CR3/CR0, rdmsr/wrmsr of EFER and FS base, mov to CR2', function () {
    const ptMfn = BigInt(m.v0.pv!.kernelBaseMfn);
    assert.equal(r('r_cr3'), ptMfn << 12n, 'xen_pfn_to_cr3(kernel base)');
    assert.equal(r('r_cr0') & 0x80010001n, 0x80010001n);
    assert.equal(r('r_efer') & 0xd01n, 0xd01n);
    assert.equal(r('r_fsbase'), 0x5000n);
    assert.equal(m.v0.cpu.getSegment(4).base, 0x5000n, 'wrmsr(FS_BASE) reached the core');
  });

  it('bounces an event to the callback with events masked and emits an upcall trace event', function () {
    assert.equal(r('r_uvm'), 0n, 'update_va_mapping of shared_info');
    assert.equal(r('r_bind'), 0n);
    assert.equal(r('r_send'), 0n);
    assert.equal(r('r_pending'), 1n, 'pending while masked');
    assert.equal(r('r_after_upcall'), 1n, 'the callback returned into xen_version with HYPERVISOR_iret');
    assert.equal(r('r_mask_after'), 0n, 'iret restored the mask from the frame (IF set)');
    assert.equal(count(32), 1n);
    assert.equal(r('r_mask_in_cb'), 1n, 'evtchn_upcall_mask set by the bounce');
    const stub = m.sym('hypercall_page') + 17n * 32n;
    assert.equal(fw(32, 2), stub + 10n, 'RIP after the syscall in the xen_version stub');
    assert.equal(fw(32, 3), 0xe030n, 'saved mask 0');
    assert.equal(fw(32, 4) & IF, IF);
    const up = m.events.filter((e) => e.kind === 'upcall');
    assert.equal(up.length, 1);
    assert.equal(up[0].name, 'event-callback');
    assert.equal(up[0].args?.rip, `0x${m.sym('event_cb').toString(16)}`);
  });

  it('iret switches to user mode: user GS base active, CS RPL 3, events unmasked', function () {
    assert.equal(r('r_user_base'), 0n);
    assert.equal(r('r_cbreg'), 0n);
    assert.ok(atUser);
    assert.equal(atUser.kernelMode, false);
    assert.equal(atUser.gs, 0x2222000n);
    assert.equal(atUser.kgs, 0x1111000n);
    assert.equal(atUser.cs, 0xe033);
    assert.equal(atUser.rflags & IF, IF);
  });

  it('bounces SYSCALL from user mode to the syscall callback on the kernel stack, back in kernel mode', function () {
    assert.equal(count(33), 1n);
    const after = m.sym('after_syscall');
    assert.equal(fw(33, 0), after, 'RCX = return RIP');
    assert.equal(fw(33, 1) & IF, IF, 'R11 = user RFLAGS');
    assert.equal(fw(33, 2), after);
    assert.equal(fw(33, 3), 0xe033n, 'user CS (RPL 3), saved mask 0');
    assert.equal(fw(33, 5), m.sym('ustack_top'));
    assert.equal(fw(33, 6), 0xe02bn);
    assert.equal(entryRsp(33), (m.sym('kstack_top') & ~15n) - 56n, 'kernel_sp from stack_switch');
    assert.equal(m.v0.pv!.kernelMode, true);
    assert.equal(m.v0.cpu.getSegment(5).base, 0x1111000n, 'kernel GS base back');
    assert.equal(m.v0.cpu.getReg(Reg.RBX), 0x5a5an);
  });
});

describe('PV64 fatal entries', function () {
  function runToEnd(m: PvMachine): void {
    m.hv.startDomain(m.d);
    const stop = m.hv.run(2_000_000);
    assert.equal(stop.kind, 'shutdown', describeStop(stop));
  }

  it('crashes the domain when an exception has no handler (runner guest, no trap table)', function () {
    const m = bootGuest('pv64-runner');
    m.poke(m.sym('_start'), new Uint8Array([0x0f, 0x0b])); // ud2 at the entry point
    runToEnd(m);
    assert.equal(m.d.shutdown?.reason, 'crash');
    assert.match(m.d.shutdown?.detail ?? '', /#UD.*no guest handler registered/);
  });

  it('crashes the domain when the bounce frame cannot be written (no kernel stack)', function () {
    const m = bootGuest('pv64-traps');
    // Stop before the first ud2 and point RSP (the kernel stack for the bounce) at an unmapped page.
    m.hv.startDomain(m.d);
    m.v0.cpu.addBreakpoint(m.sym('ud2_insn'));
    const s1 = m.hv.run(1_000_000);
    assert.equal(s1.kind, 'vcpu', describeStop(s1));
    m.v0.cpu.setReg(Reg.RSP, 0x2000n);
    m.v0.cpu.removeBreakpoint(m.sym('ud2_insn'));
    const stop = m.hv.run(1_000_000);
    assert.equal(stop.kind, 'shutdown', describeStop(stop));
    assert.equal(m.d.shutdown?.reason, 'crash');
    assert.match(m.d.shutdown?.detail ?? '', /fault writing the bounce frame/);
  });
});
