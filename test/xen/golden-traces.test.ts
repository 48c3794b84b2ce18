/**
 * Golden traces: each sample guest's hypervisor-level story (hypercalls with their sub-ops and results,
 * continuations, upcalls, console, shutdown) must not change unnoticed. The emulator is deterministic, so a
 * rerun gives the same trace; instruction counts and times are left out so CPU-level changes (which the CPU
 * suites guard) do not churn these files. Regenerate deliberately with UPDATE_GOLDEN=1 and review the diff.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { resolveMachineOptions } from '../../emulator/config/launch-options';
import { createMachine } from '../../emulator/machine';
import { TraceBus, TraceEvent } from '../../emulator/xen/trace';
import { REPO_ROOT } from '../bench/flat-elf-runner';

interface Case { name: string; image: string; options?: Record<string, unknown> }

const CASES: Case[] = [
  { name: 'hello-hvm32', image: 'hello/hello-hvm32.elf' },
  { name: 'hello-hvm32pse', image: 'hello/hello-hvm32pse.elf' },
  { name: 'hello-hvm32pae', image: 'hello/hello-hvm32pae.elf' },
  { name: 'hello-hvm64', image: 'hello/hello-hvm64.elf' },
  { name: 'hello-pv64', image: 'hello/hello-pv64.elf' },
  { name: 'hello-pv32', image: 'hello/hello-pv32.elf' },
  { name: 'balloon-pv64', image: 'balloon/balloon-pv64.elf', options: { preemption: 1024 } },
  { name: 'balloon-hvm64', image: 'balloon/balloon-hvm64.elf', options: { preemption: 1024 } },
  { name: 'events-pv64', image: 'events/events-pv64.elf' },
  { name: 'events-hvm64', image: 'events/events-hvm64.elf' },
  { name: 'smp-pv64', image: 'smp/smp-pv64.elf', options: { vcpus: 2 } },
  { name: 'smp-hvm64', image: 'smp/smp-hvm64.elf', options: { vcpus: 2 } },
];

/** The stable part of an event: what happened, not when. */
function essence(e: TraceEvent): Record<string, unknown> {
  const { kind, name, subop, args, ret, errno, text, vcpu } = e;
  return Object.fromEntries(Object.entries({ vcpu, kind, name, subop, args, ret, errno, text }).filter(([, v]) => v !== undefined));
}

function traceOf(c: Case): string {
  const trace = new TraceBus();
  const lines: string[] = [];
  trace.subscribe((e) => lines.push(JSON.stringify(essence(e))));
  const m = createMachine(resolveMachineOptions({
    kernel: path.join(REPO_ROOT, 'out/sample-guests', c.image), memoryMiB: 64, ...c.options,
  }), { trace });
  const stop = m.hv.run(200_000_000);
  m.hv.flushConsole();
  lines.push(JSON.stringify({ stop: stop.kind, ...(stop.kind === 'shutdown' ? { reason: stop.shutdown.reason } : {}) }));
  return `${lines.join('\n')}\n`;
}

describe('golden traces of the sample guests', () => {
  for (const c of CASES) {
    it(`${c.name} gives the recorded trace`, () => {
      const file = path.join(REPO_ROOT, 'test/golden', `${c.name}.jsonl`);
      const actual = traceOf(c);
      if (process.env.UPDATE_GOLDEN === '1') {
        fs.writeFileSync(file, actual);
        return;
      }
      assert.ok(fs.existsSync(file), `no recorded trace test/golden/${c.name}.jsonl (UPDATE_GOLDEN=1 npm test records it)`);
      const expected = fs.readFileSync(file, 'utf8');
      const a = actual.split('\n'), e = expected.split('\n');
      const first = a.findIndex((l, i) => l !== e[i]);
      assert.ok(first < 0 && a.length === e.length,
        `trace differs from test/golden/${c.name}.jsonl at line ${first + 1}:\n  expected ${e[first]}\n  actual   ${a[first]}\n(UPDATE_GOLDEN=1 npm test regenerates after review)`);
    });
  }
});
