/** A deterministic fixture world in fake memory (no native program): `r`, `rp`, `nodes`, `big`, registers. */
import { TypeInfo } from '../../../debug-adapter/symbols/model';
import { assign, builtinType } from '../../../debug-adapter/values';
import { FakeEnv, nodeT, structRec } from './fixtures';

export const R_ADDR = 0x1000n;
export const NODES_ADDR = 0x2000n;
export const BIG_ADDR = 0x3000n;
export const RP_ADDR = 0x4000n;
export const TEXT_ADDR = 0x4100n;

export function makeWorld(): FakeEnv {
  const env = new FakeEnv();
  const int = builtinType('x86_64', 'int');
  const map = (name: string, type: TypeInfo, addr: bigint, size: number): void => {
    env.memory.map(addr, new Uint8Array(size));
    env.at(name, type, addr);
  };
  map('r', structRec, R_ADDR, 208);
  map('nodes', { kind: 'array', element: nodeT, count: 3 }, NODES_ADDR, 48);
  map('big', { kind: 'array', element: int, count: 1000 }, BIG_ADDR, 4000);
  map('rp', { kind: 'pointer', size: 8, target: structRec }, RP_ADDR, 8);
  map('text', { kind: 'array', element: builtinType('x86_64', 'char'), count: 16 }, TEXT_ADDR, 16);
  env.memory.write(TEXT_ADDR, Buffer.from('hi\tthere\n\0'), 'virtual');
  for (const a of ['rp = &r', 'r.i = 42', 'r.u = 7', 'r.head = &nodes[0]', 'nodes[0].next = &nodes[1]', 'nodes[0].val = 1',
    'nodes[1].val = 2', 'r.str = (char *)0x4100', 'r.vp = &r', 'r.c = 65', 'r.flag = 1', 'r.fl = 5', 'r.color = (enum color)5',
    'r.bf.a = 5', 'r.bf.b = -9', 'r.bf.d = 0xabcdef1234', 'r.w.w = 0x11223344', 'r.d = 2.5']) assign(a.split(' = ')[0], a.split(' = ')[1], env);
  for (let i = 0; i < 1000; i++) env.memory.write(BIG_ADDR + BigInt(4 * i), Uint8Array.from([i & 0xff, i >> 8, 0, 0]), 'virtual');
  env.regs.set('rax', { value: 0x1122334455667788n, size: 8 });
  env.regs.set('eax', { value: 0x55667788n, size: 4 });
  env.regs.set('rip', { value: 0xffffffff81000000n, size: 8, type: { kind: 'pointer', size: 8, target: { kind: 'function', returnType: { kind: 'void' }, params: [], variadic: false } } });
  return env;
}
