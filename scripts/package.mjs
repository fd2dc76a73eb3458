// npm run package [-- --target <vscode target>]: the .vsix. Without a target, the universal package
// (no Dawn: the webgpu backend cannot load from it); with one (linux-x64, linux-arm64, darwin-x64,
// darwin-arm64, win32-x64, win32-arm64), the package for that platform, carrying its own Dawn build
// and nothing of the others' (scripts/vsix-targets.mjs). Then it checks what the .vsix holds.
// Usage: npm run package [-- --target linux-x64] [--out file.vsix]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import yauzl from 'yauzl';
import { ignoreFileFor, VSIX_TARGETS } from './vsix-targets.mjs';

const { values: o } = parseArgs({ options: { target: { type: 'string' }, out: { type: 'string' } } });
const target = o.target;
if (target !== undefined && !(target in VSIX_TARGETS)) {
  console.error(`package: unknown target "${target}": use one of ${Object.keys(VSIX_TARGETS).join(', ')}, or none for the universal package.`);
  process.exit(2);
}
const out = o.out ?? (target ? `prompt-tuner-${target}.vsix` : 'prompt-tuner.vsix');
const work = mkdtempSync(join(tmpdir(), 'pt-package-'));
try {
  const args = ['vsce', 'package', '--skip-license', '--allow-missing-repository', '--no-rewrite-relative-links', '--out', out];
  if (target) {
    const ignore = join(work, 'vscodeignore');
    writeFileSync(ignore, ignoreFileFor(target));
    args.push('--target', target, '--ignoreFile', ignore);
  }
  const r = spawnSync('npx', args, { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
} finally {
  rmSync(work, { recursive: true, force: true });
}

/** Every file name in the .vsix. */
function entries(file) {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err) return reject(err);
      const names = [];
      zip.on('entry', (e) => {
        names.push(e.fileName);
        zip.readEntry();
      });
      zip.on('end', () => resolve(names));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

const names = await entries(out);
const dawn = names.filter((n) => /\/webgpu\/dist\/[^/]+\/dawn\.node$/.test(n));
const want = target ? [`extension/node_modules/webgpu/dist/${VSIX_TARGETS[target]}/dawn.node`] : [];
const backend = names.some((n) => n.endsWith('/tfjs-backend-webgpu/dist/tf-backend-webgpu.node.js'));
if (dawn.join() !== want.join() || backend !== Boolean(target)) {
  console.error(`package: ${out} holds Dawn ${dawn.join(', ') || '(none)'} and ${backend ? 'the' : 'no'} tfjs webgpu backend; expected ${want.join(', ') || 'neither'}.`);
  process.exit(1);
}
console.log(`package: ${out} (${target ?? 'universal'}): ${target ? `Dawn ${VSIX_TARGETS[target]} and TensorFlow.js' webgpu backend` : 'no Dawn (the webgpu backend needs a platform package)'}.`);
