// Bundles the extension host, the training worker, the CLI and the webview with esbuild.
// TensorFlow.js and SentencePiece stay external: they load wasm/native files from node_modules.
import * as esbuild from 'esbuild';
import { cpSync, mkdirSync, existsSync, chmodSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const node = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  external: ['vscode', '@tensorflow/*', '@agnai/sentencepiece-js'],
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
