// npm run demo: the main job, offline. Builds a small T5 with T5's real vocabulary and seeded random
// weights (no pretrained checkpoint can be fetched here), generates a keyword-detection task, trains a
// 20-token prompt with the paper's Adafactor through the real CLI, and prints accuracy before and after.
// With a real checkpoint: npm run demo -- --model google/flan-t5-small (or a local folder).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEMO_T5_CONFIG, writeRandomT5 } from '../src/core/t5/random-model';

const root = resolve(__dirname, '..');
const { values } = parseArgs({
  options: {
    model: { type: 'string' }, spiece: { type: 'string' }, out: { type: 'string', default: join(root, 'demo-output') },
    steps: { type: 'string', default: '300' }, seed: { type: 'string', default: '0' },
  },
});
const out = resolve(values.out!);
const cli = join(root, 'dist', 'cli.js');
if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first (npm run demo does).`);

function run(args: string[]): void {
  console.log(`\n$ prompt-tune ${args.map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(' ')}`);
  const r = spawnSync(process.execPath, [cli, ...args], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

let model = values.model;
if (!model) {
  const spiece = values.spiece ?? join(root, '..', 'shared', 'fixtures', 't5-spiece', 'spiece.model');
  if (!existsSync(spiece)) {
    throw new Error(`${spiece} not found. The demo needs T5's spiece.model: every T5 checkpoint ships it (e.g. google/flan-t5-small on the HF hub). Pass --spiece <file>, or --model <checkpoint folder or hub id>.`);
  }
  model = join(out, 'tiny-t5');
  console.log(`Building a random T5 (d_model ${DEMO_T5_CONFIG.d_model}, T5's 32128-piece vocabulary, seed ${values.seed}) in ${model}`);
  writeRandomT5(model, { seed: Number(values.seed), spieceModel: spiece, config: DEMO_T5_CONFIG });
}

const data = join(out, 'keywords.jsonl');
console.log(`\n$ tsx scripts/make-keyword-task.ts --out ${data} --n 400 --seed 1`);
const gen = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'scripts', 'make-keyword-task.ts'), '--out', data, '--n', '400', '--seed', '1'], { stdio: 'inherit' });
if (gen.status !== 0) process.exit(gen.status ?? 1);

const runDir = join(out, 'run');
rmSync(runDir, { recursive: true, force: true });
run(['train', '--model', model, '--train', data, '--out', runDir, '--labels', 'no,yes', '--prompt-length', '20', '--steps', values.steps!, '--batch-size', '32', '--eval-every', '50', '--seed', values.seed!]);
const meta = JSON.parse(readFileSync(join(runDir, 'prompt', 'prompt-tuner.json'), 'utf8')) as { metrics: { step: number; rankAccuracy?: number; exactMatch?: number }[]; training: { bestStep: number } };
const before = meta.metrics[0];
const best = meta.metrics.find((m) => m.step === meta.training.bestStep)!;
run(['inspect', '--model', model, '--prompt', join(runDir, 'prompt'), '--top', '3']);
run(['try', '--model', model, '--prompt', join(runDir, 'prompt'), '--input', 'my old neighbour plays the guitar in the kitchen']);
const pct = (x?: number) => `${(100 * (x ?? 0)).toFixed(1)}%`;
console.log(`\nValidation rank accuracy: before training ${pct(before.rankAccuracy)} -> after ${pct(best.rankAccuracy)} (best at step ${best.step}); exact match ${pct(before.exactMatch)} -> ${pct(best.exactMatch)}.`);
console.log(`The prompt (PEFT format) is in ${join(runDir, 'prompt')}.`);
