/**
 * memory_op (12): reservations with continuations, queries, the physmap, the E820 and the M2P window, for HVM
 * callers in 64-bit and 32-bit mode (real vmcall code through Hypervisor.run) and PV64/PV32 domains (through
 * the dispatcher), across the 4.4 / 4.5 / 4.8 / 4.17 / 4.19 profiles.
 */
import * as assert from 'node:assert/strict';
import { XenErrno } from '../../../emulator/xen/errno';
import { domainMemory } from '../../../emulator/xen/hypercalls/memory-model';
import { grantFrames } from '../../../emulator/xen/grant-frames';
import { PvDomainState, setPvDomainState } from '../../../emulator/xen/pv/state';
import {
  ARGS, CODE, MiB, PV_XEN_FRAMES, TestMachine, eventsOf, hcall, makeHvm, makePv, pvcall, rd32, rd64, readUlongs,
  wr32, wr64, writeUlongs,
} from './hvm-harness';

const MEMORY_OP = 12;
const XENMEM = {
  increase_reservation: 0, decrease_reservation: 1, maximum_ram_page: 2, current_reservation: 3,
  maximum_reservation: 4, populate_physmap: 6, add_to_physmap: 7, memory_map: 9, machine_memory_map: 10,
  exchange: 11, machphys_mapping: 12, maximum_gpfn: 14, remove_from_physmap: 15, add_to_physmap_batch: 23,
};
const DOMID_SELF = 0x7ff0;
const LIST = 0x10000;
const E = (n: number): bigint => BigInt(-n);

/** xen_memory_reservation at ARGS: 64-bit {handle 0, nr 8, order 16, flags 20, domid 24}; compat {0,4,8,12,16}. */
function reservation(m: TestMachine, compat: boolean, r: { list: number; nr: number | bigint; order?: number; flags?: number; domid?: number }): void {
  m.d.mem.fill(ARGS, 64, 0);
  if (compat) {
    wr32(m, ARGS, r.list); wr32(m, ARGS + 4, Number(r.nr)); wr32(m, ARGS + 8, r.order ?? 0);
    wr32(m, ARGS + 12, r.flags ?? 0); m.d.mem.write16(ARGS + 16, r.domid ?? DOMID_SELF);
  } else {
    wr64(m, ARGS, BigInt(r.list)); wr64(m, ARGS + 8, BigInt(r.nr)); wr32(m, ARGS + 16, r.order ?? 0);
    wr32(m, ARGS + 20, r.flags ?? 0); m.d.mem.write16(ARGS + 24, r.domid ?? DOMID_SELF);
  }
}

const isPopulated = (m: TestMachine, gfn: number): boolean => m.d.populated[gfn] === 1;

