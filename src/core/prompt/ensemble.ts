// Prompt ensembling (Lester et al. 2021 §6): N prompts for one task, one frozen model, one forward
// pass. Each example is replicated N times (example-major: rows b*N .. b*N+N-1 are example b), copy n
// gets prompt n, and the N outputs of an example are combined by majority vote (vote.ts).
import * as tf from '../tf';
import { promptToTensor, type SoftPrompt } from './soft-prompt';

/** Example-major replication of batch rows: [x0, x1] with n = 2 -> [x0, x0, x1, x1]. */
export function replicateExamples<T>(rows: readonly T[], n: number): T[] {
  return rows.flatMap((row) => Array.from({ length: n }, () => row));
}

/** The per-row prompt [B*N, k, d_model] for a batch of B examples replicated N times (row b*N + n -> prompt n). */
export function ensemblePromptTensor(prompts: readonly SoftPrompt[], batchSize: number): tf.Tensor3D {
  if (prompts.length === 0) throw new Error('An ensemble needs at least one prompt.');
  const [{ k, dModel }] = prompts;
  prompts.forEach((p, i) => {
    if (p.k !== k || p.dModel !== dModel) {
      throw new Error(`Ensemble prompt ${i + 1} is [${p.k}, ${p.dModel}] but prompt 1 is [${k}, ${dModel}]; all prompts must have the same shape.`);
    }
  });
  return tf.tidy(() => tf.tile(tf.stack(prompts.map(promptToTensor)), [batchSize, 1, 1]) as tf.Tensor3D); // [N, k, d] -> [B*N, k, d]
}

/** Regroups B*N example-major outputs into [B][N]. */
export function groupReplicated<T>(outputs: readonly T[], n: number): T[][] {
  if (outputs.length % n !== 0) throw new Error(`${outputs.length} outputs are not a whole number of groups of ${n}.`);
  return Array.from({ length: outputs.length / n }, (_, b) => outputs.slice(b * n, b * n + n));
}
