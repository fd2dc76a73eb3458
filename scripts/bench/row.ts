// One row of `npm run bench`, in its own process so that its peak RSS is its own: loads a backend
// (and a model), runs warm-up steps untimed, then times steps of one workload and prints one JSON line.
// Started by scripts/bench.ts as: node --import tsx scripts/bench/row.ts '<RowJob as JSON>'
import * as tf from '../../src/core/tf';
import { ONEDNN_FPMATH_ENV } from '../../src/core/engine-names';
import { loadT5, selectBackend } from '../../src/core';
import { describeAdapter } from '../../src/core/webgpu/adapter';
import { cpuWindow, median, round } from './machine';
import { MATMUL, type RowJob } from './plan';
import { KERNELS, REPS, weightCopies, type Kernel, type KernelTiming } from './kernels';
import { FrozenLinear } from '../../src/core/tensor/products';
import { add, mul, sigmoid, softmax } from '../../src/core/tensor/native';
import * as work from './workloads';

/** Uniform numbers in [0, 1) from a seed (mulberry32), so every row and run sees the same batches. */
function uniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

function timeSteps(steps: number, warmup: number, fn: (i: number) => void) {
  const t0 = performance.now();
  fn(0);
  const firstStepMs = performance.now() - t0;
  for (let i = 1; i < warmup; i++) fn(i);
  const ms: number[] = [];
  const end = cpuWindow();
  for (let i = 0; i < steps; i++) {
    const t = performance.now();
    fn(warmup + i);
    ms.push(performance.now() - t);
  }
  const load = end();
  return { ms, firstStepMs, load };
}

/**
 * One kernel of scripts/bench/kernels.ts as the engine calls it (FrozenLinear, tensor/native.ts ops),
 * with PyTorch's timing rule. webgpu queues its work: a one-element read waits for each call.
 */
function timeKernel(k: Kernel, queued: boolean): KernelTiming {
  let call: (i: number) => tf.Tensor;
  const held: { dispose(): void }[] = [];
  if (k.op === 'linear') {
    const x = tf.randomNormal([...k.rows, k.in]);
    const ws = Array.from({ length: weightCopies(k) }, () => new FrozenLinear(tf.randomNormal([k.in, k.out]) as tf.Tensor2D));
    held.push(x, ...ws);
    call = (i) => ws[i % ws.length].forward(x);
  } else {
    const a = tf.randomNormal(k.shape);
    const b = tf.randomNormal(k.shape);
    held.push(a, b);
    call = { mul: () => mul(a, b), add: () => add(a, b), sigmoid: () => sigmoid(a), softmax: () => softmax(a) }[k.op];
  }
  // tidy: a product's reshapes and its 2-D result are tensors of their own.
  const run = (i: number) => {
    const first = tf.tidy(() => {
      const y = call(i);
      return queued ? tf.slice(y.reshape([-1]), [0], [1]) : undefined;
    });
    first?.dataSync();
    first?.dispose();
  };
  for (let i = 0; i < Math.max(3, weightCopies(k)); i++) run(i);
  const ms: number[] = [];
  const end = cpuWindow();
  const t0 = performance.now();
  while (ms.length < REPS.max && (ms.length < REPS.min || performance.now() - t0 < REPS.minMs)) {
    const s = performance.now();
    run(ms.length);
    ms.push(performance.now() - s);
  }
  const { cpu_cores_self } = end();
  held.forEach((t) => t.dispose());
  return { name: k.name, ms_median: round(median(ms), 4), cores: cpu_cores_self, calls: ms.length };
}

function tfVersion(): string | undefined {
  const b = tf.backend() as unknown as { binding?: { TF_Version?: string } };
  return b.binding?.TF_Version;
}