for (const mode of ['long64', 'protected32'] as const) {
  const compat = mode === 'protected32';
  const esz = compat ? 4 : 8;
  describe(`memory_op reservations, HVM caller in ${mode}`, () => {
    it('decrease_reservation balloons GFNs out: zeroed, unpopulated, tot_pages down, count returned', () => {
      const m = makeHvm({ mode });
      const gfns = [0x400, 0x401, 0x500];
      for (const g of gfns) m.d.mem.fill(g * 4096, 4096, 0xaa);
      writeUlongs(m, LIST, gfns, esz);
      reservation(m, compat, { list: LIST, nr: 3 });
      const before = m.d.totPages;
      const { ret } = hcall(m, MEMORY_OP, [BigInt(XENMEM.decrease_reservation), BigInt(ARGS)]);
      assert.equal(ret, 3n);
      assert.equal(m.d.totPages, before - 3);
      for (const g of gfns) {
        assert.equal(isPopulated(m, g), false);
        assert.equal(m.d.mem.read32(g * 4096 + 100), 0);
      }
      const r = eventsOf(m, 'hypercall-return', 'memory_op').at(-1)!;
      assert.equal(r.subop, 'XENMEM_decrease_reservation');
      assert.equal(r.args?.nr_extents, 3);
      assert.equal(r.args?.extent_order, 0);
      assert.equal(r.args?.domid, '0x7ff0');
      assert.equal(r.ret, 3);
    });

    it('continuation round trip: 1000 extents preempted every 100 units', () => {
      const m = makeHvm({ mode, preemption: { kind: 'every', units: 100 } });
      const gfns = Array.from({ length: 1000 }, (_, i) => 0x400 + i);
      writeUlongs(m, LIST, gfns, esz);
      reservation(m, compat, { list: LIST, nr: 1000 });
      const before = m.d.totPages;
      const ripsAtContinuation: string[] = [];
      m.hv.trace.subscribe((e) => { if (e.kind === 'continuation') ripsAtContinuation.push(`${m.v.cpu.rip}`); });
      const { ret } = hcall(m, MEMORY_OP, [BigInt(XENMEM.decrease_reservation), BigInt(ARGS)]);
      assert.equal(ret, 1000n);
      assert.equal(m.d.totPages, before - 1000);
      const calls = eventsOf(m, 'hypercall', 'memory_op');
      assert.equal(calls.length, 10);
      const cmdName = compat ? 'cmd' : 'cmd';
      assert.deepEqual(calls.map((e) => e.args?.[cmdName]), Array.from({ length: 10 }, (_, k) => `0x${((k * 100) << 6 | 1).toString(16)}`));
      assert.deepEqual(calls.map((e) => e.args?.resumed ?? false), [false, ...Array(9).fill(true)]);
      const conts = eventsOf(m, 'continuation', 'memory_op');
      assert.equal(conts.length, 9);
      assert.equal(conts[0].args?.encoding, 'cmd=0x1901 (XENMEM_decrease_reservation | 100 << 6)');
      assert.equal(conts[8].args?.encoding, `cmd=0x${(900 << 6 | 1).toString(16)} (XENMEM_decrease_reservation | 900 << 6)`);
      assert.deepEqual(conts.map((e) => e.args?.progress), [100, 200, 300, 400, 500, 600, 700, 800, 900]);
      // RIP is rewound to the vmcall each time, and the guest finally stops at the ud2 after it.
      assert.ok(ripsAtContinuation.every((r) => r === `${CODE}`));
      assert.deepEqual(conts.map((e) => e.rip), Array(9).fill(`0x${CODE.toString(16)}`));
      const rets = eventsOf(m, 'hypercall-return', 'memory_op');
      assert.equal(rets.length, 1);
      assert.equal(rets[0].ret, 1000);
      assert.equal(m.v.cpu.rip, BigInt(CODE + 3));
    });

    it('populate_physmap refills GFNs; 4.17 writes nothing back, 4.4 hands back (identity) frame numbers', () => {
      for (const profile of ['4.17', '4.4']) {
        const m = makeHvm({ mode, profile });
        const gfns = [0x600, 0x601];
        writeUlongs(m, LIST, gfns, esz);
        reservation(m, compat, { list: LIST, nr: 2 });
        hcall(m, MEMORY_OP, [1n, BigInt(ARGS)]);
        m.d.mem.fill(0x600 * 4096, 8192, 0x55); // stale bytes in the hole (not trapped)
        const { ret } = hcall(m, MEMORY_OP, [BigInt(XENMEM.populate_physmap), BigInt(ARGS)]);
        assert.equal(ret, 2n, profile);
        assert.ok(isPopulated(m, 0x600) && isPopulated(m, 0x601));
        assert.equal(m.d.mem.read32(0x600 * 4096), 0, 'a fresh page is zeroed');
        assert.deepEqual(readUlongs(m, LIST, 2, esz), [0x600n, 0x601n]);
        assert.equal(m.d.totPages, 8 * 256);
      }
    });

    it('increase_reservation on a translated domain: tot_pages only; ≤4.8 writes back an MFN', () => {
      for (const [profile, writes] of [['4.17', false], ['4.8', true]] as const) {
        const m = makeHvm({ mode, profile });
        m.d.maxPages += 10;
        writeUlongs(m, LIST, [0xdead, 0xdead], esz);
        reservation(m, compat, { list: LIST, nr: 2 });
        const { ret } = hcall(m, MEMORY_OP, [0n, BigInt(ARGS)]);
        assert.equal(ret, 2n);
        assert.equal(m.d.totPages, 8 * 256 + 2);
        const back = readUlongs(m, LIST, 2, esz);
        if (writes) assert.notDeepEqual(back, [0xdeadn, 0xdeadn]); else assert.deepEqual(back, [0xdeadn, 0xdeadn]);
      }
    });

    it('max_pages stops an increase early; the count done so far is returned', () => {
      const m = makeHvm({ mode });
      m.d.maxPages = m.d.totPages + 3;
      reservation(m, compat, { list: 0, nr: 5 });
      assert.equal(hcall(m, MEMORY_OP, [0n, BigInt(ARGS)]).ret, 3n);
    });

    it('extent_order up to 9 works; larger orders do nothing (domU max_order)', () => {
      const m = makeHvm({ mode, memMiB: 12 });
      writeUlongs(m, LIST, [0x800], esz); // a 2 MiB aligned extent at 8 MiB
      reservation(m, compat, { list: LIST, nr: 1, order: 9 });
      assert.equal(hcall(m, MEMORY_OP, [1n, BigInt(ARGS)]).ret, 1n);
      assert.equal(m.d.totPages, 12 * 256 - 512);
      assert.ok(!isPopulated(m, 0x800) && !isPopulated(m, 0x9ff) && isPopulated(m, 0xa00));
      assert.equal(hcall(m, MEMORY_OP, [6n, BigInt(ARGS)]).ret, 1n);
      assert.equal(m.d.totPages, 12 * 256);
      reservation(m, compat, { list: LIST, nr: 1, order: 10 });
      assert.equal(hcall(m, MEMORY_OP, [1n, BigInt(ARGS)]).ret, 0n);
      assert.equal(m.d.totPages, 12 * 256);
    });

    it('early exits return start_extent, never an errno', () => {
      const m = makeHvm({ mode });
      writeUlongs(m, LIST, [0x400, 0x401, 0x402, 0x403], esz);
      // faulting argument (beyond RAM and the identity map)
      assert.equal(hcall(m, MEMORY_OP, [1n | (2n << 6n), 0x7ff00000n]).ret, 2n);
      // unknown domain, another domain
      reservation(m, compat, { list: LIST, nr: 4, domid: 7 });
      assert.equal(hcall(m, MEMORY_OP, [1n, BigInt(ARGS)]).ret, 0n);
      // nr_extents > UINT_MAX >> 6
      reservation(m, compat, { list: LIST, nr: 0x4000000 });
      assert.equal(hcall(m, MEMORY_OP, [1n | (3n << 6n), BigInt(ARGS)]).ret, 3n);
      // start_extent ≥ nr_extents
      reservation(m, compat, { list: LIST, nr: 4 });
      assert.equal(hcall(m, MEMORY_OP, [1n | (4n << 6n), BigInt(ARGS)]).ret, 4n);
      // address_bits ≤ PAGE_SHIFT
      reservation(m, compat, { list: LIST, nr: 4, flags: 12 });
      assert.equal(hcall(m, MEMORY_OP, [1n, BigInt(ARGS)]).ret, 0n);
      // a resumed call starts at start_extent: extents 2 and 3 only
      reservation(m, compat, { list: LIST, nr: 4 });
      assert.equal(hcall(m, MEMORY_OP, [1n | (2n << 6n), BigInt(ARGS)]).ret, 4n);
      assert.ok(isPopulated(m, 0x400) && isPopulated(m, 0x401) && !isPopulated(m, 0x402) && !isPopulated(m, 0x403));
      // an unpopulated GFN stops the loop: extent 0 done, extent 1 (0x402 again) fails
      writeUlongs(m, LIST, [0x410, 0x402, 0x411], esz);
      reservation(m, compat, { list: LIST, nr: 3 });
      assert.equal(hcall(m, MEMORY_OP, [1n, BigInt(ARGS)]).ret, 1n);
      assert.ok(!isPopulated(m, 0x410) && isPopulated(m, 0x411));
      // populate-on-demand on oneself is refused: nothing done
      writeUlongs(m, LIST, [0x402], esz);
      reservation(m, compat, { list: LIST, nr: 1, flags: 1 << 16 });
      assert.equal(hcall(m, MEMORY_OP, [6n, BigInt(ARGS)]).ret, 0n);
    });
  });
}

