/**
 * values/: C values, C expressions and DAP variable trees for the debug adapter. This file is the public API;
 * everything else in the folder is internal. Nothing here imports `vscode` or the DAP runtime (DAP shapes are
 * plain objects typed with @vscode/debugprotocol).
 *
 * Usage (the session):
 *
 *   const store = new VariableStore();              // one per session; store.invalidate() on every resume/step
 *   // One EvalEnv per stack frame (cheap; build it when the frame is made or on demand):
 *   const env = createFrameEnv({
 *     frame,                                          // symbols' FrameContext (arch, pc, DWARF regs, memory)
 *     symbols,                                        // GuestSymbols (omit when the image has none)
 *     memory: { read: (a, n, space) => ..., write: (a, bytes, space) => ok },   // space: 'virtual' | 'physical' | 'machine'
 *     registers: { read: (name) => ({ value, size }), write: (name, v) => ..., writeDwarf: (reg, v) => ... },
 *     roots: xenRoots({ abi: 'x86_64', vcpus: 2, sharedInfo: () => sharedInfoMachineAddr,
 *                       vcpuInfo: (n) => registeredVcpuInfoGpa[n] }),  // undefined: the legacy slot in shared_info
 *   });
 *   // scopes -> variablesReference
 *   const locals = store.addScope(env, () => frameLocals(symbols, frame));
 *   const regs = store.addScope(env, () => ['rax', 'rbx'].map((r) => ({ name: r, value: registerValue(env, r), evaluateName: `$${r}` })));
 *   const xen = store.addScope(env, () => [
 *     { name: 'vcpu_info', value: xenValue(vcpu_info, abi, vcpuInfoGpa), evaluateName: `vcpu_info[${vcpu}]` },
 *     { name: 'shared_info', value: () => evaluate('$shared_info', env), evaluateName: '$shared_info' },
 *   ]);
 *   // requests
 *   variables:     store.variables(args.variablesReference, args)            -> DebugProtocol.Variable[]
 *   setVariable:   store.setVariable(args.variablesReference, args.name, args.value, args.format)
 *   evaluate:      evaluateForDap(args.expression, env, store, args.format)   -> EvaluateResponse body
 *   setExpression: setExpressionForDap(args.expression, args.value, env, store, args.format)
 *   conditions:    evaluateCondition('x > 3 && p->n', env)                    -> boolean
 *
 * Expressions reach Xen state by path: `vcpu_info[1].evtchn_upcall_pending`, `shared_info.evtchn_pending[0]`,
 * `$shared_info.wc_sec` (the `$` form wins over a guest variable of the same name).
 *
 * All failures throw EvalError (ExprSyntaxError for parse errors, with a 1-based `column` in the message);
 * messages are meant for the user as they are. Formatting never throws: it shows `<error: ...>`.
 */

export type { AddressSpace, BitField, IndexedRoot, Location, Value } from './value';
export { EvalError } from './value';
export type { EvalEnv, RegisterValue } from './env';
export { pointerSize } from './env';

// ---- types
export { typeName, sizeOf, stripTypedefs, builtinType, lookupBuiltinType } from './types';

// ---- expressions
export type { Expr, TypeName } from './ast';
export { parseExpression, ExprSyntaxError } from './parser';
export { evaluate, evaluateCondition, assign, assignValue, valueToBigInt, valueToNumber, readValueBytes } from './evaluator';
export { storageSize } from './access';

// ---- formatting and variable trees
export type { FormatOptions } from './format';
export { formatValue } from './format';
export type { NamedValue, VariableStoreOptions } from './variables';
export { VariableStore, evaluateForDap, setExpressionForDap, memoryReferenceOf } from './variables';

// ---- environments
export type { FrameEnvOptions, MemoryAccess, RegisterAccess } from './frame-env';
export { createFrameEnv, variableValue, frameLocals, frameGlobals, registerValue } from './frame-env';

export { collectEnumerators } from './enumerators';
export { dwarfRegisterName, dwarfRegisterNumber } from './registers';

// ---- Xen ABI types and roots
export { xenTypeInfo, xenValue } from './xen-types';
export type { XenRootsOptions, XenPlace } from './xen-roots';
export { xenRoots, indexedRoot } from './xen-roots';
