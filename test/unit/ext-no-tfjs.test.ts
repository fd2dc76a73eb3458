// The extension host never loads TensorFlow.js (training and inference run in the worker process):
// its bundle, as scripts/build.mjs makes it, reaches no TensorFlow.js package and no engine module
// that would load one. The lint rule catches direct imports; this catches them at any distance.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as esbuild from 'esbuild';

test('the extension bundle imports no TensorFlow.js, directly or through the engine', async () => {
  const result = await esbuild.build({
    entryPoints: ['src/extension/extension.ts'], bundle: true, platform: 'node', format: 'cjs', write: false, metafile: true, logLevel: 'silent',
    external: ['vscode', '@tensorflow/*', '@agnai/sentencepiece-js'],
  });
  const inputs = Object.keys(result.metafile.inputs);
  // Every engine module that computes imports tfjs through src/core/tf.ts.
  assert.ok(!inputs.includes('src/core/tf.ts'), `src/core/tf.ts is in the extension bundle, through: ${inputs.filter((f) => f.startsWith('src/core/')).join(', ')}`);
  const imports = Object.values(result.metafile.outputs).flatMap((o) => o.imports.map((i) => i.path));
  assert.deepEqual(imports.filter((p) => p.startsWith('@tensorflow/')), [], 'the extension bundle requires TensorFlow.js');
  assert.ok(inputs.some((f) => f.startsWith('src/extension/')), 'the bundle was built from the extension sources');
});
