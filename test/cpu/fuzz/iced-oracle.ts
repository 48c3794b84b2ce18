/**
 * iced-x86 as an independent decoder oracle: instruction length, validity and a coarse
 * class telling whether the core is expected to implement the instruction.
 */
import {
  Code, CpuidFeature, Decoder, DecoderError, DecoderOptions, EncodingKind, Formatter, FormatterSyntax, Mnemonic,
} from 'iced-x86';
import type { CpuMode } from '../../../emulator/cpu/api-types';

/**
 * core:  integer/system instructions the core must decode (8086..486, x86-64, CMOV, CX8/16B,
 *        CPUID, MSR, TSC, SYSCALL/SYSENTER, long NOPs, fences, prefetch hints, CLFLUSH, PAUSE).
 * ext:   integer/system extensions the CPU may leave unadvertised (#UD, so -1 is acceptable).
 * fpvec: x87, MMX, SSE, AVX and other floating-point/vector instructions.
 */
export type InsnClass = 'core' | 'ext' | 'fpvec';

export interface IcedResult {
  /** 'ok': a valid instruction; 'invalid': #UD encoding; 'truncated': ran out of bytes. */
  status: 'ok' | 'invalid' | 'truncated';
  length: number;
  mnemonic: string;
  code: string;
  cls: InsnClass;
  features: string[];
  /** A string instruction with a REP/REPE/REPNE prefix (it may fault after some iterations). */
  repString: boolean;
  /** INT n / INT3 / INTO / INT1: software interrupts, delivered as traps. */
  softInt: boolean;
  /** AMD-only encoding (SSE4A, XOP, 3DNow!, SVM...): on Intel the same bytes may mean something else or #UD. */
  amdOnly: boolean;
}

const CORE_FEATURES = new Set<number>([
  CpuidFeature.INTEL8086, CpuidFeature.INTEL186, CpuidFeature.INTEL286, CpuidFeature.INTEL386,
  CpuidFeature.INTEL486, CpuidFeature.X64, CpuidFeature.CMOV, CpuidFeature.CX8, CpuidFeature.CMPXCHG16B,
  CpuidFeature.CPUID, CpuidFeature.MSR, CpuidFeature.TSC, CpuidFeature.RDTSCP, CpuidFeature.MULTIBYTENOP,
  CpuidFeature.PAUSE, CpuidFeature.SYSCALL, CpuidFeature.SEP, CpuidFeature.CLFSH,
]);

/** Feature-name prefixes meaning floating point or vector state. */
const FPVEC_FEATURE = /^(FPU|CYRIX_FPU|MMX|SSE|SSSE|AVX|D3NOW|CYRIX_D3NOW|F16C|FMA|XOP|AES|PCLMUL|VPCLMUL|VAES|GFNI|SHA|SM3|SM4|AMX|KNC|KL|AESKLE|WIDE_KL|FXSR|MPX)/;

/** Core by mnemonic although iced tags them with an SSE-era or later feature. */
const CORE_MNEMONICS = new Set<number>([
  Mnemonic.Lfence, Mnemonic.Mfence, Mnemonic.Sfence,
  Mnemonic.Prefetchnta, Mnemonic.Prefetcht0, Mnemonic.Prefetcht1, Mnemonic.Prefetcht2,
  // gcc emits `rep bsf`/`rep bsr`; CPUs without BMI1/LZCNT run them as BSF/BSR (same length).
  Mnemonic.Tzcnt, Mnemonic.Lzcnt,
]);

/** Undocumented or removed opcodes iced accepts but a CPU model may #UD on. */
const EXT_MNEMONICS = new Set<number>([Mnemonic.Salc]);

const AMD_ONLY = /^(SSE4A|XOP|FMA4|TBM|D3NOW|D3NOWEXT|SKINIT|SVM|CLZERO|MONITORX|RDPRU|MCOMMIT|LWP|INVLPGB|SEV|SNP)/;

const SOFT_INT = new Set<number>([Mnemonic.Int, Mnemonic.Int3, Mnemonic.Into, Mnemonic.Int1]);

function featureName(f: number): string {
  return (CpuidFeature as unknown as Record<number, string>)[f] ?? String(f);
}

export function icedBitness(mode: CpuMode): 16 | 32 | 64 {
  if (mode === 'long64') return 64;
  if (mode === 'protected32' || mode === 'compat32') return 32;
  return 16;
}

function classify(mnemonic: number, encoding: number, features: number[]): InsnClass {
  if (CORE_MNEMONICS.has(mnemonic)) return 'core';
  if (EXT_MNEMONICS.has(mnemonic)) return 'ext';
  if (features.some((f) => FPVEC_FEATURE.test(featureName(f)))) return 'fpvec';
  if (encoding !== EncodingKind.Legacy) return 'ext'; // BMI via VEX, TBM via XOP, ...
  return features.every((f) => CORE_FEATURES.has(f)) ? 'core' : 'ext';
}

/** Decodes the first instruction of `bytes` (default decoder options: Intel, invalid checks on). */
export function icedDecode(bytes: Uint8Array, mode: CpuMode): IcedResult {
  const decoder = new Decoder(icedBitness(mode), bytes, DecoderOptions.None);
  const insn = decoder.decode();
  try {
    const err = decoder.lastError;
    const features = Array.from(insn.cpuidFeatures());
    const mnemonic = (Mnemonic as unknown as Record<number, string>)[insn.mnemonic] ?? '?';
    const code = (Code as unknown as Record<number, string>)[insn.code] ?? '?';
    if (err === DecoderError.NoMoreBytes) {
      return { status: 'truncated', length: insn.length, mnemonic, code, cls: 'core', features: [], repString: false, softInt: false, amdOnly: false };
    }
    if (err !== DecoderError.None || insn.code === Code.INVALID) {
      return { status: 'invalid', length: insn.length, mnemonic, code, cls: 'core', features: [], repString: false, softInt: false, amdOnly: false };
    }
    return {
      status: 'ok', length: insn.length, mnemonic, code,
      cls: classify(insn.mnemonic, insn.encoding, features),
      features: features.map(featureName),
      repString: insn.isStringInstruction && (insn.hasRepPrefix || insn.hasRepePrefix || insn.hasRepnePrefix),
      softInt: SOFT_INT.has(insn.mnemonic),
      amdOnly: features.some((f) => AMD_ONLY.test(featureName(f))),
    };
  } finally {
    insn.free();
    decoder.free();
  }
}

/** iced's GAS-syntax text for one instruction, for failure reports. */
export function icedText(bytes: Uint8Array, mode: CpuMode): string {
  const decoder = new Decoder(icedBitness(mode), bytes, DecoderOptions.None);
  const insn = decoder.decode();
  const fmt = new Formatter(FormatterSyntax.Gas);
  try {
    return insn.code === Code.INVALID ? '(invalid)' : fmt.format(insn);
  } finally {
    fmt.free();
    insn.free();
    decoder.free();
  }
}
