/**
 * Child processes for the VS Code test driver: every long-lived process is spawned detached (its own process
 * group), remembered, and killed by group at the end, so code-server's extension hosts, the adapters they
 * start and Chromium's helpers all go with it, on success, failure, timeout or Ctrl+C.
 */
import { ChildProcess, spawn, spawnSync, SpawnSyncOptions } from 'node:child_process';

const started: ChildProcess[] = [];

/** The environment without the npm_* variables of the outer `npm run` (they confuse a nested `npm install`). */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  return { ...env, ...extra };
}

/** Runs a command to completion with inherited output; throws with its exit status on failure. */
export function run(cmd: string, args: string[], opts: SpawnSyncOptions = {}): void {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}`);
}

/** Starts a long-lived process in its own process group and tracks it for killAll(). */
export function startDetached(cmd: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(cmd, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  return child;
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try { process.kill(-child.pid, signal); } catch { /* already gone */ }
}

/** SIGTERM every tracked process group, then SIGKILL whatever is left after a grace period. */
export async function killAll(graceMs = 3000): Promise<void> {
  for (const c of started) killGroup(c, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && started.some((c) => c.exitCode === null && c.signalCode === null)) {
    await new Promise((r) => setTimeout(r, 100));
  }
  // The group may outlive its leader (extension hosts, chromium zygotes): always sweep it.
  for (const c of started) if (c.pid !== undefined) { try { process.kill(-c.pid, 'SIGKILL'); } catch { /* gone */ } }
  started.length = 0;
}
