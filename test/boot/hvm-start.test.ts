/**
 * HVM firmware-style and PVH start of day (fact sheet §6.3): the register state at the first instruction,
 * hvm_start_info with the command line and memory map, the HVM params for console and XenStore, and
 * clear errors for images that do not fit.
 */
import * as assert from 'assert';
import { Reg, Seg } from '../../emulator/cpu/api-types';
import { resolveMachineOptions } from '../../emulator/config/launch-options';
import { createMachine } from '../../emulator/machine';
import { StructView, layoutOf } from '../../emulator/xen/abi/layout';
import { hvm_memmap_table_entry, hvm_start_info } from '../../emulator/xen/abi/structs';
import { buildTestGuest } from '../xen/build-guest';

const boot = (kernel: string, extra: Record<string, unknown> = {}) =>
  createMachine(resolveMachineOptions({ kernel, memoryMiB: 32, ...extra }));

describe('PVH and HVM start of day', () => {
  it('starts a PVH image at PHYS32_ENTRY in flat 32-bit mode with EBX = hvm_start_info', () => {
    const m = boot(buildTestGuest('pvh-smoke'), { cmdline: 'console=hvc0 loglevel=8' });
    assert.strictEqual(m.label, 'PVH');
    const cpu = m.domain.vcpus[0].cpu;
    assert.strictEqual(cpu.mode, 'protected32');
    assert.strictEqual(cpu.getControl('cr0'), 0x11n, 'PE|ET, paging off');
    assert.strictEqual(cpu.getControl('cr4'), 0n);
    assert.strictEqual(cpu.rflags, 0x2n);
    const cs = cpu.getSegment(Seg.CS);
    assert.strictEqual(cs.base, 0n);
    assert.strictEqual(cs.limit, 0xffffffff);
    const si = new StructView(layoutOf(hvm_start_info, 'x86_64'), m.domain.mem.view, Number(cpu.getReg(Reg.RBX)));
    assert.strictEqual(si.getNum('magic'), 0x336ec578);
    assert.strictEqual(si.getNum('version'), 1);
    const cmd = Number(si.getBig('cmdline_paddr'));
    assert.strictEqual(Buffer.from(m.domain.mem.readBytes(cmd, 23)).toString('latin1'), 'console=hvc0 loglevel=8');
    assert.strictEqual(m.domain.mem.read8(cmd + 23), 0, 'NUL-terminated');
    const entries = si.getNum('memmap_entries');
    const e = (i: number) => new StructView(layoutOf(hvm_memmap_table_entry, 'x86_64'), m.domain.mem.view,
      Number(si.getBig('memmap_paddr')) + i * 24);
    assert.strictEqual(entries, 2);
    assert.deepStrictEqual([e(0).getBig('addr'), e(0).getBig('size'), e(0).getNum('type')], [0n, 32n << 20n, 1]);
    assert.strictEqual(e(1).getNum('type'), 2, 'special pages reserved');
  });

  it('starts the same image as HVM firmware at e_entry without a start_info pointer', () => {
    const m = boot(buildTestGuest('pvh-smoke'), { guestType: 'hvm' });
    assert.strictEqual(m.label, 'HVM');
    assert.strictEqual(m.domain.vcpus[0].cpu.getReg(Reg.RBX), 0n);
  });

  it('gives the console and XenStore pages and ports through HVM params', () => {
    const m = boot(buildTestGuest('hvm-smoke'));
    const p = m.domain.hvmParams;
    const ram = 32 * 256;
    assert.ok(Number(p.get(1)) >= ram && Number(p.get(17)) >= ram, 'store and console pages sit above RAM');
    assert.ok(Number(p.get(2)) > 0 && Number(p.get(18)) > 0 && p.get(2) !== p.get(18));
    const ports = m.domain.evtchn.ports().filter((x) => x.state === 'interdomain').map((x) => x.port).sort();
    assert.deepStrictEqual(ports, [Number(p.get(2)), Number(p.get(18))].sort(), 'both bound to the backends');
  });

  it('refuses an image that does not fit in guest memory, naming the segment', () => {
    assert.throws(() => boot(buildTestGuest('hvm-smoke'), { memoryMiB: 1 }), /segment \d+ \[0x.+\) does not fit in 1 MiB/);
  });
});
