// Bundles the extension host, the training worker, the CLI and the webview with esbuild.
// TensorFlow.js and SentencePiece stay external: they load wasm/native files from node_modules.
import * as esbuild from 'esbuild';
import { cpSync, mkdirSync, existsSync, chmodSync } from 'node:fs';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

// tfjs-core's chained ops (x.reshape()) and gradients exist only as ESM files with extensionless
// imports, which Node cannot require. They are bundled instead, and their imports of tfjs-core's
// internals are served from the external CommonJS build (one shared tfjs-core instance, so the
// backends registered from node_modules see the same engine).
const TFJS_CORE_DIST = join(dirname(fileURLToPath(import.meta.url)), '..', 'node_modules', '@tensorflow', 'tfjs-core', 'dist') + '/';
const SIDE_EFFECTS = /^@tensorflow\/tfjs-core\/dist\/(public\/chained_ops\/register_all_chained_ops|register_all_gradients)(\.js)?$/;
const tfjsCoreSideEffects = {
  name: 'tfjs-core-side-effects',
  setup(build) {
    const bundled = (file) => file.startsWith(join(TFJS_CORE_DIST, 'gradients')) || file.startsWith(join(TFJS_CORE_DIST, 'public', 'chained_ops')) || file === join(TFJS_CORE_DIST, 'register_all_gradients');
    build.onResolve({ filter: SIDE_EFFECTS }, (args) => ({ path: join(TFJS_CORE_DIST, `${args.path.replace(SIDE_EFFECTS, '$1')}.js`) }));
    build.onResolve({ filter: /^\./ }, (args) => {
      if (!args.importer.startsWith(TFJS_CORE_DIST)) return undefined;
      const target = resolvePath(dirname(args.importer), args.path).replace(/\.js$/, '');
      return bundled(target) ? { path: `${target}.js` } : { path: target, namespace: 'tfjs-core-internal' };
    });
    build.onLoad({ filter: /.*/, namespace: 'tfjs-core-internal' }, () => ({
      loader: 'js',
      contents: `const core = require('@tensorflow/tfjs-core');
const out = {};
for (const s of [core.kernel_impls, core.image, core.slice_util, core.broadcast_util, core.backend_util, core.util, core]) Object.assign(out, s);
Object.defineProperty(out, 'ENGINE', { get: () => core.engine(), enumerable: true });
out.getGlobalTensorClass = () => core.Tensor;
module.exports = out;`,
    }));
  },
};

const node = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  external: ['vscode', '@tensorflow/*', '@agnai/sentencepiece-js'],
  plugins: [tfjsCoreSideEffects],
  logLevel: 'info',
};

const builds = [
  { ...node, entryPoints: { extension: 'src/extension/extension.ts' }, outdir: 'dist' },
  { ...node, entryPoints: { worker: 'src/worker/worker.ts' }, outdir: 'dist' },
  { ...node, entryPoints: { cli: 'src/cli.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node' } },
  {
    bundle: true,
    platform: 'browser',
    target: 'es2022',
    format: 'esm',
    sourcemap: !production,
    minify: production,
    entryPoints: { panel: 'webview/main.ts' },
    outdir: 'dist/webview',
    loader: { '.css': 'css', '.ttf': 'file' },
    logLevel: 'info',
  },
].filter((b) => Object.values(b.entryPoints).every((p) => existsSync(p)));

mkdirSync('dist/webview', { recursive: true });
for (const [from, to] of [
  ['node_modules/@vscode/codicons/dist/codicon.css', 'dist/webview/codicon.css'],
  ['node_modules/@vscode/codicons/dist/codicon.ttf', 'dist/webview/codicon.ttf'],
  ['node_modules/uplot/dist/uPlot.min.css', 'dist/webview/uPlot.min.css'],
]) {
  if (existsSync(from)) cpSync(from, to);
}

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
  if (existsSync('dist/cli.js')) chmodSync('dist/cli.js', 0o755);
}