describe('memory_op reservations, PV domains', () => {
  for (const bits of [64, 32] as const) {
    const esz = bits === 64 ? 8 : 4;
    const compat = bits === 32;
    it(`PV${bits}: decrease takes owned MFNs (scrubbed, M2P/P2M invalidated); a foreign MFN stops the loop`, () => {
      const m = makePv(bits);
      const mfnOf = (pfn: number): number => PV_XEN_FRAMES + (pfn ^ 1);
      m.d.mem.fill(mfnOf(100) * 4096, 4096, 0x77);
      writeUlongs(m, LIST, [mfnOf(100), mfnOf(101), 3 /* a Xen frame */, mfnOf(102)], esz);
      reservation(m, compat, { list: LIST, nr: 4 });
      const before = m.d.totPages;
      assert.equal(pvcall(m, MEMORY_OP, [1n, BigInt(ARGS)]), 2n);
      assert.equal(m.d.totPages, before - 2);
      assert.equal(m.d.m2p[mfnOf(100)], -1);
      assert.equal(m.d.p2m[100], -1);
      assert.equal(m.d.mem.read32(mfnOf(100) * 4096), 0);
      assert.equal(m.d.p2m[102], mfnOf(102));
      // the same frame twice: not owned any more
      writeUlongs(m, LIST, [mfnOf(100)], esz);
      reservation(m, compat, { list: LIST, nr: 1 });
      assert.equal(pvcall(m, MEMORY_OP, [1n, BigInt(ARGS)]), 0n);
    });

    it(`PV${bits}: increase_reservation writes MFNs back and reuses freed frames; populate sets M2P/P2M`, () => {
      const m = makePv(bits, { pages: 512, machinePages: 600 });
      const freeStart = PV_XEN_FRAMES + 512;
      reservation(m, compat, { list: LIST, nr: 3 });
      assert.equal(pvcall(m, MEMORY_OP, [0n, BigInt(ARGS)]), 3n);
      const got = readUlongs(m, LIST, 3, esz).map(Number);
      // Xen frames 1..15 are free host memory in this machine (only shared_info is known to be Xen's)
      assert.equal(new Set(got).size, 3);
      for (const mfn of got) assert.ok(domainMemory(m.d).ownsMachineFrame(mfn));
      assert.equal(m.d.totPages, 515);
      // populate pfn 600..601 → new MFNs, M2P and P2M point at each other
      writeUlongs(m, LIST, [600, 601], esz);
      reservation(m, compat, { list: LIST, nr: 2 });
      assert.equal(pvcall(m, MEMORY_OP, [6n, BigInt(ARGS)]), 2n);
      const [a, b] = readUlongs(m, LIST, 2, esz).map(Number);
      assert.equal(m.d.m2p[a], 600);
      assert.equal(m.d.m2p[b], 601);
      assert.equal(m.d.p2m[600], a);
      assert.equal(m.d.p2m[601], b);
      assert.ok(freeStart > 0);
      // extent_order 2 → a naturally aligned block of 4
      reservation(m, compat, { list: LIST, nr: 1, order: 2 });
      assert.equal(pvcall(m, MEMORY_OP, [0n, BigInt(ARGS)]), 1n);
      assert.equal(Number(readUlongs(m, LIST, 1, esz)[0]) % 4, 0);
    });

    it(`PV${bits}: host memory runs out → the count done so far`, () => {
      const m = makePv(bits, { pages: 8, machinePages: PV_XEN_FRAMES + 8 + 2 });
      m.d.maxPages = 1000;
      reservation(m, compat, { list: LIST, nr: 20 });
      // 15 free Xen-area frames (1..15) + 2 above the domain
      assert.equal(pvcall(m, MEMORY_OP, [0n, BigInt(ARGS)]), 17n);
    });
  }
});

