// `npm run bench -- --kernels`: the operations a T5 step is made of, each timed alone, on our engine
// (scripts/bench/row.ts) and in PyTorch (scripts/bench/torch_kernels.py), so that a gap in the
// benchmark's rows can be traced to the kernels under it. Shapes are t5-small's at the quick rows'
// B=8, L=128, K=100 (1824 encoder rows). A decoding step multiplies 8 rows by each weight once, so each
// decoding product cycles through as many bytes of weight copies as a whole step reads: its weights
// sit in whichever cache level (or memory) a real step finds them.
import { TINY_T5_CONFIG } from '../../src/core/t5/random-model';
import { QUICK, SHAPES } from './plan';

export type Kernel =
  | { name: string; op: 'linear'; rows: number[]; in: number; out: number; cold: boolean }
  | { name: string; op: 'mul' | 'add' | 'sigmoid' | 'softmax'; shape: number[] };

/** Timing rule of both sides, after a warm-up pass: calls for at least 1 s and 5 calls, at most 400 calls. */
export const REPS = { min: 5, max: 400, minMs: 1000 } as const;

const { d_model: d, d_ff: ff, num_heads: heads, d_kv: dkv, num_decoder_layers: layers } = SHAPES['t5-small'];
const B = 8; // the rows' default batch and input length (the peer's)
const L = 128 + QUICK[0].promptLen;
const vocab = TINY_T5_CONFIG.vocab_size;
const gatedWidth = SHAPES['t5-v1_1-small'].d_ff; // each half of v1.1's gated GELU

/** Weight bytes one t5-small decoding step reads: per layer q/k/v, o, cross q and o, wi, wo; then the vocabulary. */
export const DECODING_STEP_BYTES = 4 * d * (layers * (3 * heads * dkv + 3 * d + 2 * ff) + vocab);

export const KERNELS: readonly Kernel[] = [
  { name: 'encoder q/k/v', op: 'linear', rows: [B, L], in: d, out: 3 * heads * dkv, cold: false },
  { name: 'encoder wi', op: 'linear', rows: [B, L], in: d, out: ff, cold: false },
  { name: 'encoder wo', op: 'linear', rows: [B, L], in: ff, out: d, cold: false },
  { name: 'decoding o', op: 'linear', rows: [B, 1], in: heads * dkv, out: d, cold: true },
  { name: 'decoding q/k/v', op: 'linear', rows: [B, 1], in: d, out: 3 * heads * dkv, cold: true },
  { name: 'decoding wi', op: 'linear', rows: [B, 1], in: d, out: ff, cold: true },
  { name: 'decoding wo', op: 'linear', rows: [B, 1], in: ff, out: d, cold: true },
  { name: 'decoding vocabulary', op: 'linear', rows: [B, 1], in: d, out: vocab, cold: true },
  { name: 'attention softmax', op: 'softmax', shape: [B, heads, L, L] },
  { name: 'mul (gated-GELU size)', op: 'mul', shape: [B, L, gatedWidth] },
  { name: 'add (gated-GELU size)', op: 'add', shape: [B, L, gatedWidth] },
  { name: 'sigmoid (gated-GELU size)', op: 'sigmoid', shape: [B, L, gatedWidth] },
  { name: 'mul, decoding size', op: 'mul', shape: [B, 1, d] },
];

/** How many copies of a kernel's weight the timed calls cycle through. */
export function weightCopies(k: Kernel): number {
  return k.op === 'linear' && k.cold ? Math.ceil(DECODING_STEP_BYTES / (k.in * k.out * 4)) : 1;
}

/** "1824x512 @ 512x1536" or "8x8x228x228". */
export function kernelShape(k: Kernel): string {
  return k.op === 'linear' ? `${k.rows.reduce((a, b) => a * b, 1)}x${k.in} @ ${k.in}x${k.out}` : k.shape.join('x');
}

export interface KernelTiming {
  name: string;
  ms_median: number;
  /** Cores this process kept busy while timing the kernel. */
  cores: number;
  calls: number;
}
