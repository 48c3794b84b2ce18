/**
 * The emulator's subcommands of the `xen-guest` command: `run` (boot a guest from the command line) and help.
 * The executable entry (package.json `bin`, dist/cli.js) is debug-adapter/cli.ts, which adds `dap` and
 * delegates everything else here, so the emulator never imports the adapter.
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
