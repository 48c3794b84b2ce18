/**
 * `xen-guest run <kernel-elf | xl.cfg> [options]` (DESIGN.md CLI contract): boots the guest, prints its
 * console to stdout and (with --trace) trace lines to stderr, and exits with 0 for poweroff, 1 for a crash,
 * triple fault, hang or other unhandled guest error, 2 for usage or configuration errors, 3 when the
 * instruction limit is reached.
 */
import * as fs from 'fs';
import { LaunchConfigError, resolveMachineOptions } from '../config/launch-options';
import { createMachine } from '../machine';
import { formatTraceEvent, TraceBus, TraceEvent } from '../xen/trace';
import type { MachineStop } from '../xen/hypervisor';

export const EXIT = { poweroff: 0, guestError: 1, usage: 2, limit: 3 } as const;

export const RUN_USAGE = `usage: xen-guest run <kernel-elf | xl.cfg> [options]
  --type pv|pv64|pv32|pvh|hvm   guest type (default: from the ELF notes)
  --vcpus N                     number of vCPUs (default 1)
  --memory MiB                  guest memory (default 64)
  --xen PROFILE                 Xen version profile: 4.4 4.5 4.8 4.17 4.19 4.21, optionally -debug (default 4.17)
  --preemption P                never | always | auto | N (preempt long hypercalls every N units; default auto)
  --cmdline TEXT                guest command line
  --no-evtchn-fifo              clear the domain's evtchnFifo flag
  --trace                       print trace events to stderr, one per line
  --trace-json FILE             write trace events as JSON Lines to FILE
  --max-instructions N          stop after N instructions (exit status 3; default 10000000000)`;

export interface RunIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

const defaultIo: RunIo = {
  stdout: (s) => { process.stdout.write(s); },
  stderr: (s) => { process.stderr.write(s); },
};

class UsageError extends Error {}

interface RunArgs { raw: Record<string, unknown>; trace: boolean; traceJson?: string; maxInstructions: number }

function parseArgs(argv: string[]): RunArgs {
  const raw: Record<string, unknown> = {};
  let trace = false;
  let traceJson: string | undefined;
  let maxInstructions = 10_000_000_000;
  let image: string | undefined;
  const need = (i: number, flag: string): string => {
    if (i >= argv.length || argv[i].startsWith('--')) throw new UsageError(`${flag} needs a value`);
    return argv[i];
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const val = (): string => inline ?? need(++i, flag);
    switch (flag) {
      case '--type': raw.guestType = val(); break;
      case '--vcpus': raw.vcpus = val(); break;
      case '--memory': raw.memoryMiB = val(); break;
      case '--xen': raw.xenVersion = val(); break;
      case '--preemption': raw.preemption = val(); break;
      case '--cmdline': raw.cmdline = val(); break;
      case '--no-evtchn-fifo': raw.domainFlags = { evtchnFifo: false }; break;
      case '--trace': trace = true; break;
      case '--trace-json': traceJson = val(); break;
      case '--max-instructions': {
        const v = val();
        if (!/^\d+$/.test(v) || Number(v) < 1) throw new UsageError(`--max-instructions must be a positive integer (got ${v})`);
        maxInstructions = Number(v);
        break;
      }
      case '-h': case '--help': throw new UsageError('');
      default:
        if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
        if (image) throw new UsageError(`more than one image given (${image}, ${a})`);
        image = a;
    }
  }
  if (!image) throw new UsageError('no kernel ELF or xl.cfg given');
  if (isElf(image)) raw.kernel = image; else raw.xlConfig = image;
  return { raw, trace, traceJson, maxInstructions };
}

function isElf(file: string): boolean {
  try {
    const fd = fs.openSync(file, 'r');
    const b = Buffer.alloc(4);
    fs.readSync(fd, b, 0, 4, 0);
    fs.closeSync(fd);
    return b.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
  } catch {
    return true; // let the loader report the missing file
  }
}

/** Runs the command; returns the exit status. */
export function runCommand(argv: string[], io: RunIo = defaultIo): number {
  let args: RunArgs;
  try {
    args = parseArgs(argv);
  } catch (e) {
    const msg = (e as Error).message;
    io.stderr(`${msg ? `xen-guest run: ${msg}\n` : ''}${RUN_USAGE}\n`);
    return EXIT.usage;
  }
  const trace = new TraceBus();
  let jsonFd: number | undefined;
  try {
    const opts = resolveMachineOptions(args.raw);
    if (args.traceJson) jsonFd = fs.openSync(args.traceJson, 'w');
    if (args.trace) trace.subscribe((e) => io.stderr(`${formatTraceEvent(e)}\n`));
    if (jsonFd !== undefined) {
      const fd = jsonFd;
      trace.subscribe((e: TraceEvent) => { fs.writeSync(fd, `${JSON.stringify(e)}\n`); });
    }
    let m;
    try {
      m = createMachine(opts, { trace, onConsole: (_d, text) => io.stdout(text) });
    } catch (e) {
      io.stderr(`xen-guest run: ${opts.kernel}: ${(e as Error).message}\n`);
      return EXIT.usage;
    }
    const stop = m.hv.run(args.maxInstructions);
    m.hv.flushConsole();
    return report(stop, m.hv.icount, io);
  } catch (e) {
    if (e instanceof LaunchConfigError) {
      io.stderr(e.problems.map((p) => `xen-guest run: ${asFlags(p)}\n`).join(''));
      return EXIT.usage;
    }
    throw e;
  } finally {
    if (jsonFd !== undefined) fs.closeSync(jsonFd);
  }
}

/** Launch-configuration field names → the CLI flags that set them, for error messages. */
const FLAG_FOR_FIELD: Record<string, string> = {
  xenVersion: '--xen', memoryMiB: '--memory', guestType: '--type', vcpus: '--vcpus', preemption: '--preemption',
  cmdline: '--cmdline', 'domainFlags.evtchnFifo': '--no-evtchn-fifo',
};
function asFlags(problem: string): string {
  return problem.replace(/^([A-Za-z.]+)/, (f) => FLAG_FOR_FIELD[f] ?? f);
}

function report(stop: MachineStop, icount: number, io: RunIo): number {
  const n = `after ${icount} instructions`;
  switch (stop.kind) {
    case 'shutdown': {
      const s = stop.shutdown;
      if (s.reason === 'poweroff') return EXIT.poweroff;
      io.stderr(`xen-guest run: d${stop.domain.domid} (${stop.domain.name}) ${s.reason}${s.detail ? `: ${s.detail}` : ''} ${n}\n`);
      return EXIT.guestError;
    }
    case 'limit':
      io.stderr(`xen-guest run: instruction limit reached (${n})\n`);
      return EXIT.limit;
    case 'deadlock':
      io.stderr(`xen-guest run: the guest hung: ${stop.detail} (${n})\n`);
      return EXIT.guestError;
    case 'vcpu':
      io.stderr(`xen-guest run: ${stop.vcpu.label} stopped unexpectedly: ${JSON.stringify(stop.reason, (_k, v) => typeof v === 'bigint' ? `0x${v.toString(16)}` : v)} (${n})\n`);
      return EXIT.guestError;
    default:
      io.stderr(`xen-guest run: stopped: ${stop.kind} (${n})\n`);
      return EXIT.guestError;
  }
}
