// Replays every hostile case issue 11 and the fuzz suite found against a checkout of this repository,
// one child process per case under a time limit, and prints each outcome with its time and peak
// memory: run it on the commit before the fixes and on this one for the before/after table.
//   tsx test/fuzz/found-cases.ts [--root <checkout>] [--timeout <s>] [--only <case>]
// The cases use only entry points both layouts have (a reader that moved is looked up at both places).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { torchBin, zip } from '../support/torch-files';

const HERE = resolve(__dirname, '..', '..');
const SPIECE = resolve(HERE, '..', 'shared', 'fixtures', 't5-spiece', 'spiece.model');
const { values } = parseArgs({ options: { root: { type: 'string', default: HERE }, timeout: { type: 'string', default: '60' }, only: { type: 'string' }, child: { type: 'string' } } });
const root = resolve(values.root!);

type Module = Record<string, unknown>;
type Fn = (...args: unknown[]) => unknown;
/** A module of the checkout under test, from the first of `paths` (relative to src/core) that exists. */
async function core(...paths: string[]): Promise<Module> {
  for (const p of paths) {
    for (const file of [`${p}.ts`, join(p, 'index.ts')]) if (existsSync(join(root, 'src', 'core', file))) return (await import(join(root, 'src', 'core', file))) as Module;
  }
  throw new Error(`none of ${paths.join(', ')} in ${root}`);
}
const fn = (m: Module, name: string) => m[name] as Fn;

/** A small random T5 with T5's vocabulary, in `dir`. */
async function tinyModel(dir: string, config: Record<string, unknown> = {}): Promise<string> {
  fn(await core('t5/random-model'), 'writeRandomT5')(dir, { seed: 0, spieceModel: SPIECE, config: { vocab_size: 32128, ...config } });
  return dir;
}

function safetensorsFile(header: unknown, data = Buffer.alloc(16)): Buffer {
  const json = Buffer.from(JSON.stringify(header));
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([head, json, data]);
}

async function session(dir: string): Promise<{ model: Module; tok: Module }> {
  await fn(await core('backend'), 'selectBackend')('cpu');
  const model = (await fn(await core('t5/load'), 'loadT5')(dir)) as Module;
  const Tok = (await core('tokenizer')).T5Tokenizer as { load: (p: string) => Promise<Module> };
  return { model, tok: await Tok.load(dir) };
}

async function evaluateWith(tmp: string, labels: string[]): Promise<string> {
  const dir = await tinyModel(join(tmp, 'model'));
  const { model, tok } = await session(dir);
  const examples = Array.from({ length: 4 }, (_, i) => ({ input: `text ${i}`, target: i % 2 ? 'yes' : 'no', source: { file: 'f', line: i + 1 } }));
  const enc = fn(await core('training/encode'), 'encodeExamples')(examples, tok, 64, 16) as { examples: unknown[] };
  const r = fn(await core('training/evaluate'), 'evaluate')(model, tok, undefined, enc.examples, { batchSize: 4, labels }) as { rankAccuracy?: number };
  return `evaluated: rank accuracy ${r.rankAccuracy}`;
}

