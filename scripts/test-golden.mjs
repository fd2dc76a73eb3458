// Runs the golden tests once per backend: wasm and cpu always, the native tensorflow backend where
// @tensorflow/tfjs-node is installed and loads (npm run native-backend). PROMPT_TUNER_GOLDEN_BACKENDS
// (e.g. "wasm,cpu,node", as CI sets it) names the backends instead: each must load or the run fails.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { readdirSync } from 'node:fs';

const require = createRequire(import.meta.url);
let backends = ['wasm', 'cpu'];
if (process.env.PROMPT_TUNER_GOLDEN_BACKENDS) {
  backends = process.env.PROMPT_TUNER_GOLDEN_BACKENDS.split(',').map((b) => b.trim()).filter(Boolean);
} else {
  try {
    require('@tensorflow/tfjs-node');
    backends.push('node');
  } catch {
    console.log('golden tests: @tensorflow/tfjs-node does not load here (npm run native-backend builds it); checking wasm and cpu.');
  }
}
const files = readdirSync('test/golden').filter((f) => f.endsWith('.test.ts')).map((f) => `test/golden/${f}`);
for (const backend of backends) {
  console.log(`\n=== golden tests on the ${backend} backend ===`);
  const r = spawnSync(process.execPath, ['scripts/run-tests.mjs', ...files], { stdio: 'inherit', env: { ...process.env, PROMPT_TUNER_BACKEND: backend } });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