describe('memory_op queries', () => {
  it('maximum_ram_page, current/maximum_reservation, maximum_gpfn (HVM, both modes)', () => {
    for (const mode of ['long64', 'protected32'] as const) {
      const m = makeHvm({ mode });
      m.d.maxPages = 5000;
      assert.equal(hcall(m, MEMORY_OP, [2n, 0n]).ret, BigInt(m.d.mem.pageCount));
      m.d.mem.write16(ARGS, DOMID_SELF);
      assert.equal(hcall(m, MEMORY_OP, [3n, BigInt(ARGS)]).ret, 2048n);
      assert.equal(hcall(m, MEMORY_OP, [4n, BigInt(ARGS)]).ret, 5000n);
      m.d.mem.write16(ARGS, 1); // own domid
      assert.equal(hcall(m, MEMORY_OP, [3n, BigInt(ARGS)]).ret, 2048n);
      // max_mapped_pfn: the special pages above RAM (shared_info's home is not mapped)
      assert.equal(hcall(m, MEMORY_OP, [14n, BigInt(ARGS)]).ret, BigInt(2048 + 3));
      m.d.mem.write16(ARGS, 9);
      assert.equal(hcall(m, MEMORY_OP, [3n, BigInt(ARGS)]).ret, E(XenErrno.ESRCH));
      assert.equal(hcall(m, MEMORY_OP, [3n, 0x7ff00000n]).ret, E(XenErrno.EFAULT));
    }
  });

  it('another existing domain is refused by XSM_TARGET (-EPERM), a missing one is -ESRCH', () => {
    const m = makeHvm();
    makeHvm({ hv: m.hv, domid: 2 }).d.paused = true;
    m.d.mem.write16(ARGS, 2);
    assert.equal(hcall(m, MEMORY_OP, [3n, BigInt(ARGS)]).ret, E(XenErrno.EPERM));
    m.d.mem.write16(ARGS, 3);
    assert.equal(hcall(m, MEMORY_OP, [4n, BigInt(ARGS)]).ret, E(XenErrno.ESRCH));
  });

  it('PV maximum_gpfn is (shared_info.arch.max_pfn ?: 1) - 1; compat results are clamped to INT_MAX', () => {
    const m64 = makePv(64);
    m64.d.mem.write16(ARGS, DOMID_SELF);
    assert.equal(pvcall(m64, MEMORY_OP, [14n, BigInt(ARGS)]), 0n);
    m64.d.sharedInfo().set('arch.max_pfn', 0x123456789n);
    assert.equal(pvcall(m64, MEMORY_OP, [14n, BigInt(ARGS)]), 0x123456788n);
    const m32 = makePv(32);
    m32.d.mem.write16(ARGS, DOMID_SELF);
    m32.d.sharedInfo().set('arch.max_pfn', 0xfff00000);
    assert.equal(pvcall(m32, MEMORY_OP, [14n, BigInt(ARGS)]), 0x7fffffffn);
    m32.d.sharedInfo().set('arch.max_pfn', 0x1000);
    assert.equal(pvcall(m32, MEMORY_OP, [14n, BigInt(ARGS)]), 0xfffn);
  });

  it('stray high bits on non-continuable subops follow the profile (4.4 ignored, 4.5 -ENOSYS, 4.8+ -EINVAL)', () => {
    const cases: [string, bigint, bigint][] = [
      ['4.4', 2048n, 0n], ['4.5', E(XenErrno.ENOSYS), E(XenErrno.ENOSYS)], ['4.8', E(XenErrno.EINVAL), E(XenErrno.ENOSYS)],
      ['4.17', E(XenErrno.EINVAL), E(XenErrno.ENOSYS)], ['4.19', E(XenErrno.EINVAL), E(XenErrno.ENOSYS)],
    ];
    for (const [profile, common, arch] of cases) {
      const m = makePv(64, { profile, pages: 2048, machinePages: 2100 });
      m.d.mem.write16(ARGS, DOMID_SELF);
      assert.equal(pvcall(m, MEMORY_OP, [3n | (1n << 6n), BigInt(ARGS)]), common, `${profile} current_reservation`);
      // arch_memory_op switches on the whole cmd since 4.5: -ENOSYS even on 4.8+
      wr32(m, ARGS, 0); wr64(m, ARGS + 8, BigInt(ARGS + 0x100));
      assert.equal(pvcall(m, MEMORY_OP, [9n | (1n << 6n), BigInt(ARGS)]), arch, `${profile} memory_map`);
      assert.equal(pvcall(m, MEMORY_OP, [63n | (1n << 6n), BigInt(ARGS)]), E(XenErrno.ENOSYS), `${profile} unknown`);
    }
  });
});