/** A PEFT prompt folder [k, d] with `value` everywhere (and adapter_config.json fields over the defaults). */
async function peftPrompt(dir: string, k: number, d: number, value: number, config: Record<string, unknown> = {}): Promise<string> {
  const prompt = await core('prompt');
  const p = fn(prompt, 'softPrompt')(new Float32Array(k * d).fill(0.1), k, d) as { data: Float32Array };
  const identity = { name: 'm', dModel: d, vocabSize: 32128, numHeads: 4, numLayers: 2, embeddingFingerprint: 'x' };
  fn(prompt, 'savePrompt')(dir, p, identity);
  rmSync(join(dir, 'prompt-tuner.json'));
  const st = await core('io/safetensors');
  const data = new Float32Array(k * d).fill(value);
  writeFileSync(join(dir, 'adapter_model.safetensors'), fn(st, 'writeSafetensors')({ prompt_embeddings: { shape: [k, d], data } }, { format: 'pt' }) as Uint8Array);
  const cfg = JSON.parse(readFileSync(join(dir, 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(dir, 'adapter_config.json'), JSON.stringify({ ...cfg, ...config }));
  return dir;
}

async function tryWith(tmp: string, prompt: string, labels?: string[]): Promise<string> {
  const dir = await tinyModel(join(tmp, 'model'));
  await fn(await core('backend'), 'selectBackend')('cpu');
  const results = (await fn(await core('playground'), 'tryPrompts')({ model: dir, prompts: [prompt], inputs: ['hello'], ensemble: false, labels })) as { outputs: { text: string; labelScores?: Record<string, number> }[] }[];
  return `try: ${JSON.stringify(results[0].outputs[0]).slice(0, 120)}`;
}

const CASES: Record<string, { issue: string; run: (tmp: string) => Promise<string> }> = {
  'torch-stride0': {
    issue: '§1 a ~500-byte pytorch_model.bin: stride 0, shape [20000, 20000]',
    run: async (tmp) => {
      const file = join(tmp, 'pytorch_model.bin');
      writeFileSync(file, torchBin({ w: { storage: new Float32Array(4), shape: [20_000, 20_000], stride: [0, 0] } }));
      let n = 0;
      fn(await core('io/torch-checkpoint', 'hub/torch-checkpoint'), 'readPytorchBin')(file, (_: string, t: { data: Float32Array }) => (n += t.data.length));
      return `read ${n} values from ${readFileSync(file).length} bytes`;
    },
  },
  'zip-bomb': {
    issue: '§1 a deflated data.pkl of 512 MiB zeros (~0.5 MB compressed)',
    run: async (tmp) => {
      const file = join(tmp, 'pytorch_model.bin');
      writeFileSync(file, zip([['archive/data.pkl', Buffer.alloc(512 * 2 ** 20)]], true));
      fn(await core('io/torch-checkpoint', 'hub/torch-checkpoint'), 'readPytorchBin')(file, () => undefined);
      return 'read';
    },
  },
  'long4-1mb': {
    issue: '§1 a pickle with one 1 MB LONG4 integer',
    run: async () => {
      const len = Buffer.alloc(4);
      len.writeUInt32LE(1 << 20);
      const bytes = Buffer.concat([Buffer.from([0x80, 2, 0x8b]), len, Buffer.alloc(1 << 20, 0x5a), Buffer.from('.')]);
      fn(await core('io/pickle', 'hub/pickle'), 'unpickle')(bytes, { source: 'long4.pkl', findGlobal: () => undefined });
      return 'decoded';
    },
  },
  'safetensors-2gb-header': {
    issue: '§1 a 100-byte safetensors header: shape [500000000] F32 at data_offsets [-2000000000, 0]',
    run: async (tmp) => {
      const file = join(tmp, 'model.safetensors');
      writeFileSync(file, safetensorsFile({ w: { dtype: 'F32', shape: [500_000_000], data_offsets: [-2_000_000_000, 0] } }));
      const r = fn(await core('io/safetensors'), 'readSafetensors')(readFileSync(file), file) as { tensors: Map<string, { data: Float32Array }> };
      return `loaded a tensor of ${r.tensors.get('w')!.data.length} values`;
    },
  },
  'safetensors-null-entry': {
    issue: '§1 a safetensors header {"w": null}',
    run: async (tmp) => {
      const file = join(tmp, 'model.safetensors');
      writeFileSync(file, safetensorsFile({ w: null }));
      fn(await core('io/safetensors'), 'readSafetensors')(readFileSync(file), file);
      return 'read';
    },
  },
  'safetensors-deep-shape': {
    issue: 'fuzz: a header whose shape nests 100,000 lists deep',
    run: async (tmp) => {
      const file = join(tmp, 'model.safetensors');
      const json = `{"w":{"dtype":"F32","shape":${'['.repeat(100_000)}1${']'.repeat(100_000)},"data_offsets":[0,4]}}`;
      const head = Buffer.alloc(8);
      head.writeBigUInt64LE(BigInt(json.length));
      writeFileSync(file, Buffer.concat([head, Buffer.from(json), Buffer.alloc(4)]));
      fn(await core('io/safetensors'), 'readSafetensors')(readFileSync(file), file);
      return 'read';
    },
  },
  'negative-shared-offset': {
    issue: '§2 a model whose shared.weight has a negative data offset',
    run: async (tmp) => {
      const dir = await tinyModel(join(tmp, 'model'), { vocab_size: 64 });
      const file = join(dir, 'model.safetensors');
      const bytes = readFileSync(file);
      const length = Number(bytes.readBigUInt64LE(0));
      const header = JSON.parse(bytes.toString('utf8', 8, 8 + length)) as Record<string, { data_offsets: number[] }>;
      const [b, e] = header['shared.weight'].data_offsets;
      header['shared.weight'].data_offsets = [-(e - b), 0];
      const text = JSON.stringify(header).padEnd(length, ' ');
      writeFileSync(file, Buffer.concat([bytes.subarray(0, 8), Buffer.from(text), bytes.subarray(8 + length)]));
      await fn(await core('backend'), 'selectBackend')('cpu');
      await fn(await core('t5/load'), 'loadT5')(dir);
      return 'loaded the model';
    },
  },
  'config-num-layers-1e7': {
    issue: '§1 config.json with num_layers 10000000',
    run: async (tmp) => {
      const dir = await tinyModel(join(tmp, 'model'), { vocab_size: 64 });
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')), num_layers: 10_000_000 }));
      await fn(await core('backend'), 'selectBackend')('cpu');
      await fn(await core('t5/load'), 'loadT5')(dir);
      return 'loaded';
    },
  },
  'config-token-ids': {
    issue: '§3 config.json with decoder_start_token_id 40000 (vocabulary 32128)',
    run: async () => {
      fn(await core('t5/config'), 'parseT5Config')({ model_type: 't5', decoder_start_token_id: 40000 }, 'config.json');
      return 'accepted';
    },
  },
  'config-max-distance-0': {
    issue: '§3 config.json with relative_attention_max_distance 0',
    run: async () => {
      fn(await core('t5/config'), 'parseT5Config')({ model_type: 't5', relative_attention_max_distance: 0 }, 'config.json');
      return 'accepted';
    },
  },
  'data-dev-zero': {
    issue: '§1 a data file that is a link to /dev/zero',
    run: async (tmp) => {
      const file = join(tmp, 'data.jsonl');
      symlinkSync('/dev/zero', file);
      fn(await core('training/data/dataset'), 'loadExamples')(file, {});
      return 'read';
    },
  },
  'line-50mb': {
    issue: '§1 a data file with a 50 MB line, then tokenized',
    run: async (tmp) => {
      const file = join(tmp, 'data.jsonl');
      writeFileSync(file, `${JSON.stringify({ text: 'short', label: 'no' })}\n${JSON.stringify({ text: 'word '.repeat(10_000_000), label: 'yes' })}\n`);
      const data = fn(await core('training/data/dataset'), 'loadExamples')(file, {}) as { examples: unknown[] };
      const Tok = (await core('tokenizer')).T5Tokenizer as { load: (p: string) => Promise<Module> };
      fn(await core('training/encode'), 'encodeExamples')(data.examples, await Tok.load(SPIECE), 512, 16);
      return 'tokenized';
    },
  },
  'label-20k-chars': {
    issue: '§1 rank scoring of a 20,000-character label (the issue: 100,000 characters, ~10 GB)',
    run: (tmp) => evaluateWith(tmp, ['y '.repeat(10_000), 'no']),
  },
  'labels-5000': {
    issue: '§1 evaluation with 5,000 distinct labels',
    run: (tmp) => evaluateWith(tmp, Array.from({ length: 5000 }, (_, i) => `label ${i}`)),
  },
  'index-outside': {
    issue: '§2 weight_map naming ../outside.safetensors (a model outside the folder)',
    run: async (tmp) => {
      const outside = await tinyModel(join(tmp, 'outside'), { vocab_size: 64 });
      const dir = join(tmp, 'model');
      mkdirSync(dir);
      writeFileSync(join(dir, 'config.json'), readFileSync(join(outside, 'config.json')));
      writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ weight_map: { 'shared.weight': '../outside/model.safetensors' } }));
      await fn(await core('backend'), 'selectBackend')('cpu');
      await fn(await core('t5/load'), 'loadT5')(dir);
      return 'loaded the weights of a model outside the folder';
    },
  },
  'index-etc-passwd': {
    issue: '§2 weight_map naming /etc/passwd',
    run: async (tmp) => {
      const dir = await tinyModel(join(tmp, 'model'), { vocab_size: 64 });
      rmSync(join(dir, 'model.safetensors'));
      writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ weight_map: { 'shared.weight': '/etc/passwd' } }));
      await fn(await core('backend'), 'selectBackend')('cpu');
      await fn(await core('t5/load'), 'loadT5')(dir);
      return 'loaded';
    },
  },
  'index-climbs-to-passwd': {
    issue: '§2 weight_map naming ../../../../../../../../etc/passwd',
    run: async (tmp) => {
      const dir = await tinyModel(join(tmp, 'model'), { vocab_size: 64 });
      rmSync(join(dir, 'model.safetensors'));
      writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ weight_map: { 'shared.weight': `${'../'.repeat(12)}etc/passwd` } }));
      await fn(await core('backend'), 'selectBackend')('cpu');
      await fn(await core('t5/load'), 'loadT5')(dir);
      return 'loaded';
    },
  },
  'pytorch-without-hub': {
    issue: 'issue 10 §4: a folder with pytorch_model.bin only, no hub call first',
    run: async (tmp) => {
      const dir = await tinyModel(join(tmp, 'model'), { vocab_size: 64 });
      const r = fn(await core('io/safetensors'), 'readSafetensors')(readFileSync(join(dir, 'model.safetensors')), 'm') as { tensors: Map<string, { data: Float32Array; shape: number[] }> };
      writeFileSync(join(dir, 'pytorch_model.bin'), torchBin(Object.fromEntries([...r.tensors].map(([n, t]) => [n, { storage: t.data, shape: t.shape }]))));
      rmSync(join(dir, 'model.safetensors'));
      await fn(await core('backend'), 'selectBackend')('cpu');
      await fn(await core('t5/load'), 'loadT5')(dir);
      return 'loaded';
    },
  },
  'nan-prompt-try': {
    issue: '§3 try with a PEFT prompt holding NaN',
    run: async (tmp) => tryWith(tmp, await peftPrompt(join(tmp, 'nan'), 4, 32, NaN), ['yes', 'no']),
  },
  'nan-prompt-convert': {
    issue: '§3 convert a PEFT prompt holding NaN to .npy',
    run: async (tmp) => {
      const prompt = await core('prompt');
      const loaded = fn(prompt, 'loadPrompt')(await peftPrompt(join(tmp, 'nan'), 4, 32, NaN)) as { prompt: unknown };
      fn(prompt, 'exportNpy')(loaded.prompt, join(tmp, 'out.npy'));
      return `wrote out.npy (${readFileSync(join(tmp, 'out.npy')).length} bytes)`;
    },
  },
  'prompt-longer-than-input': {
    issue: '§3 try with a 600-token prompt (input budget 512)',
    run: async (tmp) => tryWith(tmp, await peftPrompt(join(tmp, 'long'), 600, 32, 0.1)),
  },
  'metadata-labels-string': {
    issue: '§3 prompt-tuner.json with "labels": "yes"',
    run: async (tmp) => {
      const dir = await peftPrompt(join(tmp, 'p'), 4, 32, 0.1);
      writeFileSync(join(dir, 'prompt-tuner.json'), JSON.stringify({ format: 'prompt-tuner/soft-prompt', formatVersion: 1, baseModel: 'm', dModel: 32, promptLength: 4, labels: 'yes' }));
      return tryWith(tmp, dir);
    },
  },
  'peft-other-base-model': {
    issue: '§3 a PEFT prompt whose base_model_name_or_path is google/flan-t5-large, used with another model',
    run: async (tmp) => {
      const dir = await peftPrompt(join(tmp, 'p'), 4, 32, 0.1, { base_model_name_or_path: 'google/flan-t5-large' });
      const loaded = fn(await core('prompt'), 'loadPrompt')(dir, { name: 'google/t5-base-lm-adapt', dModel: 32, vocabSize: 32128, numHeads: 4, numLayers: 2, embeddingFingerprint: 'y' }) as { notes: string[] };
      return loaded.notes.length ? `warned: ${loaded.notes[0].slice(0, 110)}` : 'loaded without a warning';
    },
  },
  'resume-in-crash-window': {
    issue: '§4 --resume after a crash between the two renames of the checkpoint swap',
    run: async (tmp) => {
      const ckpt = await core('training/checkpoint');
      const prompt = await core('prompt');
      const p = fn(prompt, 'softPrompt')(new Float32Array(8), 2, 4);
      const state = { version: 1, step: 7, options: { model: 'm', train: 't', out: 'o', promptLength: 2, steps: 10 }, modelFingerprint: 'f', dataFingerprint: 'd', optimizer: {}, order: {}, evalsWithoutImprovement: 0, metrics: [], losses: [], initPieces: [null, null] };
      const dir = join(tmp, 'run', 'checkpoint');
      fn(ckpt, 'saveCheckpoint')(dir, { state, prompt: p, initial: p });
      const atomic = await core('io/atomic');
      if (atomic.recoverDir) {
        // This layout names the step: crash right after the previous folder was moved aside.
        try {
          fn(ckpt, 'saveCheckpoint')(dir, { state: { ...state, step: 8 }, prompt: p, initial: p }, { afterStep: (s: string) => { if (s === 'previous-moved-aside') throw new Error('crash'); } });
        } catch {
          // the simulated crash
        }
      } else {
        // The old swap: old folder renamed to .checkpoint.<pid>.<t>.old, the complete new one still .tmp.
        fs.renameSync(dir, join(tmp, 'run', `.checkpoint.1.2.old`));
        fn(ckpt, 'saveCheckpoint')(join(tmp, 'stage'), { state: { ...state, step: 8 }, prompt: p, initial: p });
        fs.renameSync(join(tmp, 'stage'), join(tmp, 'run', `.checkpoint.1.2.tmp`));
      }
      const resumed = fn(ckpt, 'loadCheckpoint')(dir) as { state: { step: number } };
      return `resumed at step ${resumed.state.step}`;
    },
  },
  'erofs-on-save': {
    issue: '§4 a checkpoint save on a read-only file system (EROFS at the first rename)',
    run: async (tmp) => {
      const ckpt = await core('training/checkpoint');
      const p = fn(await core('prompt'), 'softPrompt')(new Float32Array(8), 2, 4);
      const state = { version: 1, step: 1, options: { model: 'm', train: 't', out: 'o', promptLength: 2 } };
      const original = fs.renameSync;
      (fs as unknown as Record<string, unknown>).renameSync = () => {
        throw Object.assign(new Error(`EROFS: read-only file system, rename '${tmp}/run/.checkpoint.123.tmp/.state.json.tmp'`), { code: 'EROFS' });
      };
      try {
        fn(ckpt, 'saveCheckpoint')(join(tmp, 'run', 'checkpoint'), { state, prompt: p, initial: p });
      } finally {
        (fs as unknown as Record<string, unknown>).renameSync = original;
      }
      return 'saved';
    },
  },
};

