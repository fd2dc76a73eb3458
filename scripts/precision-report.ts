// npm run precision-report: what --precision bf16-math costs in accuracy, on the native backend.
// 1. The golden fixtures (HF transformers' outputs) in fp32 and in bf16-math: max error of the
//    logits, the loss and the prompt gradient, beside the fp32 tolerances.
// 2. The demo's training run (keyword task, d_model-128 T5 with T5's vocabulary, 20-token prompt,
//    Adafactor, batch 32) in both precisions: the validation accuracy curve and seconds per step.
// Each precision runs in its own process: oneDNN reads its math mode once.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '../src/core/tf';
import { selectBackend, loadT5 } from '../src/core';
import { DEMO_T5_CONFIG, writeRandomT5 } from '../src/core/t5/random-model';
import { goldenDirs, readJson, flat, rows, maxAbsDiff, relDiff, type FixtureTensor } from '../test/support/golden';

const root = resolve(__dirname, '..');
const PRECISIONS = ['fp32', 'bf16-math'] as const;
const { values } = parseArgs({ options: { golden: { type: 'boolean' }, steps: { type: 'string', default: '300' } } });

interface Case {
  input_ids: FixtureTensor;
  attention_mask: FixtureTensor;
  labels: FixtureTensor;
  decoder_input_ids: FixtureTensor;
  soft_prompt: FixtureTensor;
  expected: { logits: FixtureTensor; loss: number; grad_soft_prompt: FixtureTensor };
}

/** Child mode: this process's precision against every fixture, one JSON line each. */
async function goldenErrors(): Promise<void> {
  const backend = await selectBackend('node');
  for (const dir of goldenDirs()) {
    const c = readJson<{ prompt_tuning: Case }>(join(dir, 'cases.json')).prompt_tuning;
    const model = await loadT5(dir);
    const k = c.soft_prompt.shape[0];
    const prompt = tf.tensor2d(rows(c.soft_prompt));
    const input = { inputIds: rows(c.input_ids), attentionMask: rows(c.attention_mask).map((r) => r.slice(k)), decoderInputIds: rows(c.decoder_input_ids), labels: rows(c.labels), prompt };
    const { logits } = model.forward(input);
    const { loss, grad } = model.promptGradient(input);
    console.log(JSON.stringify({
      fixture: basename(dir), precision: backend.precision,
      logits: maxAbsDiff(logits.dataSync(), flat(c.expected.logits)), loss: relDiff(loss, c.expected.loss), grad: maxAbsDiff(grad.dataSync(), flat(c.expected.grad_soft_prompt)),
    }));
    tf.dispose([logits, grad, prompt]);
    model.dispose();
  }
}

function child(args: string[], precision: string): string {
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, PROMPT_TUNER_PRECISION: precision, TF_CPP_MIN_LOG_LEVEL: '2' }, maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${args.join(' ')} (${precision}) failed:\n${r.stderr}`);
  return r.stdout;
}

async function report(): Promise<void> {
  console.log('Golden fixtures (max error vs HF transformers; fp32 tolerances: logits 1e-4, loss 1e-5 rel, grad 1e-4)');
  console.log('| fixture | precision | logits | loss (rel) | prompt grad |\n|---|---|---|---|---|');
  for (const precision of PRECISIONS) {
    for (const line of child(['--import', 'tsx', __filename, '--golden'], precision).trim().split('\n').filter((l) => l.startsWith('{'))) {
      const r = JSON.parse(line) as { fixture: string; precision: string; logits: number; loss: number; grad: number };
      console.log(`| ${r.fixture} | ${r.precision} | ${r.logits.toExponential(2)} | ${r.loss.toExponential(2)} | ${r.grad.toExponential(2)} |`);
    }
  }
  const work = mkdtempSync(join(tmpdir(), 'pt-precision-'));
  try {
    const model = join(work, 'model');
    writeRandomT5(model, { seed: 0, spieceModel: join(root, '..', 'shared', 'fixtures', 't5-spiece', 'spiece.model'), config: DEMO_T5_CONFIG });
    const data = join(work, 'keywords.jsonl');
    child(['--import', 'tsx', join(root, 'scripts', 'make-keyword-task.ts'), '--out', data, '--n', '400', '--seed', '1'], 'fp32');
    const curves: Record<string, { step: number; rankAccuracy?: number; validLoss: number }[]> = {};
    const speed: Record<string, number> = {};
    for (const precision of PRECISIONS) {
      const out = join(work, precision);
      const lines = child([join(root, 'dist', 'cli.js'), 'train', '--model', model, '--train', data, '--out', out, '--labels', 'no,yes', '--prompt-length', '20', '--steps', values.steps!, '--batch-size', '32', '--eval-every', '50', '--backend', 'node', '--precision', precision, '--json'], precision);
      const steps = lines.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { type: string; examplesPerSecond?: number });
      const rates = steps.filter((e) => e.type === 'step').map((e) => e.examplesPerSecond!).sort((a, b) => a - b);
      speed[precision] = 32 / rates[Math.floor(rates.length / 2)];
      curves[precision] = (JSON.parse(readFileSync(join(out, 'prompt', 'prompt-tuner.json'), 'utf8')) as { metrics: { step: number; rankAccuracy?: number; validLoss: number }[] }).metrics;
    }
    console.log(`\nDemo training run (${values.steps} steps, batch 32; validation every 50 steps)`);
    console.log(`| step | ${PRECISIONS.map((p) => `${p} rank acc. / valid loss`).join(' | ')} |\n|---|${PRECISIONS.map(() => '---').join('|')}|`);
    curves.fp32.forEach((m, i) => console.log(`| ${m.step} | ${PRECISIONS.map((p) => `${(100 * (curves[p][i]?.rankAccuracy ?? 0)).toFixed(1)}% / ${curves[p][i]?.validLoss.toFixed(4)}`).join(' | ')} |`));
    console.log(`| s/step (median) | ${PRECISIONS.map((p) => speed[p].toFixed(3)).join(' | ')} |`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

(values.golden ? goldenErrors() : report()).catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
