// A loopback stand-in for Google storage, where @tensorflow/tfjs-node's install script fetches
// libtensorflow and node-pre-gyp fetches the prebuilt N-API binding. Neither host is reachable from
// CI; npm itself installs from the npm registry as a user's would. Both archives are made from what
// `npm run native-backend` built in this checkout (TensorFlow 2.21 from the wheel mirror, see
// ../shared/docs/NATIVE.md), laid out and named as the real ones, so the real installer runs as is:
//   <url>/tensorflow/libtensorflow/libtensorflow-cpu-linux-x86_64-2.9.1.tar.gz   (lib/, include/)
//   <url>/tf-builds/pre-built-binary/napi-v8/4.22.0/CPU-linux-4.22.0.tar.gz       (napi-v8/tfjs_binding.node)
// found through TFJS_NODE_CDN_STORAGE (scripts/install.js) and npm_config_tfjs_binding_binary_host_mirror
// (node-pre-gyp 1.0.9 reads npm_config_<module_name>_binary_host_mirror).
import { spawn } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { join, normalize } from 'node:path';

const LIBTENSORFLOW_VERSION = '2.9.1';

export interface NativeMirror {
  url: string;
  /** What the extension host (and so npm and the install scripts) needs in its environment. */
  env: Record<string, string>;
  /** "GET /path 200" per request, for the report. */
  requests: string[];
  close(): Promise<void>;
}

function sh(script: string, cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', script], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${script} failed (exit ${code}): ${stderr.trim()}`))));
  });
}

interface NativeBuild {
  tfjsNode: string;
  /** The N-API folder the binding was built into (napi-v8). */
  napi: string;
  version: string;
}

/** Where `npm run native-backend` left its build; throws, saying what to run, when it is missing. */
export function findNativeBuild(repo: string): NativeBuild {
  const tfjsNode = join(repo, 'node_modules', '@tensorflow', 'tfjs-node');
  const napi = existsSync(join(tfjsNode, 'lib')) ? readdirSync(join(tfjsNode, 'lib')).find((d) => /^napi-v\d+$/.test(d)) : undefined;
  if (!existsSync(join(tfjsNode, 'deps', 'lib', 'libtensorflow_framework.so.2')) || !napi || !existsSync(join(tfjsNode, 'lib', napi, 'tfjs_binding.node'))) {
    throw new Error(`The native TensorFlow build is missing from ${tfjsNode} (deps/lib and lib/napi-v*/tfjs_binding.node), which the e2e serves as the libtensorflow and binding downloads: run npm run native-backend first.`);
  }
  const version = (JSON.parse(readFileSync(join(tfjsNode, 'package.json'), 'utf8')) as { version: string }).version;
  return { tfjsNode, napi, version };
}

/** Builds the mirror's two archives into `dir` (fast gzip: the libraries are ~600 MB). */
export async function buildNativeMirror(build: NativeBuild, dir: string): Promise<void> {
  const libDir = join(dir, 'tensorflow', 'libtensorflow');
  const bindingDir = join(dir, 'tf-builds', 'pre-built-binary', build.napi, build.version);
  mkdirSync(libDir, { recursive: true });
  mkdirSync(bindingDir, { recursive: true });
  await Promise.all([
    sh(`tar -cf - lib include | gzip -1 > '${join(libDir, `libtensorflow-cpu-linux-x86_64-${LIBTENSORFLOW_VERSION}.tar.gz`)}'`, join(build.tfjsNode, 'deps')),
    sh(`tar -czf '${join(bindingDir, `CPU-linux-${build.version}.tar.gz`)}' ${build.napi}`, join(build.tfjsNode, 'lib')),
  ]);
}

export function startNativeMirror(dir: string): Promise<NativeMirror> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    const file = join(dir, path);
    const ok = file.startsWith(dir) && existsSync(file) && statSync(file).isFile();
    requests.push(`${req.method} ${path} ${ok ? 200 : 404}`);
    if (!ok) {
      res.writeHead(404).end('not in the mirror');
      return;
    }
    // install.js sizes its progress bar from content-length.
    res.writeHead(200, { 'content-length': statSync(file).size, 'content-type': 'application/gzip' });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
      resolve({
        url,
        env: { TFJS_NODE_CDN_STORAGE: url, npm_config_tfjs_binding_binary_host_mirror: `${url}tf-builds/pre-built-binary/` },
        requests,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
