/** The CPU configurations the execution fuzzer runs random code in. */
import type { CpuMode } from '../../../emulator/cpu/api-types';

export interface FuzzMode {
  name: string;
  mode: 'long64' | 'compat32' | 'protected32';
  cpl: 0 | 3;
  paging?: 'none' | '2level' | 'pae';
  /** The CpuMode the core must report right after setup. */
  expect: CpuMode;
}

export const FUZZ_MODES: readonly FuzzMode[] = [
  { name: 'long64-cpl0', mode: 'long64', cpl: 0, expect: 'long64' },
  { name: 'long64-cpl3', mode: 'long64', cpl: 3, expect: 'long64' },
  { name: 'compat32-cpl3', mode: 'compat32', cpl: 3, expect: 'compat32' },
  { name: 'prot32-cpl0', mode: 'protected32', cpl: 0, paging: 'none', expect: 'protected32' },
  { name: 'prot32-cpl3', mode: 'protected32', cpl: 3, paging: 'none', expect: 'protected32' },
  { name: 'prot32-2level-cpl0', mode: 'protected32', cpl: 0, paging: '2level', expect: 'protected32' },
  { name: 'prot32-pae-cpl0', mode: 'protected32', cpl: 0, paging: 'pae', expect: 'protected32' },
];

export function findMode(name: string): FuzzMode {
  const m = FUZZ_MODES.find((x) => x.name === name);
  if (!m) throw new Error(`unknown mode ${name}; one of: ${FUZZ_MODES.map((x) => x.name).join(', ')}, all`);
  return m;
}

export function is64(m: FuzzMode): boolean {
  return m.mode === 'long64';
}