describe('memory_op memory_map and machphys_mapping', () => {
  it('memory_map copies min(nr_entries, map) 20-byte entries and writes nr_entries back', () => {
    for (const mode of ['long64', 'protected32'] as const) {
      const m = makeHvm({ mode });
      const buf = ARGS + 0x100;
      if (mode === 'long64') { wr32(m, ARGS, 8); wr64(m, ARGS + 8, BigInt(buf)); } else { wr32(m, ARGS, 8); wr32(m, ARGS + 4, buf); }
      assert.equal(hcall(m, MEMORY_OP, [9n, BigInt(ARGS)]).ret, 0n);
      assert.equal(rd32(m, ARGS), 2);
      assert.equal(rd64(m, buf), 0n);
      assert.equal(rd64(m, buf + 8), 8n * BigInt(MiB));
      assert.equal(rd32(m, buf + 16), 1);
      assert.equal(rd64(m, buf + 20), 8n * BigInt(MiB));
      assert.equal(rd32(m, buf + 36), 2);
      wr32(m, ARGS, 1);
      m.d.mem.fill(buf, 64, 0xee);
      assert.equal(hcall(m, MEMORY_OP, [9n, BigInt(ARGS)]).ret, 0n);
      assert.equal(rd32(m, ARGS), 1);
      assert.equal(rd32(m, buf + 20), 0xeeeeeeee, 'only one entry written');
    }
  });

  it('memory_map: HVM gets -ENOSYS before 4.6; no E820 → -ENOSYS; PV works', () => {
    const old = makeHvm({ profile: '4.5' });
    assert.equal(hcall(old, MEMORY_OP, [9n, BigInt(ARGS)]).ret, E(XenErrno.ENOSYS));
    const pv = makePv(64);
    wr32(pv, ARGS, 4); wr64(pv, ARGS + 8, BigInt(ARGS + 0x100));
    assert.equal(pvcall(pv, MEMORY_OP, [9n, BigInt(ARGS)]), 0n);
    assert.equal(rd32(pv, ARGS), 1);
    pv.d.memoryMap = [];
    assert.equal(pvcall(pv, MEMORY_OP, [9n, BigInt(ARGS)]), E(XenErrno.ENOSYS));
  });

  it('machphys_mapping: PV64 and PV32 windows; HVM -ENOSYS; machine_memory_map is privileged', () => {
    const m64 = makePv(64);
    assert.equal(pvcall(m64, MEMORY_OP, [12n, BigInt(ARGS)]), 0n);
    assert.equal(rd64(m64, ARGS), 0xffff800000000000n);
    assert.equal(rd64(m64, ARGS + 8), 0xffff804000000000n);
    assert.equal(rd64(m64, ARGS + 16), 0x7ffffffffn);
    const m32 = makePv(32);
    assert.equal(pvcall(m32, MEMORY_OP, [12n, BigInt(ARGS)]), 0n);
    assert.equal(rd32(m32, ARGS), 0xf5800000);
    assert.equal(rd32(m32, ARGS + 4), 0xffe00000);
    assert.equal(rd32(m32, ARGS + 8), ((0xffe00000 - 0xf5800000) >>> 2) - 1);
    assert.equal(pvcall(m32, MEMORY_OP, [10n, BigInt(ARGS)]), E(XenErrno.EPERM));
    const h = makeHvm();
    assert.equal(hcall(h, MEMORY_OP, [12n, BigInt(ARGS)]).ret, E(XenErrno.ENOSYS));
    assert.equal(hcall(h, MEMORY_OP, [10n, BigInt(ARGS)]).ret, E(XenErrno.ENOSYS));
  });

  it('unknown subops → -ENOSYS; known but unemulated ones warn', () => {
    const m = makeHvm();
    assert.equal(hcall(m, MEMORY_OP, [63n, BigInt(ARGS)]).ret, E(XenErrno.ENOSYS));
    assert.equal(hcall(m, MEMORY_OP, [11n, BigInt(ARGS)]).ret, E(XenErrno.ENOSYS));
    assert.ok(eventsOf(m, 'warning').some((e) => /XENMEM_exchange/.test(e.text ?? '')));
  });
});

/** xen_add_to_physmap: 64-bit {domid 0, size 2, space 4, idx 8, gpfn 16}; compat {0, 2, 4, idx 8, gpfn 12}. */
function xatp(m: TestMachine, compat: boolean, a: { domid?: number; size?: number; space: number; idx: number | bigint; gpfn: number | bigint }): void {
  m.d.mem.fill(ARGS, 32, 0);
  m.d.mem.write16(ARGS, a.domid ?? DOMID_SELF);
  m.d.mem.write16(ARGS + 2, a.size ?? 0);
  wr32(m, ARGS + 4, a.space);
  if (compat) { wr32(m, ARGS + 8, Number(a.idx)); wr32(m, ARGS + 12, Number(a.gpfn)); } else { wr64(m, ARGS + 8, BigInt(a.idx)); wr64(m, ARGS + 16, BigInt(a.gpfn)); }
}

