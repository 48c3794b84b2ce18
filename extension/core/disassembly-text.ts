/**
 * A read-only text listing of the instructions around a hypercall site, from a DAP `disassemble`
 * response, for rows with no source line (VS Code's Disassembly view cannot be pointed at an address).
 */
import type { DebugProtocol } from '@vscode/debugprotocol';

export interface Listing { text: string; siteLine: number }

function sameAddress(a: string, b: string): boolean {
  try { return BigInt(a) === BigInt(b); } catch { return a.toLowerCase() === b.toLowerCase(); }
}

export function disassemblyListing(site: string, title: string, instructions: readonly DebugProtocol.DisassembledInstruction[]): Listing {
  const lines = [`; ${title}`, `; hypercall site ${site} marked with >`, ''];
  let siteLine = -1;
  let lastSymbol: string | undefined;
  for (const ins of instructions) {
    // Adapters label every instruction `sym+0x…`; a label line only where the enclosing symbol changes.
    const symbol = ins.symbol?.replace(/\+(0x)?[0-9a-f]+$/i, '');
    if (symbol && symbol !== lastSymbol) {
      lines.push(`${symbol}:`);
      lastSymbol = symbol;
    }
    const mark = sameAddress(ins.address, site) ? '>' : ' ';
    if (mark === '>') siteLine = lines.length;
    const where = ins.location?.path && ins.line ? `   ; ${ins.location.path}:${ins.line}` : '';
    lines.push(`${mark} ${ins.address.padEnd(18)} ${(ins.instructionBytes ?? '').padEnd(24)} ${ins.instruction}${where}`);
  }
  if (siteLine < 0) {
    lines.push('', `; the adapter returned no instruction at ${site}`);
    siteLine = 1;
  }
  return { text: lines.join('\n') + '\n', siteLine };
}
