// The engine's layers (docs/ARCHITECTURE.md draws them): a module of src/core imports only from its
// own unit or from lower layers, so file formats and tensors stay at the bottom and training and
// sessions on top. The extension host's side is checked by the lint rule and ext-no-tfjs.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

/** Bottom to top; a unit is a folder or a file of src/core (first match wins). */
const LAYERS: string[][] = [
  ['tf', 'format', 'rng', 'schema', 'engine-names', 'vote', 'io', 'webgpu/adapter', 'repo-spec'],
  ['tensor', 'precision', 'native/install-record', 'dataset-spec'],
  ['native/resolution', 'webgpu'],
  ['backend'],
  ['t5', 'tokenizer'],
  ['prompt'],
  ['session', 'settings'],
  ['training', 'sweep'],
  ['playground', 'hub', 'native', 'peft-job', 'index'],
];

const CORE = join('src', 'core');

function unitOf(file: string): string {
  const rel = relative(CORE, file).replace(/\\/g, '/').replace(/\.ts$/, '');
  const units = LAYERS.flat().sort((a, b) => b.length - a.length);
  const unit = units.find((u) => rel === u || rel.startsWith(`${u}/`));
  if (!unit) throw new Error(`${file} belongs to no layer: add its unit to LAYERS in ${__filename}`);
  return unit;
}

const layerOf = (unit: string) => LAYERS.findIndex((l) => l.includes(unit));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

test('src/core imports only from its own unit or a lower layer', () => {
  const violations: string[] = [];
  for (const file of sources(CORE)) {
    const from = unitOf(file);
    for (const m of readFileSync(file, 'utf8').matchAll(/(?:from|import)\s+'(\.[^']+)'/g)) {
      const target = normalize(join(dirname(file), m[1]));
      if (!target.startsWith(CORE)) continue;
      const to = unitOf(`${target}.ts`);
      if (to !== from && layerOf(to) >= layerOf(from)) violations.push(`${file} (${from}) imports ${m[1]} (${to})`);
    }
  }
  assert.deepEqual(violations, []);
});
