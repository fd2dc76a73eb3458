// A stand-in for npm, run as `npm install` in a native installation folder (see fake-native.ts).
// It reads the folder's package.json and, by FAKE_NPM_MODE:
//   ok    "installs" the dependency: package.json stubs, or with FAKE_NPM_TFJS=<node_modules> a
//         working fake — a hard-linked copy of tfjs-core (a second copy, as a real install has)
//         and a fake @tensorflow/tfjs-node whose 'tensorflow' backend runs the cpu kernels;
//         a fake tfjs-node-gpu fails to load as it does without CUDA, unless FAKE_TF_GPU=1;
//   fail  prints npm's error lines and exits 1;
//   hang  prints a line, starts a child process (like an install script) and waits forever;
//         both pids go to FAKE_NPM_PIDS.
// Every call is appended to FAKE_NPM_LOG.
import { spawn } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const cwd = process.cwd();
const env = process.env;
if (env.FAKE_NPM_LOG) appendFileSync(env.FAKE_NPM_LOG, `${JSON.stringify({ cwd, args: process.argv.slice(2) })}\n`);

const pkg = JSON.parse(readFileSync(join(cwd, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
const [name, version] = Object.entries(pkg.dependencies)[0] ?? ['', ''];

function linkTree(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const [src, dest] = [join(from, entry.name), join(to, entry.name)];
    if (entry.isDirectory()) linkTree(src, dest);
    else if (entry.isFile()) {
      try {
        linkSync(src, dest);
      } catch {
        copyFileSync(src, dest);
      }
    }
  }
}

/** tfjs-core and its dependencies, hard-linked: a copy of its own, at another path (another instance). */
function copyTfjsCore(source: string, modules: string): void {
  const seen = new Set<string>();
  const walk = (dep: string) => {
    if (seen.has(dep) || !existsSync(join(source, dep, 'package.json'))) return;
    seen.add(dep);
    linkTree(join(source, dep), join(modules, dep));
    const deps = (JSON.parse(readFileSync(join(source, dep, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> }).dependencies ?? {};
    Object.keys(deps).forEach(walk);
  };
  walk('@tensorflow/tfjs-core');
}

/** The fake tfjs-node: registers 'tensorflow' on the tfjs-core it resolves, running the cpu kernels. */
function fakeTfjsNode(backendCpu: string, gpu: boolean): string {
  const load = `
const tf = require('@tensorflow/tfjs-core');
const cpu = require(${JSON.stringify(backendCpu)});
tf.registerBackend('tensorflow', () => Object.assign(new cpu.MathBackendCPU(), {
  binding: { TF_Version: 'fake-2.21.0', isUsingGpuDevice: () => ${gpu ? "process.env.FAKE_TF_GPU === '1'" : 'false'} },
}), 3);
for (const kernel of tf.getKernelsForBackend('cpu')) tf.registerKernel({ ...kernel, backendName: 'tensorflow' });
module.exports = tf;
`;
  return gpu
    ? `if (process.env.FAKE_TF_GPU !== '1') throw new Error('libcudart.so.11.0: cannot open shared object file: No such file or directory');\n${load}`
    : load;
}

function install(): void {
  const modules = join(cwd, 'node_modules');
  console.log(`npm http fetch GET 200 https://registry.npmjs.org/${name} 12ms (cache hit)`);
  const target = join(modules, ...name.split('/'));
  mkdirSync(target, { recursive: true });
  writeFileSync(join(target, 'package.json'), JSON.stringify({ name, version, main: 'index.js' }));
  const source = env.FAKE_NPM_TFJS;
  if (source) {
    copyTfjsCore(source, modules);
    writeFileSync(join(target, 'index.js'), fakeTfjsNode(join(source, '@tensorflow', 'tfjs-backend-cpu'), name.endsWith('-gpu')));
  } else {
    const core = join(modules, '@tensorflow', 'tfjs-core');
    mkdirSync(core, { recursive: true });
    writeFileSync(join(core, 'package.json'), JSON.stringify({ name: '@tensorflow/tfjs-core', version: env.FAKE_NPM_CORE_VERSION ?? version }));
  }
  if (env.FAKE_NPM_CORE_VERSION) {
    const file = join(modules, '@tensorflow', 'tfjs-core', 'package.json');
    const meta = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    // Replaced, never written through: the file may be a hard link to the checkout's own.
    rmSync(file);
    writeFileSync(file, JSON.stringify({ ...meta, version: env.FAKE_NPM_CORE_VERSION }));
  }
  console.log(`> ${name}@${version} install`);
  console.log('* Downloading libtensorflow');
  console.log('added 127 packages in 1s');
}

switch (env.FAKE_NPM_MODE ?? 'ok') {
  case 'ok':
    install();
    break;
  case 'fail':
    console.error('npm error code ETARGET');
    console.error(`npm error notarget No matching version found for ${name}@${version}.`);
    process.exit(1);
    break;
  case 'hang': {
    console.log(`> ${name}@${version} install`);
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    if (env.FAKE_NPM_PIDS) writeFileSync(env.FAKE_NPM_PIDS, `${process.pid} ${child.pid}\n`);
    setInterval(() => undefined, 1000);
    break;
  }
}
