/**
 * Fresh temporary workspaces for the VS Code suites: a copy of sample-guests/ whose debuggee is rebuilt in
 * place (so the DWARF paths name the workspace's own debuggee.c, exactly as for a user who builds there),
 * plus a launch.json. The user-data directory gets settings that keep the workbench quiet and offline.
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { run } from './proc';

export const LAUNCH_NAME = 'Debuggee (PV64, -O0)';
export const KERNEL_RELATIVE = 'out/debuggee/debuggee-pv64-O0.elf';
export const SOURCE_RELATIVE = 'sample-guests/debuggee/debuggee.c';

export function makeWorkspace(repo: string, dir: string): string {
  mkdirSync(dir, { recursive: true });
  cpSync(path.join(repo, 'sample-guests'), path.join(dir, 'sample-guests'), { recursive: true });
  run('make', ['-s', '-C', path.join(dir, 'sample-guests'), `OUT=${path.join(dir, 'out')}`, 'debuggee'], { stdio: ['ignore', 'ignore', 'inherit'] });
  mkdirSync(path.join(dir, '.vscode'));
  writeFileSync(path.join(dir, '.vscode', 'launch.json'), JSON.stringify({
    version: '0.2.0',
    configurations: [{
      type: 'xen-guest', request: 'launch', name: LAUNCH_NAME,
      kernel: `\${workspaceFolder}/${KERNEL_RELATIVE}`,
      // Preempt XENMEM_decrease_reservation every 100 pages: the Hypercalls view shows its continuations.
      preemption: 100,
      // Two vCPUs (the second stays down): the Call Stack lists one thread per vCPU.
      vcpus: 2,
    }],
  }, null, 2));
  return dir;
}

/** 1-based line of the `@bp:<name>` marker in the workspace's debuggee.c. */
export function markerLine(workspace: string, name: string): number {
  const lines = readFileSync(path.join(workspace, SOURCE_RELATIVE), 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes(`/* @bp:${name} */`));
  if (i < 0) throw new Error(`no @bp:${name} marker in debuggee.c`);
  return i + 1;
}

export function writeUserSettings(userDataDir: string): void {
  const dir = path.join(userDataDir, 'User');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'settings.json'), JSON.stringify({
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'extensions.ignoreRecommendations': true,
    'security.workspace.trust.enabled': false,
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'git.enabled': false,
    'editor.minimap.enabled': false,
    'window.restoreWindows': 'none',
    'files.hotExit': 'off',
  }, null, 2));
}
