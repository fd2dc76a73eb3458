// The same scenarios as the e2e suite, in desktop VS Code through @vscode/test-electron — for
// machines that can download VS Code (it cannot here: CI runs test/e2e in code-server instead).
// Not part of `npm test`.
//
//   npm run test:electron     (VSCODE_VERSION=1.99.3 by default; set it to test another)
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runTests } from '@vscode/test-electron';

const REPO = resolve(__dirname, '..', '..');

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'prompt-tuner-electron-'));
  try {
    const workspace = join(root, 'workspace');
    mkdirSync(join(workspace, '.vscode'), { recursive: true });
    const tsx = join(REPO, 'node_modules', '.bin', 'tsx');
    execFileSync(tsx, [join(REPO, 'scripts', 'make-tiny-t5.ts'), '--out', join(workspace, 'models', 'tiny-t5')], { stdio: 'inherit' });
    execFileSync(tsx, [join(REPO, 'scripts', 'make-keyword-task.ts'), '--out', join(workspace, 'data', 'keywords.jsonl'), '--n', '64', '--seed', '2'], { stdio: 'inherit' });
    writeFileSync(join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'promptTuner.batchSize': 8, 'promptTuner.evalEvery': 10 }));
    // The suite runs inside VS Code's extension host: bundle it to one CommonJS file.
    const suite = join(root, 'suite.js');
    await build({ entryPoints: [join(__dirname, 'suite.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['vscode'], outfile: suite, logLevel: 'warning' });
    await runTests({
      version: process.env.VSCODE_VERSION ?? '1.99.3',
      extensionDevelopmentPath: REPO,
      extensionTestsPath: suite,
      launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
