/**
 * Starts code-server on 127.0.0.1 (a free port) with its own user-data and extensions directories,
 * telemetry and update checks off, and waits until it serves. Its output goes to a log file.
 */
import { createWriteStream } from 'node:fs';
import * as net from 'node:net';
import { cleanEnv, run, startDetached } from './proc';

export interface CodeServer { url: string; port: number; pid: number }

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface ServerDirs { userData: string; extensions: string }

function dirArgs(d: ServerDirs): string[] {
  return ['--user-data-dir', d.userData, '--extensions-dir', d.extensions];
}

/** `code-server --install-extension x.vsix` (offline, a second or two). */
export function installExtension(entry: string, dirs: ServerDirs, vsix: string): void {
  run(process.execPath, [entry, ...dirArgs(dirs), '--install-extension', vsix], { env: cleanEnv(), stdio: ['ignore', 'ignore', 'inherit'] });
}

export async function startCodeServer(entry: string, dirs: ServerDirs, logFile: string, env: Record<string, string>,
  timeoutMs = 60_000): Promise<CodeServer> {
  const port = await freePort();
  const child = startDetached(process.execPath, [entry,
    '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override',
    ...dirArgs(dirs),
  ], cleanEnv(env));
  const log = createWriteStream(logFile);
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`code-server did not start within ${timeoutMs} ms (see ${logFile})`)), timeoutMs);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`code-server exited with ${code} (see ${logFile})`)); });
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('HTTP server listening')) { clearTimeout(timer); resolve(); }
    });
  });
  return { url: `http://127.0.0.1:${port}`, port, pid: child.pid! };
}