describe('memory_op add_to_physmap / remove_from_physmap / add_to_physmap_batch', () => {
  for (const mode of ['long64', 'protected32'] as const) {
    const compat = mode === 'protected32';
    it(`shared_info (${mode}): copied to the GFN, vcpu_info pointers follow, RAM there freed, format latch untouched`, () => {
      const m = makeHvm({ mode, vcpus: 3 });
      const d = m.d;
      const home = d.sharedInfoAddr;
      d.mem.write32(home + 3072, 0x1234); // wc_version (64-bit layout)
      d.vcpus[2].vcpuInfoRegistered = true; // pretend vCPU 2 registered its vcpu_info elsewhere
      d.vcpus[2].vcpuInfoAddr = 0x30000;
      const before = d.totPages;
      const abi = d.sharedInfoAbi;
      xatp(m, compat, { space: 0, idx: 0, gpfn: 0x700 });
      assert.equal(hcall(m, MEMORY_OP, [7n, BigInt(ARGS)]).ret, 0n);
      assert.equal(d.sharedInfoAddr, 0x700000);
      assert.equal(d.mem.read32(0x700000 + 3072), 0x1234);
      assert.equal(d.vcpus[0].vcpuInfoAddr, 0x700000);
      assert.equal(d.vcpus[1].vcpuInfoAddr, 0x700040);
      assert.equal(d.vcpus[2].vcpuInfoAddr, 0x30000);
      assert.equal(d.totPages, before - 1, 'the RAM page at the GFN was freed');
      assert.equal(d.sharedInfoAbi, abi);
      // Moving it: the old GFN becomes a hole, the content follows
      xatp(m, compat, { space: 0, idx: 0, gpfn: 0x701 });
      assert.equal(hcall(m, MEMORY_OP, [7n, BigInt(ARGS)]).ret, 0n);
      assert.equal(d.sharedInfoAddr, 0x701000);
      assert.equal(d.mem.read32(0x701000 + 3072), 0x1234);
      assert.equal(d.populated[0x700], 0);
      assert.equal(d.totPages, before - 2);
      // Mapping it again where it is changes nothing
      assert.equal(hcall(m, MEMORY_OP, [7n, BigInt(ARGS)]).ret, 0n);
      assert.equal(d.totPages, before - 2);
      // Ballooning the GFN out unhooks it: shared_info goes home, nothing freed
      writeUlongs(m, LIST, [0x701], compat ? 4 : 8);
      reservation(m, compat, { list: LIST, nr: 1 });
      assert.equal(hcall(m, MEMORY_OP, [1n, BigInt(ARGS)]).ret, 1n);
      assert.equal(d.sharedInfoAddr, home);
      assert.equal(d.mem.read32(home + 3072), 0x1234);
      assert.equal(d.totPages, before - 2);
      // idx ≠ 0
      xatp(m, compat, { space: 0, idx: 1, gpfn: 0x702 });
      assert.equal(hcall(m, MEMORY_OP, [7n, BigInt(ARGS)]).ret, E(XenErrno.EINVAL));
      const r = eventsOf(m, 'hypercall-return', 'memory_op').at(-1)!;
      assert.equal(r.subop, 'XENMEM_add_to_physmap');
      assert.equal(r.args?.space, 'shared_info');
    });
  }

  it('grant_table frames: grow on demand, map/unmap with contents; bad idx → -EINVAL', () => {
    const m = makeHvm();
    const gt = grantFrames(m.d);
    gt.bytes('shared', 0)[8] = 0x5a;
    xatp(m, false, { space: 1, idx: 0, gpfn: 0x710 });
    assert.equal(hcall(m, MEMORY_OP, [7n, BigInt(ARGS)]).ret, 0n);
    assert.equal(m.d.mem.read8(0x710000 + 8), 0x5a);
    assert.equal(m.d.grantFrames.get(0), 0x710000);
    xatp(m, false, { space: 1, idx: 5, gpfn: 0x715 });
    assert.equal(hcall(m, MEMORY_OP, [7n, BigInt(ARGS)]).ret, 0n);
    assert.equal(gt.nrFrames, 6);
    xatp(m, false, { space: 1, idx: 64, gpfn: 0x716 });
    assert.equal(hcall(m, MEMORY_OP, [7n, BigInt(ARGS)]).ret, E(XenErrno.EINVAL));
    // XENMAPIDX_grant_table_status under v1
    xatp(m, false, { space: 1, idx: 0x80000000, gpfn: 0x716 });
    assert.equal(hcall(m, MEMORY_OP, [7n, BigInt(ARGS)]).ret, E(XenErrno.EINVAL));
    // the guest writes through the mapping; removing it keeps the frame's contents
    m.d.mem.write8(0x710000 + 9, 0x6b);
    m.d.mem.write16(ARGS, DOMID_SELF);
    wr64(m, ARGS + 8, 0x710n);
    assert.equal(hcall(m, MEMORY_OP, [15n, BigInt(ARGS)]).ret, 0n);
    assert.equal(gt.bytes('shared', 0)[9], 0x6b);
    assert.equal(m.d.grantFrames.has(0), false);
    assert.equal(m.d.populated[0x710], 0);
    assert.equal(hcall(m, MEMORY_OP, [15n, BigInt(ARGS)]).ret, E(XenErrno.ENOENT));
    // 4.8 has 32 frames at most
    const old = makeHvm({ profile: '4.8' });
    xatp(old, false, { space: 1, idx: 32, gpfn: 0x716 });
    assert.equal(hcall(old, MEMORY_OP, [7n, BigInt(ARGS)]).ret, E(XenErrno.EINVAL));
  });

  it('errors: PV -EACCES, gmfn_foreign -ENOSYS, dev_mmio -EACCES, domains, faults, unknown space', () => {
    const pv = makePv(64);
    xatp(pv, false, { space: 0, idx: 0, gpfn: 5 });
    assert.equal(pvcall(pv, MEMORY_OP, [7n, BigInt(ARGS)]), E(XenErrno.EACCES));
    const m = makeHvm();
    xatp(m, false, { space: 4, idx: 0, gpfn: 5 });
    assert.equal(hcall(m, MEMORY_OP, [7n, BigInt(ARGS)]).ret, E(XenErrno.ENOSYS));
    xatp(m, false, { space: 5, idx: 0, gpfn: 5 });
    assert.equal(hcall(m, MEMORY_OP, [7n, BigInt(ARGS)]).ret, E(XenErrno.EACCES));
    xatp(m, false, { space: 9, idx: 0, gpfn: 5 });
    assert.equal(hcall(m, MEMORY_OP, [7n, BigInt(ARGS)]).ret, E(XenErrno.EINVAL));
    xatp(m, false, { domid: 4, space: 0, idx: 0, gpfn: 5 });
    assert.equal(hcall(m, MEMORY_OP, [7n, BigInt(ARGS)]).ret, E(XenErrno.ESRCH));
    assert.equal(hcall(m, MEMORY_OP, [7n, 0x7ff00000n]).ret, E(XenErrno.EFAULT));
    // gmfn from an unpopulated GFN
    m.d.populated[0x420] = 0;
    xatp(m, false, { space: 2, idx: 0x420, gpfn: 0x421 });
    assert.equal(hcall(m, MEMORY_OP, [7n, BigInt(ARGS)]).ret, E(XenErrno.EINVAL));
  });

  it('gmfn moves a page; gmfn_range continues with the done count in cmd; -EDOM / -EILSEQ', () => {
    const m = makeHvm({ preemption: { kind: 'every', units: 100 } });
    m.d.mem.write32(0x400000, 0xabcd);
    xatp(m, false, { space: 2, idx: 0x400, gpfn: 0x7f0 });
    const before = m.d.totPages;
    assert.equal(hcall(m, MEMORY_OP, [7n, BigInt(ARGS)]).ret, 0n);
    assert.equal(m.d.mem.read32(0x7f0000), 0xabcd);
    assert.equal(m.d.populated[0x400], 0);
    assert.equal(m.d.totPages, before - 1, 'the RAM page replaced at 0x7f0 was freed');
    // a 300-page range: 3 invocations, done count 100, 200 in cmd
    xatp(m, false, { space: 3, size: 300, idx: 0x500, gpfn: 0x300 });
    assert.equal(hcall(m, MEMORY_OP, [7n, BigInt(ARGS)]).ret, 0n);
    const conts = eventsOf(m, 'continuation', 'memory_op');
    assert.deepEqual(conts.map((e) => e.args?.encoding), [
      'cmd=0x1907 (XENMEM_add_to_physmap | 100 << 6)', 'cmd=0x3207 (XENMEM_add_to_physmap | 200 << 6)',
    ]);
    assert.equal(m.d.populated[0x500], 0);
    assert.equal(m.d.populated[0x300], 1);
    // start_extent beyond 16 bits
    assert.equal(hcall(m, MEMORY_OP, [7n | (0x10000n << 6n), BigInt(ARGS)]).ret, E(XenErrno.EDOM));
    // start_extent beyond size
    xatp(m, false, { space: 3, size: 2, idx: 0x600, gpfn: 0x110 });
    assert.equal(hcall(m, MEMORY_OP, [7n | (3n << 6n), BigInt(ARGS)]).ret, E(XenErrno.EILSEQ));
    // 4.5: before a66765eb06 the out-of-range start_extent gave -ENOSYS
    const m45 = makeHvm({ profile: '4.5' });
    xatp(m45, false, { space: 3, size: 2, idx: 0x600, gpfn: 0x110 });
    assert.equal(hcall(m45, MEMORY_OP, [7n | (0x10000n << 6n), BigInt(ARGS)]).ret, E(XenErrno.ENOSYS));
  });

  it('4.4: gmfn_range progress lives in the guest struct and the op is re-issued plain', () => {
    const m = makeHvm({ profile: '4.4', preemption: { kind: 'every', units: 2 } });
    xatp(m, false, { space: 3, size: 5, idx: 0x500, gpfn: 0x100 });
    assert.equal(hcall(m, MEMORY_OP, [7n, BigInt(ARGS)]).ret, 0n);
    const calls = eventsOf(m, 'hypercall', 'memory_op');
    assert.deepEqual(calls.map((e) => e.args?.cmd), ['0x7', '0x7', '0x7']);
    assert.equal(m.d.mem.read16(ARGS + 2), 1, 'size left when last preempted');
    assert.equal(rd64(m, ARGS + 8), 0x504n);
    for (let i = 0; i < 5; i++) assert.equal(m.d.populated[0x500 + i], 0);
  });

  it('add_to_physmap_batch: per-entry errors in errs[], 0 overall; gmfn_range → -EOPNOTSUPP; absent in 4.4', () => {
    const m = makeHvm();
    const idxs = 0x9000, gpfns = 0x9100, errs = 0x9200;
    writeUlongs(m, idxs, [0, 99], 8);
    writeUlongs(m, gpfns, [0x720, 0x721], 8);
    m.d.mem.fill(ARGS, 32, 0);
    m.d.mem.write16(ARGS, DOMID_SELF); m.d.mem.write16(ARGS + 2, 0); m.d.mem.write16(ARGS + 4, 2);
    wr64(m, ARGS + 8, BigInt(idxs)); wr64(m, ARGS + 16, BigInt(gpfns)); wr64(m, ARGS + 24, BigInt(errs));
    assert.equal(hcall(m, MEMORY_OP, [23n, BigInt(ARGS)]).ret, 0n);
    assert.equal(m.d.sharedInfoAddr, 0x720000);
    assert.equal(m.d.mem.view.getInt32(errs, true), 0);
    assert.equal(m.d.mem.view.getInt32(errs + 4, true), -XenErrno.EINVAL);
    m.d.mem.write16(ARGS + 2, 3);
    assert.equal(hcall(m, MEMORY_OP, [23n, BigInt(ARGS)]).ret, E(XenErrno.EOPNOTSUPP));
    const old = makeHvm({ profile: '4.4' });
    assert.equal(hcall(old, MEMORY_OP, [23n, BigInt(ARGS)]).ret, E(XenErrno.ENOSYS));
  });

  it('remove_from_physmap unmaps RAM without freeing it', () => {
    const m = makeHvm({ mode: 'protected32' });
    m.d.mem.write16(ARGS, DOMID_SELF);
    wr32(m, ARGS + 4, 0x430);
    const before = m.d.totPages;
    assert.equal(hcall(m, MEMORY_OP, [15n, BigInt(ARGS)]).ret, 0n);
    assert.equal(m.d.populated[0x430], 0);
    assert.equal(m.d.totPages, before);
    assert.equal(hcall(m, MEMORY_OP, [15n, BigInt(ARGS)]).ret, E(XenErrno.ENOENT));
    // stray high bits: -EINVAL on 4.17
    assert.equal(hcall(m, MEMORY_OP, [15n | (1n << 6n), BigInt(ARGS)]).ret, E(XenErrno.EINVAL));
  });
});

