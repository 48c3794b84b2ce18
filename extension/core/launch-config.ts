/**
 * Launch configuration handling before a session starts: the configuration F5 gets when there is no
 * launch.json, path resolution against the workspace folder (the inline adapter's cwd is the extension
 * host's, not the workspace), and validation against the launch schema.
 */
import * as path from 'node:path';
import type { XenLaunchArguments } from '../../debug-adapter/protocol';
import { DEBUG_TYPE, KERNEL_REQUIRED, LAUNCH_PROPERTIES } from './launch-schema';
import { validateObject } from './schema-validate';

export type LaunchConfig = XenLaunchArguments & { type?: string; request?: string; name?: string; [key: string]: unknown };
export type ResolvedLaunchConfig = LaunchConfig & { type: string; request: string; name: string };

/** VS Code passes `{}` (or only noDebug) when F5 is pressed without a launch.json. */
export function isEmptyConfig(config: Record<string, unknown>): boolean {
  return !config.type && !config.request && !config.name && !config.kernel && !config.xlConfig;
}

/** The configuration for one guest kernel; `kernel` may contain `${workspaceFolder}`. */
export function configForKernel(kernel: string, label: string): LaunchConfig {
  return { type: DEBUG_TYPE, request: 'launch', name: `Xen: ${label}`, kernel };
}

/** Fills what VS Code needs and the user may leave out; machine defaults stay with the adapter (and xl.cfg). */
export function withDefaults(config: LaunchConfig): ResolvedLaunchConfig {
  const target = config.kernel ?? config.xlConfig;
  return {
    ...config,
    type: config.type || DEBUG_TYPE,
    request: config.request || 'launch',
    name: config.name || (target ? `Xen: ${path.basename(target)}` : 'Xen guest'),
  };
}

/** Makes kernel, xlConfig and symbolFiles absolute against `baseDir` (after VS Code substituted variables). */
export function resolvePaths(config: LaunchConfig, baseDir: string | undefined): LaunchConfig {
  if (!baseDir) return config;
  const abs = (p: unknown): unknown => (typeof p === 'string' && p !== '' ? path.resolve(baseDir, p) : p);
  const out: LaunchConfig = { ...config };
  if (out.kernel !== undefined) out.kernel = abs(out.kernel) as string;
  if (out.xlConfig !== undefined) out.xlConfig = abs(out.xlConfig) as string;
  if (Array.isArray(out.symbolFiles)) out.symbolFiles = out.symbolFiles.map((f) => abs(f) as string);
  return out;
}

/** Problems with the launch attributes, each naming its field; empty when the configuration may start. */
export function validateLaunchConfig(config: LaunchConfig): string[] {
  const problems: string[] = [];
  if (config.kernel === undefined && config.xlConfig === undefined) problems.push(KERNEL_REQUIRED);
  // Open schema here: VS Code adds its own keys (preLaunchTask, presentation, __configurationTarget, …).
  problems.push(...validateObject(config, { properties: LAUNCH_PROPERTIES }));
  return problems;
}

/** The files a configuration needs to exist (checked asynchronously by the caller). */
export function requiredFiles(config: LaunchConfig): { field: string; file: string }[] {
  const files: { field: string; file: string }[] = [];
  if (typeof config.kernel === 'string' && config.kernel) files.push({ field: 'kernel', file: config.kernel });
  if (typeof config.xlConfig === 'string' && config.xlConfig) files.push({ field: 'xlConfig', file: config.xlConfig });
  (Array.isArray(config.symbolFiles) ? config.symbolFiles : []).forEach((f, i) => {
    if (typeof f === 'string') files.push({ field: `symbolFiles[${i}]`, file: f });
  });
  return files;
}
