// npm run native-backend: makes @tensorflow/tfjs-node load in this checkout on a machine whose only
// sources are the npm registry and a Python wheel mirror (../shared/docs/NATIVE.md). tfjs-node's own
// install downloads libtensorflow 2.9.1 from Google storage; here the TensorFlow 2.21 shared libraries
// come from the tensorflow-cpu wheel instead and node-gyp builds the N-API binding against them.
// Idempotent: a no-op when tfjs-node already loads. Any `npm ci` removes the result; run it again after.
// Usage: npm run native-backend [-- --force]
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const TF_WHEEL = 'tensorflow-cpu==2.21.0';
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const version = pkg.optionalDependencies['@tensorflow/tfjs-node'];
const root = join('node_modules', '@tensorflow', 'tfjs-node');
const deps = join(root, 'deps');
const force = process.argv.includes('--force');
const say = (m) => console.log(`native-backend: ${m}`);
const run = (cmd, args, opts = {}) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${cmd === 'python3' ? args[0] : args.join(' ')} failed (exit ${r.status ?? r.signal})`);
};

/** Loads tfjs-node in a child process and prints TensorFlow's version, or returns the error. */
function probe() {
  const code = `const tf = require('@tensorflow/tfjs-node'); tf.setBackend('tensorflow'); console.log(tf.backend().binding.TF_Version)`;
  const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' } });
  return r.status === 0 ? { ok: true, version: r.stdout.trim().split('\n').at(-1) } : { ok: false, error: (r.stderr || '').trim().split('\n').find((l) => /Error/.test(l)) ?? `exit ${r.status}` };
}

const before = probe();
if (before.ok && !force) {
  say(`@tensorflow/tfjs-node ${version} already loads (TensorFlow ${before.version}); nothing to do.`);
  process.exit(0);
}
const started = Date.now();
if (!existsSync(join(root, 'package.json')) || JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version !== version) {
  say(`installing @tensorflow/tfjs-node@${version} without its install script (it would download libtensorflow)`);
  run('npm', ['install', '--no-save', '--ignore-scripts', '--no-audit', '--no-fund', `@tensorflow/tfjs-node@${version}`]);
}

const work = mkdtempSync(join(tmpdir(), 'pt-native-'));
try {
  say(`fetching the ${TF_WHEEL} wheel from pip's configured index`);
  run('python3', ['-m', 'pip', 'download', '-q', '--no-deps', '--only-binary=:all:', '--retries', '0', TF_WHEEL, '-d', work]);
  const wheel = join(work, execFileSync('ls', [work], { encoding: 'utf8' }).trim().split('\n').find((f) => f.endsWith('.whl')));
  rmSync(deps, { recursive: true, force: true });
  mkdirSync(join(deps, 'lib'), { recursive: true });
  say('extracting libtensorflow and the C API headers');
  // The C API headers include a few platform headers; the rest of the 290 MB include tree is not needed.
  const extract = `
import sys, zipfile, os, shutil
wheel, deps = sys.argv[1], sys.argv[2]
keep = ('tensorflow/c/', 'xla/tsl/c/', 'tsl/platform/ctstring', 'tensorflow/core/platform/ctstring')
with zipfile.ZipFile(wheel) as z:
    for n in z.namelist():
        if n.endswith('/'):
            continue
        if n in ('tensorflow/libtensorflow_cc.so.2', 'tensorflow/libtensorflow_framework.so.2'):
            dest = os.path.join(deps, 'lib', os.path.basename(n))
        elif n.startswith('tensorflow/include/') and n[len('tensorflow/include/'):].startswith(keep):
            dest = os.path.join(deps, 'include', n[len('tensorflow/include/'):])
        else:
            continue
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with z.open(n) as src, open(dest, 'wb') as out:
            shutil.copyfileobj(src, out, 1 << 20)
`;
  run('python3', ['-c', extract, wheel, deps]);
  const lib = join(deps, 'lib');
  run('strip', ['--strip-unneeded', join(lib, 'libtensorflow_cc.so.2'), join(lib, 'libtensorflow_framework.so.2')]);
  symlinkSync('libtensorflow_cc.so.2', join(lib, 'libtensorflow.so'));
  symlinkSync('libtensorflow_framework.so.2', join(lib, 'libtensorflow_framework.so'));
  // Its presence tells tfjs-node's install script that libtensorflow is already there (no download).
  symlinkSync('libtensorflow_cc.so.2', join(lib, 'libtensorflow.so.2.9.1'));
  say('building the N-API binding with node-gyp');
  run('npm', ['rebuild', '@tensorflow/tfjs-node', '--foreground-scripts'], {
    env: { ...process.env, npm_config_build_from_source: 'true', npm_config_nodedir: process.env.npm_config_nodedir ?? '/usr' },
  });
} finally {
  rmSync(work, { recursive: true, force: true });
}
const after = probe();
if (!after.ok) {
  console.error(`native-backend: @tensorflow/tfjs-node still does not load: ${after.error}`);
  process.exit(1);
}
say(`done in ${Math.round((Date.now() - started) / 1000)} s: @tensorflow/tfjs-node ${version} loads TensorFlow ${after.version}.`);
