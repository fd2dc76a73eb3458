// Opt-in fast math on the native backend: oneDNN (TensorFlow's CPU kernels) may compute float32
// products in BF16 on CPUs with AMX or AVX512-BF16 (ONEDNN_DEFAULT_FPMATH_MODE=BF16). Inputs and
// outputs stay float32; products lose precision (~3 significant digits), so the default is exact.
// oneDNN reads the mode once, when its first kernel is made: it must be set before TF.js loads.
import { existsSync, readFileSync } from 'node:fs';
import { ONEDNN_FPMATH_ENV, PRECISIONS, type Precision } from './engine-names';

export { PRECISIONS, type Precision } from './engine-names';

export function parsePrecision(value: string | undefined, source: string): Precision {
  if (value === undefined || value === '') return 'fp32';
  if ((PRECISIONS as readonly string[]).includes(value)) return value as Precision;
  throw new Error(`${source}: unknown precision "${value}". Use fp32 (exact, the default) or bf16-math (faster on CPUs with AMX or AVX512-BF16).`);
}

/** Whether this CPU has BF16 hardware (Linux: /proc/cpuinfo flags); undefined where that cannot be told. */
export function cpuHasBf16(): boolean | undefined {
  if (!existsSync('/proc/cpuinfo')) return undefined;
  const flags = readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1].split(/\s+/) ?? [];
  return flags.includes('amx_bf16') || flags.includes('avx512_bf16');
}

/**
 * Sets oneDNN's math mode for this process (before TF.js loads). Returns a note for the log when
 * the setting cannot have its effect.
 */
export function applyPrecision(precision: Precision, backend: string): string | undefined {
  if (precision === 'fp32') return undefined;
  if (backend !== 'node' && backend !== 'node-gpu') return `--precision ${precision} has no effect on the ${backend} backend (it applies to native TensorFlow's CPU kernels).`;
  process.env[ONEDNN_FPMATH_ENV] = 'BF16';
  return cpuHasBf16() === false ? `--precision ${precision}: this CPU has neither AMX nor AVX512-BF16, so products stay float32.` : undefined;
}
