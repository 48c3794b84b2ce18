/**
 * Finds the guest kernels in a workspace: `*.elf` files anywhere, and extensionless files (or `vmlinux`)
 * under typical build directories, each confirmed by probing its ELF header and Xen notes. The walk is
 * asynchronous and bounded (depth, directories, results), and skips dependency and VCS directories.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ElfProbe, GuestKind, guestKind, probeElf } from './elf-probe';

export interface DiscoveredGuest {
  /** Absolute path. */
  file: string;
  /** Workspace folder the file was found under. */
  root: string;
  /** Path relative to root, with `/` separators. */
  relative: string;
  kind: GuestKind;
  probe: ElfProbe;
}

export interface DiscoveryOptions {
  maxDepth?: number;
  maxDirectories?: number;
  maxResults?: number;
  signal?: AbortSignal;
}

const SKIP_DIRS = new Set(['node_modules', '.git', '.hg', '.svn', '.vscode-test', '.cache', 'test-results', '__pycache__']);
/** Directories whose extensionless files are worth probing. */
const BUILD_DIRS = new Set(['build', 'out', 'bin', 'obj', 'target', '_build', 'output', 'images', 'boot']);
const GUEST_EXTENSIONS = new Set(['.elf', '.elf32', '.elf64']);
const KERNEL_NAMES = new Set(['vmlinux']);

/** Is this file name worth probing, given the directory names from the root to it? */
export function isCandidate(name: string, dirs: readonly string[]): boolean {
  const ext = path.extname(name).toLowerCase();
  if (GUEST_EXTENSIONS.has(ext)) return true;
  if (KERNEL_NAMES.has(name)) return true;
  return ext === '' && !name.startsWith('.') && dirs.some((d) => BUILD_DIRS.has(d.toLowerCase()));
}

/** Guest kernels under each root, sorted by path. */
export async function discoverGuests(roots: readonly string[], options: DiscoveryOptions = {}): Promise<DiscoveredGuest[]> {
  const maxDepth = options.maxDepth ?? 8;
  const maxResults = options.maxResults ?? 200;
  let dirBudget = options.maxDirectories ?? 5000;
  const found: DiscoveredGuest[] = [];

  for (const root of roots) {
    // Breadth-first, so shallow build outputs are found before the budget runs out.
    const queue: { dir: string; parts: string[] }[] = [{ dir: root, parts: [] }];
    while (queue.length && dirBudget-- > 0 && found.length < maxResults) {
      if (options.signal?.aborted) return sortGuests(found);
      const { dir, parts } = queue.shift()!;
      let entries: import('node:fs').Dirent[];
      try { entries = await fs.readdir(dir, { withFileTypes: true }); } catch { continue; }
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const e of entries) {
        if (found.length >= maxResults) break;
        const full = path.join(dir, e.name);
        if (e.isDirectory()) {
          if (!SKIP_DIRS.has(e.name) && parts.length < maxDepth) queue.push({ dir: full, parts: [...parts, e.name] });
        } else if (e.isFile() && isCandidate(e.name, parts)) {
          const probe = await probeElf(full);
          const kind = probe && guestKind(probe);
          if (probe && kind) found.push({ file: full, root, relative: [...parts, e.name].join('/'), kind, probe });
        }
      }
    }
  }
  return sortGuests(found);
}

function sortGuests(g: DiscoveredGuest[]): DiscoveredGuest[] {
  return g.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

/**
 * Guests built from `sourceFile` first (hello.c → hello-pv64.elf, hello-hvm32.elf…), then the rest, each group
 * in path order: what F5 in a C file most likely wants.
 */
export function rankForSource(guests: readonly DiscoveredGuest[], sourceFile: string | undefined): DiscoveredGuest[] {
  if (!sourceFile) return [...guests];
  const stem = path.basename(sourceFile).replace(/\.[^.]*$/, '').toLowerCase();
  const matches = (g: DiscoveredGuest): boolean => stem.length > 0 && path.basename(g.file).toLowerCase().startsWith(stem);
  return [...guests.filter(matches), ...guests.filter((g) => !matches(g))];
}

/** A short label: `hello-pv64.elf (PV64, debug info)`. */
export function describeGuest(g: DiscoveredGuest): string {
  return `${path.basename(g.file)} (${g.kind}${g.probe.hasDebugInfo ? ', debug info' : ''})`;
}