async function main(job: RowJob): Promise<Record<string, unknown>> {
  const t0 = performance.now();
  const info = await selectBackend(job.backend);
  const base = {
    backend: info.tfBackend,
    backend_request: info.name,
    precision: process.env[ONEDNN_FPMATH_ENV] === 'BF16' ? 'bf16-math' : 'fp32',
    ...(tfVersion() ? { tensorflow: tfVersion() } : {}),
    ...(info.adapter ? { adapter: describeAdapter(info.adapter), adapter_software: info.adapter.software } : {}),
  };
  if (job.kind === 'kernels') {
    const end = cpuWindow();
    const kernels = KERNELS.map((k) => timeKernel(k, info.tfBackend === 'webgpu'));
    const { cpu_s_self: _, ...load } = end();
    return { mode: 'kernels', ...base, kernels, ...load };
  }
  if (job.kind === 'matmul') {
    const { m, k, n } = MATMUL;
    const a = tf.randomNormal([m, k]);
    const b = tf.randomNormal([k, n]);
    // The product without reading it back, as the peer's matmul(out=) (the CPU backends run kernels
    // synchronously in Node); reading the [m, n] result back into JS is timed apart. webgpu queues
    // its kernels: a one-element read waits for the GPU to finish the product.
    const finish = (c: tf.Tensor) => {
      if (info.tfBackend !== 'webgpu') return;
      const corner = tf.slice(c, [0, 0], [1, 1]);
      corner.dataSync();
      corner.dispose();
    };
    const product = () => {
      const c = tf.matMul(a, b);
      finish(c);
      c.dispose();
    };
    const withReadback = () => tf.tidy(() => tf.matMul(a, b)).dataSync();
    for (let i = 0; i < 3; i++) withReadback();
    // 50 repetitions as the peer, or fewer when a slow backend has used up 5 s (at least 5).
    const time = (fn: () => void) => {
      const ms: number[] = [];
      const t = performance.now();
      while (ms.length < 50 && (ms.length < 5 || performance.now() - t < 5000)) {
        const s = performance.now();
        fn();
        ms.push(performance.now() - s);
      }
      return ms;
    };
    const end = cpuWindow();
    const ms = time(product);
    const { cpu_s_self: _, ...load } = end();
    const read = time(withReadback);
    const med = median(ms);
    const gflops = (ms: number) => round((2 * m * k * n) / ms / 1e6, 1);
    return {
      mode: 'matmul', shape_MxKxN: [m, k, n], ...base, reps: ms.length, ms_median: round(med, 3), gflops_median: gflops(med), gflops_best: gflops(Math.min(...ms)),
      gflops_median_with_readback: gflops(median(read)), ...load,
    };
  }

  const model = await loadT5(job.modelDir);
  const loadS = (performance.now() - t0) / 1000;
  const B = job.batch;
  const rand = uniform(1);
  const ids = (n: number) => Array.from({ length: n }, () => 3 + Math.floor(rand() * (32000 - 3))); // as the peer: [3, 32000)
  const batches: work.Batch[] = Array.from({ length: 4 }, () => ({
    inputIds: Array.from({ length: B }, () => ids(job.inputLen)),
    attentionMask: Array.from({ length: B }, () => Array(job.inputLen).fill(1)),
    labels: Array.from({ length: B }, () => ids(job.targetLen)),
  }));
  const d = model.config.d_model;
  const prompt = Float32Array.from({ length: job.promptLen * d }, uniform(2)).map((x) => x - 0.5); // like a random-uniform init
  const checks: Record<string, unknown> = {};
  let timed;
  if (job.mode === 'train') {
    const state = work.startTraining(model, info.name, prompt, job.promptLen, batches[0]);
    const before = prompt.slice();
    const losses: number[] = [];
    timed = timeSteps(job.steps, job.warmup, (i) => losses.push(work.trainStep(model, state, batches[i % 4])));
    Object.assign(checks, { dropout: state.dropoutRate, micro_batch: state.microBatch, loss_first: round(losses[0], 4), loss_last: round(losses.at(-1)!, 4), prompt_moved: prompt.some((x, i) => x !== before[i]) });
  } else {
    const p = tf.tensor2d(prompt, [job.promptLen, d]);
    if (job.mode === 'score') {
      const candidates = [ids(job.targetLen), ids(job.targetLen)]; // 2 label sequences of T tokens, as the peer
      timed = timeSteps(job.steps, job.warmup, (i) => work.score(model, p, batches[i % 4], candidates));
      checks.score_candidates = candidates.length;
    } else {
      let shortest = Infinity;
      timed = timeSteps(job.steps, job.warmup, (i) => {
        for (const row of work.generate(model, p, batches[i % 4], job.targetLen)) shortest = Math.min(shortest, row.length - 1);
      });
      checks.generated_tokens_min = shortest; // the peer always generates exactly T tokens
    }
    p.dispose();
  }
  model.dispose();
  const med = median(timed.ms);
  const { cpu_s_self, ...load } = timed.load;
  return {
    mode: job.mode, model: job.model, batch: B, input_len: job.inputLen, target_len: job.targetLen, prompt_len: job.promptLen,
    ...base, steps: job.steps, warmup: job.warmup,
    load_s: round(loadS, 2), first_step_ms: round(timed.firstStepMs, 1),
    ms_per_step: round(med, 2), ms_per_step_mean: round(timed.ms.reduce((a, b) => a + b, 0) / timed.ms.length, 2),
    ms_per_step_min: round(Math.min(...timed.ms), 2), ms_per_step_max: round(Math.max(...timed.ms), 2),
    examples_per_s: round((B * 1000) / med, 3), tokens_per_s: round((B * (job.inputLen + job.promptLen) * 1000) / med, 1),
    ...load, cpu_s_per_step: round(cpu_s_self / timed.ms.length, 3), checks,
  };
}

main(JSON.parse(process.argv[2]) as RowJob).then(
  (result) => {
    // ru_maxrss of this process (KiB on Linux): model load included, as the peer's.
    result.peak_rss_mib = round(process.resourceUsage().maxRSS / 1024, 1);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exit(0);
  },
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}\n`);
    process.exit(1);
  },
);
