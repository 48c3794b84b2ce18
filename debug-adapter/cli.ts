/**
 * The `xen-guest` command (package.json `bin`, bundled to dist/cli.js): `xen-guest dap` speaks the Debug
 * Adapter Protocol over stdio, `xen-guest dap --server=PORT` on 127.0.0.1:PORT (one session per connection),
 * and every other subcommand (`run`, help) is the emulator's own CLI. The emulator never imports the adapter;
 * this entry sits above both.
 */
import * as net from 'net';
import { main as emulatorMain } from '../emulator/cli/main';
import { XenDebugSession } from './session';

export const DAP_USAGE = `usage: xen-guest dap [--server=PORT]
  Speaks the Debug Adapter Protocol on stdin/stdout, or with --server=PORT on 127.0.0.1:PORT.`;

/** Parses `dap` arguments: undefined port → stdio; a string result is a usage error. */
export function parseDapArgs(argv: string[]): { port?: number } | string {
  let port: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const m = /^--server(?:=(.*))?$/.exec(a);
    if (!m) return `unknown option ${a}`;
    const v = m[1] ?? argv[++i];
    if (v === undefined || !/^\d+$/.test(v) || Number(v) > 65535) return `--server needs a port number from 0 to 65535 (got ${v ?? 'nothing'})`;
    port = Number(v);
  }
  return { port };
}

/** Starts a DAP server on 127.0.0.1 only; resolves with the bound port (0 picks a free one). */
export function startDapServer(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer((socket) => {
      const session = new XenDebugSession();
      session.setRunAsServer(true);
      session.start(socket, socket);
    });
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

export function main(argv: string[]): number | undefined {
  if (argv[0] !== 'dap') {
    if (argv[0] === undefined || ['-h', '--help', 'help'].includes(argv[0])) process.stdout.write(`${DAP_USAGE}\n\n`);
    return emulatorMain(argv);
  }
  const args = parseDapArgs(argv.slice(1));
  if (typeof args === 'string') {
    process.stderr.write(`xen-guest dap: ${args}\n${DAP_USAGE}\n`);
    return 2;
  }
  // A bug in one request must not take the whole adapter (and every session on a server) down.
  process.on('uncaughtException', (e) => { process.stderr.write(`xen-guest dap: internal error: ${e.stack ?? e}\n`); });
  if (args.port === undefined) {
    const session = new XenDebugSession();
    process.on('SIGTERM', () => session.shutdown());
    session.start(process.stdin, process.stdout);
    return undefined;
  }
  startDapServer(args.port).then((server) => {
    const a = server.address();
    process.stderr.write(`xen-guest dap: listening on 127.0.0.1:${typeof a === 'object' && a ? a.port : args.port}\n`);
  }, (e: Error) => {
    process.stderr.write(`xen-guest dap: cannot listen on 127.0.0.1:${args.port}: ${e.message}\n`);
    process.exitCode = 2;
  });
  return undefined;
}

if (require.main === module) {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0); throw e; });
  const rc = main(process.argv.slice(2));
  if (rc !== undefined) process.exitCode = rc;
}
