// npm run bench: speed numbers on this machine (never asserted by tests). Times the engine on random
// T5s shaped like the peer's table (shared/bench/peft_baseline.py): one prompt-tuning step (forward +
// backward + Adafactor), rank scoring and greedy generation, plus a matmul for the backend's peak.
// Usage: npm run bench -- [--model t5-small|t5-v1_1-small|tiny] [--batch 8] [--input-len 128] [--prompt-len 20] [--steps 5]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '../src/core/tf';
import { selectBackend, loadT5 } from '../src/core';
import { writeRandomT5, TINY_T5_CONFIG } from '../src/core/t5/random-model';
import { createOptimizer } from '../src/core/training/optim';

const SHAPES: Record<string, Record<string, unknown>> = {
  tiny: TINY_T5_CONFIG,
  't5-small': { d_model: 512, d_kv: 64, d_ff: 2048, num_layers: 6, num_decoder_layers: 6, num_heads: 8, feed_forward_proj: 'relu', tie_word_embeddings: true, relative_attention_num_buckets: 32, relative_attention_max_distance: 128 },
  't5-v1_1-small': { d_model: 512, d_kv: 64, d_ff: 1024, num_layers: 8, num_decoder_layers: 8, num_heads: 6, feed_forward_proj: 'gated-gelu', tie_word_embeddings: false, relative_attention_num_buckets: 32, relative_attention_max_distance: 128 },
};

const { values } = parseArgs({ options: {
  model: { type: 'string', default: 't5-small' }, batch: { type: 'string', default: '8' }, 'input-len': { type: 'string', default: '128' },
  'target-len': { type: 'string', default: '4' }, 'prompt-len': { type: 'string', default: '20' }, steps: { type: 'string', default: '5' },
} });
const B = Number(values.batch), L = Number(values['input-len']), T = Number(values['target-len']), K = Number(values['prompt-len']), N = Number(values.steps);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(fn: () => void, warmup = 1): number {
  for (let i = 0; i < warmup; i++) fn();
  const ms: number[] = [];
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    fn();
    ms.push(performance.now() - t0);
  }
  return median(ms);
}

(async () => {
  const backend = await selectBackend();
  const a = tf.randomNormal([1024, 512]);
  const b = tf.randomNormal([512, 2048]);
  const mm = time(() => {
    const c = tf.matMul(a, b);
    c.dataSync();
    c.dispose();
  });
  tf.dispose([a, b]);
  const dir = mkdtempSync(join(tmpdir(), 'pt-bench-'));
  writeRandomT5(dir, { seed: 0, config: { ...TINY_T5_CONFIG, ...SHAPES[values.model!], dropout_rate: 0.1 } });
  console.log(`Prompt Tuner bench: ${values.model} on ${backend.name}, median of ${N}`);
  const row = (what: string, ms: number, rate: string) => console.log(`  ${what.padEnd(40)} ${`${ms.toFixed(ms < 100 ? 1 : 0)} ms`.padStart(10)}  ${rate}`);
  row('matmul 1024x512x2048', mm, `${((2 * 1024 * 512 * 2048) / mm / 1e6).toFixed(1)} GFLOP/s`);
  const model = await loadT5(dir);
  rmSync(dir, { recursive: true, force: true });
  const rand = (n: number, hi: number) => Array.from({ length: n }, () => 3 + Math.floor(Math.random() * (hi - 3)));
  const inputIds = Array.from({ length: B }, () => [...rand(L - 1, 32000), 1]);
  const labels = Array.from({ length: B }, () => [...rand(T - 1, 32000), 1]);
  const d = model.config.d_model;
  const prompt = new Float32Array(K * d).map(() => Math.random() - 0.5);
  const opt = createOptimizer('adafactor', [K, d]);
  let call = 0;
  const exs = (ms: number) => `${((B * 1000) / ms).toFixed(2)} ex/s`;
  const train = time(() => {
    const p = tf.tensor2d(prompt, [K, d]);
    const { grad } = model.promptGradient({ inputIds, labels, prompt: p }, { dropout: { rate: 0.1, nextSeed: () => call++ } });
    opt.step(prompt, grad.dataSync() as Float32Array);
    tf.dispose([p, grad]);
  });
  row(`train step (B=${B}, L=${L}, T=${T}, K=${K})`, train, exs(train));
  const p = tf.tensor2d(prompt, [K, d]);
  const candidates = [rand(T - 1, 32000).concat(1), rand(T - 1, 32000).concat(1)];
  const score = time(() => model.score({ inputIds, prompt: p, candidates }));
  row('score 2 candidates', score, exs(score));
  const generate = time(() => model.generate({ inputIds, prompt: p, maxNewTokens: T }));
  row(`generate ${T} tokens (greedy)`, generate, exs(generate));
  p.dispose();
  console.log(`  peak memory: ${Math.round(process.memoryUsage().rss / 2 ** 20)} MB RSS`);
  console.log(`Peer (PEFT on PyTorch, same machine): shared/bench/peft_baseline.py --model ${values.model} --batch ${B} --input-len ${L} --target-len ${T} --prompt-len ${K} --mode train`);
  model.dispose();
})();
