/**
 * Which bytes read as characters: only C `char`, `signed char` and `unsigned char` spelled as such (in DWARF
 * from gcc, and in the Xen views), and arrays of them as strings. Byte integers reached through a typedef
 * (uint8_t, int8_t, a program's own `u_char`, Xen's u8 fields) are numbers, in decimal or hex.
 */
import * as assert from 'node:assert/strict';
import { parseElf } from '../../../emulator/boot/elf';
import { vcpu_info } from '../../../emulator/xen/abi/structs';
import { loadGuestSymbols } from '../../../debug-adapter/symbols';
import type { FrameContext } from '../../../debug-adapter/symbols/model';
import { createFrameEnv, evaluate, formatValue, xenValue } from '../../../debug-adapter/values';
import { FakeMemory } from './fixtures';
import { runNative } from './gcc';

const PROGRAM = `
#include <stdint.h>
typedef unsigned char u_char;
char c = 'A';
signed char sc = 'B';
unsigned char uc = 'C';
const char cc = 'D';
uint8_t u8v = 1;
int8_t i8v = -3;
u_char uch = 2;
struct flags { uint8_t pending; u_char mask; char tag; char name[4]; } st = { 1, 7, 'x', "abc" };
uint8_t bytes[3] = { 1, 2, 3 };
int main(void) { return 0; }
`;

describe('values: characters versus byte integers', function () {
  it('shows DWARF char types as chars and typedef\'d byte integers as numbers', () => {
    const { exe } = runNative(PROGRAM, ['-g', '-fno-pie', '-no-pie']);
    const symbols = loadGuestSymbols(exe, 'prog');
    const memory = new FakeMemory();
    const elf = parseElf(exe);
    for (const seg of elf.loadSegments) {
      const bytes = new Uint8Array(Number(seg.memsz));
      bytes.set(elf.segmentData(seg));
      memory.map(seg.vaddr, bytes);
    }
    const main = symbols.functionByName('main')!;
    const frame: FrameContext = { arch: 'x86_64', pc: main.low, isReturnAddress: false, readRegister: () => undefined, readMemory: (a, n) => memory.read(a, n, 'virtual') };
    const env = createFrameEnv({ frame, symbols, memory: { read: (a, n, s) => memory.read(a, n, s), write: (a, b, s) => memory.write(a, b, s) } });
    const show = (e: string, hex = false): string => formatValue(evaluate(e, env), env, { hex });
    assert.equal(show('c'), "65 'A'");
    assert.equal(show('sc'), "66 'B'");
    assert.equal(show('uc'), "67 'C'");
    assert.equal(show('cc'), "68 'D'");
    assert.equal(show('u8v'), '1');
    assert.equal(show('u8v', true), '0x1');
    assert.equal(show('i8v'), '-3');
    assert.equal(show('uch'), '2');
    assert.equal(show('st.pending'), '1');
    assert.equal(show('st.mask'), '7');
    assert.equal(show('st.tag'), "120 'x'");
    assert.equal(show('st.name'), '"abc"');
    assert.equal(show('bytes'), '{1, 2, 3}');
  });

  it("shows Xen's u8 fields (vcpu_info.evtchn_upcall_pending) as numbers", () => {
    for (const abi of ['x86_64', 'x86_32'] as const) {
      const memory = new FakeMemory();
      const page = new Uint8Array(4096);
      page[0] = 1; // evtchn_upcall_pending
      page[1] = 1; // evtchn_upcall_mask
      memory.map(0x5000n, page, 'machine');
      const frame: FrameContext = { arch: abi === 'x86_64' ? 'x86_64' : 'i386', pc: 0n, isReturnAddress: false, readRegister: () => undefined, readMemory: () => undefined };
      const env = createFrameEnv({ frame, memory: { read: (a, n, s) => memory.read(a, n, s), write: (a, b, s) => memory.write(a, b, s) } });
      const vi = xenValue(vcpu_info, abi, 0x5000n);
      const t = vi.type.kind === 'struct' ? vi.type : assert.fail('vcpu_info is a struct');
      const m = t.members.find((x) => x.name === 'evtchn_upcall_pending')!;
      const field = { type: m.type, location: { kind: 'memory' as const, address: 0x5000n + BigInt(m.offset), space: 'machine' as const } };
      assert.equal(formatValue(field, env), '1', abi);
      assert.equal(formatValue(field, env, { hex: true }), '0x1', abi);
      assert.match(formatValue(vi, env), /^\{evtchn_upcall_pending = 1, evtchn_upcall_mask = 1,/, abi);
    }
  });
});