async function child(name: string): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'pt-found-'));
  const report = (o: Record<string, unknown>) => process.stdout.write(`RESULT ${JSON.stringify(o)}\n`);
  const start = performance.now();
  try {
    const said = await CASES[name].run(tmp);
    report({ outcome: 'accepted', said, ms: performance.now() - start });
  } catch (err) {
    const ours = [...Object.values(await core('io/errors').catch(() => ({})))].some((c) => typeof c === 'function' && err instanceof (c as new () => Error));
    const e = err as Error;
    report({ outcome: ours ? 'our error' : `${e?.constructor?.name ?? typeof err}`, said: String(e?.message ?? err).split('\n')[0].slice(0, 200), ms: performance.now() - start });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  process.exit(0);
}

function parent(): void {
  const names = values.only ? [values.only] : Object.keys(CASES);
  console.log(`found cases against ${root}`);
  for (const name of names) {
    const r = spawnSync('/usr/bin/time', ['-f', 'TIME %M %e', 'timeout', '-s', 'KILL', values.timeout!, process.execPath, '--max-old-space-size=4096', '--import', 'tsx', __filename, '--child', name, '--root', root], { cwd: HERE, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
    const time = /TIME (\d+) ([\d.]+)/.exec(r.stderr ?? '');
    const result = /RESULT (.*)/.exec(r.stdout ?? '');
    const peak = time ? `${Math.round(Number(time[1]) / 1024)} MiB` : '?';
    const seconds = time ? `${Number(time[2]).toFixed(1)} s` : '?';
    const outcome = result ? (JSON.parse(result[1]) as { outcome: string; said: string; ms?: number }) : { outcome: /Killed|status 137/.test(r.stderr ?? '') || r.status === 137 ? `killed after ${values.timeout} s` : `crashed (exit ${r.status})`, said: (r.stderr ?? '').split('\n').filter((l) => /Error|Aborted|heap/.test(l)).slice(0, 1).join('') };
    // The case's own time when it finished; the process's when it was killed (startup included).
    const took = 'ms' in outcome && outcome.ms !== undefined ? `${(outcome.ms / 1000).toFixed(2)} s` : seconds;
    console.log(JSON.stringify({ case: name, issue: CASES[name].issue, outcome: outcome.outcome, said: outcome.said, took, peak }));
  }
}

if (values.child) void child(values.child);
else parent();
