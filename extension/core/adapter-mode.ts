/** Where the debug adapter runs, from the `xenGuest.adapter.mode` setting. */

export type AdapterMode = 'inline' | 'process';

export type AdapterPlan =
  | { mode: 'inline' }
  | { mode: 'process'; command: string; args: string[]; env: Record<string, string> };

export function adapterMode(setting: unknown): AdapterMode {
  return setting === 'process' ? 'process' : 'inline';
}

/**
 * The process plan runs `cli.js dap` under the extension host's own runtime. In desktop VS Code that is
 * Electron, which behaves as plain Node only with ELECTRON_RUN_AS_NODE; under code-server it is Node itself.
 */
export function adapterPlan(setting: unknown, cliPath: string, execPath: string | undefined): AdapterPlan {
  if (adapterMode(setting) === 'inline') return { mode: 'inline' };
  return { mode: 'process', command: execPath || 'node', args: [cliPath, 'dap'], env: { ELECTRON_RUN_AS_NODE: '1' } };
}
