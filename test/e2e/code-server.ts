// A fresh code-server for one test run: its own HOME, user data, extensions and config folders, the
// built extension installed by copying, started in its own process group and stopped by killing
// that group (extension hosts otherwise wait for the browser for hours).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export interface CodeServer {
  url: string;
  logFile: string;
  userDataDir: string;
  stop(): void;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The checkout's native TensorFlow build: a user's extension has none (the packaged .vsix ships none). */
const NATIVE_PACKAGES = new Set(['tfjs-node', 'tfjs-node-gpu']);

/**
 * Copies package.json, dist/ and media/ into the extensions folder; node_modules entries are linked,
 * all but @tensorflow/tfjs-node(-gpu), so that the extension runs on wasm until it sets up its own.
 */
export function installExtension(repo: string, extensionsDir: string): string {
  const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { publisher: string; name: string; version: string };
  const dir = join(extensionsDir, `${pkg.publisher}.${pkg.name}-${pkg.version}`);
  mkdirSync(dir, { recursive: true });
  for (const entry of ['package.json', 'dist', 'media']) cpSync(join(repo, entry), join(dir, entry), { recursive: true });
  const modules = join(repo, 'node_modules');
  mkdirSync(join(dir, 'node_modules', '@tensorflow'), { recursive: true });
  for (const entry of readdirSync(modules)) {
    if (entry !== '@tensorflow') symlinkSync(join(modules, entry), join(dir, 'node_modules', entry));
  }
  for (const entry of readdirSync(join(modules, '@tensorflow'))) {
    if (!NATIVE_PACKAGES.has(entry)) symlinkSync(join(modules, '@tensorflow', entry), join(dir, 'node_modules', '@tensorflow', entry), 'dir');
  }
  return dir;
}

/** Installs a packaged .vsix the way a user would (code-server --install-extension). */
export function installVsix(harness: string, vsix: string, root: string, extensionsDir: string): void {
  const entry = join(harness, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  const home = join(root, 'home');
  mkdirSync(home, { recursive: true });
  execFileSync(process.execPath, [entry, '--install-extension', vsix, '--extensions-dir', extensionsDir, '--user-data-dir', join(root, 'user-data')], {
    env: { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_DATA_HOME: join(home, '.local', 'share'), XDG_CACHE_HOME: join(home, '.cache') },
    stdio: 'inherit',
  });
}

export async function startCodeServer(opts: {
  harness: string;
  root: string;
  workspace: string;
  extensionsDir: string;
  settings: Record<string, unknown>;
  /** More environment for the server and its extension host (and what they start). */
  env?: Record<string, string>;
}): Promise<CodeServer> {
  const home = join(opts.root, 'home');
  const userDataDir = join(opts.root, 'user-data');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  mkdirSync(home, { recursive: true });
  writeFileSync(join(userDataDir, 'User', 'settings.json'), JSON.stringify(opts.settings, null, 2));
  const config = join(opts.root, 'code-server.yaml');
  writeFileSync(config, 'auth: none\ncert: false\n');
  const port = await freePort();
  const logFile = join(opts.root, 'code-server.log');
  const log = openSync(logFile, 'w');
  const entry = join(opts.harness, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  const args = [
    entry,
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--config', config,
    '--user-data-dir', userDataDir,
    '--extensions-dir', opts.extensionsDir,
    opts.workspace,
  ];
  const env = { ...process.env, ...opts.env, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_DATA_HOME: join(home, '.local', 'share'), XDG_CACHE_HOME: join(home, '.cache') };
  const child: ChildProcess = spawn(process.execPath, args, { detached: true, stdio: ['ignore', log, log], env });
  const stop = () => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  const url = `http://127.0.0.1:${port}`;
  const end = Date.now() + 60_000;
  for (;;) {
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > end) {
      stop();
      throw new Error(`code-server did not start (see ${logFile}):\n${readFileSync(logFile, 'utf8').slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, logFile, userDataDir, stop };
}
