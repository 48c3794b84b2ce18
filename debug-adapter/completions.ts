/**
 * REPL and watch completions: locals and globals in scope, `$registers`, Xen roots, and members after `.` or
 * `->` (the expression before it is evaluated to find its struct type).
 */
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { GuestSymbols, TypeInfo } from './symbols/model';
import { EvalEnv, evaluate, stripTypedefs } from './values';

const REGISTERS = ['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp', 'rsp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15', 'rip', 'rflags',
  'eax', 'ebx', 'ecx', 'edx', 'esi', 'edi', 'ebp', 'esp', 'eip', 'cs', 'ds', 'es', 'fs', 'gs', 'ss', 'fs_base', 'gs_base', 'cr0', 'cr2', 'cr3', 'cr4', 'efer'];
const ROOTS = ['shared_info', 'vcpu_info', 'start_info'];

function membersOf(t: TypeInfo): string[] {
  let s = stripTypedefs(t);
  if (s.kind === 'pointer') s = stripTypedefs(s.target);
  if (s.kind !== 'struct' && s.kind !== 'union') return [];
  const out: string[] = [];
  for (const m of s.members) {
    if (m.name) out.push(m.name);
    else out.push(...membersOf(m.type)); // anonymous struct/union members are reachable directly
  }
  return out;
}

export function completionsFor(text: string, column: number, env: EvalEnv, symbols: GuestSymbols | undefined, pc: bigint): DebugProtocol.CompletionItem[] {
  const upto = text.slice(0, Math.max(0, column - 1));
  const m = /(\$?[A-Za-z_][\w]*)?$/.exec(upto)!;
  const prefix = m[1] ?? '';
  const before = upto.slice(0, upto.length - prefix.length);
  const member = /(.*?)(\.|->)\s*$/.exec(before);
  let names: { label: string; type: DebugProtocol.CompletionItemType }[];
  if (member) {
    let fields: string[] = [];
    try { fields = membersOf(evaluate(member[1].trim(), env).type); } catch { fields = []; }
    names = fields.map((f) => ({ label: f, type: 'field' }));
  } else if (prefix.startsWith('$')) {
    names = REGISTERS.map((r) => ({ label: `$${r}`, type: 'variable' }));
  } else {
    const locals = symbols?.variablesAt(pc).map((v) => v.name) ?? [];
    const globals = symbols?.globals().map((v) => v.name) ?? [];
    names = [
      ...locals.map((l) => ({ label: l, type: 'variable' as const })),
      ...globals.map((l) => ({ label: l, type: 'variable' as const })),
      ...ROOTS.map((r) => ({ label: r, type: 'module' as const })),
    ];
  }
  const seen = new Set<string>();
  return names.filter((n) => n.label.startsWith(prefix) && !seen.has(n.label) && seen.add(n.label))
    .slice(0, 500).map((n) => ({ label: n.label, type: n.type, start: column - 1 - prefix.length, length: prefix.length }));
}
