// Fuzz: prompt folders as try/eval/inspect load them for a model (adapter_config.json,
// adapter_model.safetensors, prompt-tuner.json, files swapped for links or folders), and
// prompt-tuner.json on its own through its schema.
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MIB, readJsonFile } from '../../src/core/io/file-access';
import { loadPrompt, savePrompt, softPrompt, type ModelIdentity } from '../../src/core/prompt';
import { MetadataError, parseMetadata } from '../../src/core/prompt/metadata';
import { fuzzParser } from './harness';
import { joinSafetensors, scratch, splitSafetensors } from './fixtures';

const root = scratch('prompts');
const MODEL: ModelIdentity = { name: 'google/t5-base-lm-adapt', dModel: 4, vocabSize: 32, numHeads: 2, numLayers: 2, embeddingFingerprint: 'v1:abc' };

const seedDir = join(root, 'seed');
savePrompt(seedDir, softPrompt(Float32Array.from({ length: 12 }, (_, i) => i / 10 - 0.5), 3, 4), MODEL, {
  init: { kind: 'class-labels' }, initPieces: ['yes', null, '▁no'], template: '{text}', verbalizer: '0=no,1=yes', labels: ['no', 'yes'],
  training: { optimizer: 'adafactor', lr: 0.3, batchSize: 32, steps: 100, seed: 0, metric: 'rank', stepsDone: 100, bestStep: 50 },
  metrics: [{ step: 0, validLoss: 2.5, exactMatch: 0.5, rankAccuracy: 0.5 }, { step: 50, trainLoss: 1.2, validLoss: 1.1, exactMatch: 0.9, rankAccuracy: 1 }],
  nearest: [0, 1, 2].map((index) => ({ index, nearest: [{ id: 5, piece: '▁yes', cosine: 0.9 }, { id: 6, piece: 'no', cosine: 0.1 }], norm: 1.5, vocabMeanNorm: 2, drift: 0.3, isLabel: index === 0 })),
});
const FILES = ['adapter_config.json', 'adapter_model.safetensors', 'prompt-tuner.json'] as const;
const seed = Object.fromEntries(FILES.map((f) => [f, readFileSync(join(seedDir, f))])) as Record<(typeof FILES)[number], Buffer>;
const outside = join(root, 'outside.json');
writeFileSync(outside, seed['adapter_config.json']);

fuzzParser('prompt folder', {
  defaultCases: 800,
  makeCase: (m, i) => {
    const dir = join(root, `case-${i % 4}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    const files = { ...seed };
    const victim = m.pick(FILES);
    if (victim === 'adapter_model.safetensors') {
      const { header, data } = splitSafetensors(seed[victim]);
      files[victim] = m.chance(0.5) ? joinSafetensors(m.mutateJsonText(header), data) : m.mutateBytes(seed[victim]);
    } else {
      files[victim] = Buffer.from(m.mutateJsonText(seed[victim].toString('utf8')), 'latin1');
    }
    const swap = m.chance(0.1) ? m.pick(FILES) : undefined; // one file becomes a link out, a device, a folder, or goes missing
    for (const f of FILES) {
      const path = join(dir, f);
      if (f !== swap) writeFileSync(path, files[f]);
      else m.pick([() => symlinkSync(outside, path), () => symlinkSync('/dev/zero', path), () => mkdirSync(path), () => undefined])();
    }
    const inputBytes = FILES.reduce((n, f) => n + files[f].length, 0);
    return { file: dir, inputBytes, run: () => loadPrompt(dir, m.chance(0.8) ? MODEL : undefined) };
  },
});

fuzzParser('prompt-tuner.json', {
  defaultCases: 1500,
  makeCase: (m, i) => {
    const text = m.mutateJsonText(seed['prompt-tuner.json'].toString('utf8'));
    const file = join(root, `meta-${i % 4}.json`);
    writeFileSync(file, text, 'latin1');
    return { file, inputBytes: text.length, run: () => parseMetadata(readJsonFile(file, { maxBytes: 16 * MIB, what: 'a prompt-tuner.json' }, MetadataError), file) };
  },
});