describe('memory_op fault and permission paths', () => {
  it('every struct copy that faults gives -EFAULT (except the reservations, which give start_extent)', () => {
    const bad = 0x7ff00000n;
    for (const mode of ['long64', 'protected32'] as const) {
      const m = makeHvm({ mode });
      for (const op of [3n, 4n, 7n, 9n, 14n, 15n, 23n]) assert.equal(hcall(m, MEMORY_OP, [op, bad]).ret, E(XenErrno.EFAULT), `op ${op}`);
      // memory_map: a bad buffer, or nr_entries that cannot be written back
      wr32(m, ARGS, 2);
      if (mode === 'long64') wr64(m, ARGS + 8, bad); else wr32(m, ARGS + 4, Number(bad));
      assert.equal(hcall(m, MEMORY_OP, [9n, BigInt(ARGS)]).ret, E(XenErrno.EFAULT));
    }
    const pv = makePv(64);
    assert.equal(pvcall(pv, MEMORY_OP, [12n, 0x7fffffffff000n]), E(XenErrno.EFAULT));
  });

  it('physmap ops on another domain: -EPERM; on a missing one: -ESRCH', () => {
    const m = makeHvm();
    makeHvm({ hv: m.hv, domid: 2 }).d.paused = true;
    for (const [domid, want] of [[2, XenErrno.EPERM], [6, XenErrno.ESRCH]]) {
      xatp(m, false, { domid, space: 0, idx: 0, gpfn: 0x700 });
      assert.equal(hcall(m, MEMORY_OP, [7n, BigInt(ARGS)]).ret, E(want));
      m.d.mem.write16(ARGS, domid);
      assert.equal(hcall(m, MEMORY_OP, [15n, BigInt(ARGS)]).ret, E(want));
      assert.equal(hcall(m, MEMORY_OP, [23n, BigInt(ARGS)]).ret, E(want));
    }
  });

  it('add_to_physmap_batch: -EDOM for a start_extent beyond 16 bits, -EILSEQ beyond size, continuation', () => {
    const m = makeHvm({ preemption: { kind: 'every', units: 1 } });
    const idxs = 0x9000, gpfns = 0x9100, errs = 0x9200;
    writeUlongs(m, idxs, [0x430, 0x431, 0x432], 8);
    writeUlongs(m, gpfns, [0x730, 0x731, 0x732], 8);
    m.d.mem.fill(ARGS, 32, 0);
    m.d.mem.write16(ARGS, DOMID_SELF); m.d.mem.write16(ARGS + 2, 2); m.d.mem.write16(ARGS + 4, 3);
    wr64(m, ARGS + 8, BigInt(idxs)); wr64(m, ARGS + 16, BigInt(gpfns)); wr64(m, ARGS + 24, BigInt(errs));
    assert.equal(hcall(m, MEMORY_OP, [23n | (0x10000n << 6n), BigInt(ARGS)]).ret, E(XenErrno.EDOM));
    assert.equal(hcall(m, MEMORY_OP, [23n | (4n << 6n), BigInt(ARGS)]).ret, E(XenErrno.EILSEQ));
    assert.equal(hcall(m, MEMORY_OP, [23n, BigInt(ARGS)]).ret, 0n);
    assert.deepEqual(eventsOf(m, 'continuation').map((e) => e.args?.encoding), [
      'cmd=0x57 (XENMEM_add_to_physmap_batch | 1 << 6)', 'cmd=0x97 (XENMEM_add_to_physmap_batch | 2 << 6)',
    ]);
    for (let i = 0; i < 3; i++) {
      assert.equal(m.d.mem.view.getInt32(errs + 4 * i, true), 0);
      assert.equal(m.d.populated[0x730 + i], 1);
      assert.equal(m.d.populated[0x430 + i], 0);
    }
    // PV: every entry fails with -EACCES, the call itself succeeds
    const pv = makePv(32);
    writeUlongs(pv, idxs, [0], 4); writeUlongs(pv, gpfns, [5], 4);
    pv.d.mem.fill(ARGS, 32, 0);
    pv.d.mem.write16(ARGS, DOMID_SELF); pv.d.mem.write16(ARGS + 4, 1);
    wr32(pv, ARGS + 8, idxs); wr32(pv, ARGS + 12, gpfns); wr32(pv, ARGS + 16, errs);
    assert.equal(pvcall(pv, MEMORY_OP, [23n, BigInt(ARGS)]), 0n);
    assert.equal(pv.d.mem.view.getInt32(errs, true), -XenErrno.EACCES);
  });

  it('PV with the builder\'s frame bookkeeping: typed frames stay owned, allocations clear the type', () => {
    const m = makePv(64, { pages: 64, machinePages: 128 });
    const layout = {
      bits: 64 as const, xenFrames: PV_XEN_FRAMES, totalFrames: 128, sharedInfoMfn: 0, zeroMfn: 1, xenGdtMfn: 2,
      m2pMfn: 3, m2pFrames: 1, m2pL1Mfns: [], m2pL2Mfn: 4, m2pL3Mfn: 5, gdtL1Mfns: [], perdomL2Mfn: 6, perdomL3Mfn: 7,
      paeShadowMfns: [],
    };
    const s = new PvDomainState(layout);
    s.owner.fill(1, 0, PV_XEN_FRAMES); // Xen
    s.owner.fill(2, PV_XEN_FRAMES, PV_XEN_FRAMES + 64); // the domain
    const pt = PV_XEN_FRAMES + 5;
    s.type[pt] = 2; s.typeCount[pt] = 1; s.pinned[pt] = 1; // a pinned L1
    const l2 = PV_XEN_FRAMES + 6;
    s.type[l2] = 3; s.typeCount[l2] = 2; // an L2 referenced twice
    setPvDomainState(m.d, s);
    writeUlongs(m, LIST, [pt, l2, PV_XEN_FRAMES + 7], 8);
    reservation(m, false, { list: LIST, nr: 3 });
    const before = m.d.totPages;
    assert.equal(pvcall(m, MEMORY_OP, [1n, BigInt(ARGS)]), 3n);
    assert.equal(s.owner[pt], 0, 'unpinned, no other type reference: freed');
    assert.equal(s.owner[l2], 2, 'still in use as a page table: the domain keeps it');
    assert.equal(m.d.m2p[l2], -1);
    assert.equal(s.owner[PV_XEN_FRAMES + 7], 0);
    assert.equal(m.d.totPages, before - 2);
    // Xen frames are never handed out
    reservation(m, false, { list: LIST, nr: 70 });
    const got = Number(pvcall(m, MEMORY_OP, [0n, BigInt(ARGS)]));
    const mfns = readUlongs(m, LIST, got, 8).map(Number);
    assert.ok(mfns.every((x) => x >= PV_XEN_FRAMES));
    assert.ok(mfns.includes(pt));
    assert.equal(s.type[pt], 0);
  });
});
