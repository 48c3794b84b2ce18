/**
 * The `xen-guest` command (package.json `bin`). Subcommands: `run` (boot a guest from the command line).
 * `dap` (the debug adapter over stdio or a socket) arrives with the debug adapter.
 */
import { RUN_USAGE, runCommand, EXIT } from './run';

export function main(argv: string[]): number {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'run':
      return runCommand(rest);
    case undefined: case '-h': case '--help': case 'help':
      process.stdout.write(`xen-guest: run Xen PV, PVH and HVM guests on an emulated hypervisor\n\n${RUN_USAGE}\n`);
      return cmd === undefined ? EXIT.usage : 0;
    default:
      process.stderr.write(`xen-guest: unknown command "${cmd}" (try: xen-guest run <kernel>)\n`);
      return EXIT.usage;
  }
}

if (require.main === module) {
  // `xen-guest run … | head` closes stdout early: stop quietly, as other command-line tools do.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0); throw e; });
  process.exitCode = main(process.argv.slice(2));
}
