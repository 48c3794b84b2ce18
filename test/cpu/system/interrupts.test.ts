import { Cpu } from '../../../emulator/cpu/cpu';
import { ImageRun, createMachine, imageTests, runMachine } from './harness';

const INTR_PORT = 0x7f0;

/** raiseInterrupt is the core's way for the platform to assert an external interrupt. */
type WithInterrupts = Cpu & { raiseInterrupt?(vector: number): void };

describe('system image interrupts (external interrupts raised through a port write)', function () {
  let result: ImageRun | undefined;
  let failure: unknown;
  before(function () {
    try {
      const box: { cpu?: WithInterrupts } = {};
      const m = createMachine('interrupts', {
        hooks: {
          portOut(port, _size, value) {
            if (port !== INTR_PORT) return;
            if (!box.cpu?.raiseInterrupt) throw new Error('Cpu.raiseInterrupt is missing');
            box.cpu.raiseInterrupt(value & 0xff);
          },
        },
      });
      box.cpu = m.cpu;
      result = runMachine(m);
    } catch (e) { failure = e; }
  });
  imageTests('interrupts', () => {
    if (failure !== undefined) throw failure;
    return result!;
  });
});
