// Runs inside desktop VS Code's extension host (loaded by @vscode/test-electron): a mocha-free list
// of scenarios against the real extension — tune (with the command's argument object), stop, resume,
// the prompt document and its hover, the commands and views.
import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { PromptTunerApi } from '../../src/extension/extension';
import type { RunSummary } from '../../webview/protocol';

const EXTENSION_ID = 'prompt-tuner.prompt-tuner';

function workspace(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the test workspace is open');
  return folder.uri.fsPath;
}

async function api(): Promise<PromptTunerApi> {
  const ext = vscode.extensions.getExtension<PromptTunerApi>(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is installed`);
  return ext.activate();
}

async function until(what: string, ok: () => boolean, timeoutMs = 180_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function tune(steps: number): Promise<string> {
  const ws = workspace();
  const id = await vscode.commands.executeCommand<string>('promptTuner.tunePrompt', {
    model: join(ws, 'models', 'tiny-t5'),
    train: join(ws, 'data', 'keywords.jsonl'),
    labels: ['no', 'yes'],
    promptLength: 5,
    steps,
  });
  assert.equal(typeof id, 'string', 'Tune Prompt returns the new run id');
  return id;
}

const scenarios: [string, () => Promise<void>][] = [
  [
    'every command is registered',
    async () => {
      await api();
      const commands = await vscode.commands.getCommands(true);
      for (const c of ['tunePrompt', 'openPanel', 'tryPrompt', 'stopTraining', 'resumeTraining', 'inspectPrompt', 'exportPrompt', 'deletePrompt']) {
        assert.ok(commands.includes(`promptTuner.${c}`), `promptTuner.${c}`);
      }
    },
  ],
  [
    'a run trains to completion and saves its prompt',
    async () => {
      const { runs } = await api();
      const id = await tune(20);
      await until('completion', () => runs.get(id)?.status === 'completed');
      const run = runs.get(id) as RunSummary;
      assert.ok(run.promptDir && existsSync(join(run.promptDir, 'prompt-tuner.json')));
      assert.ok(runs.history(id).some((e) => e.type === 'eval' && e.insights.length === 5));
    },
  ],
  [
    'stop keeps a checkpoint and resume continues from it',
    async () => {
      const { runs } = await api();
      const id = await tune(5000);
      await until('some steps', () => (runs.get(id)?.step ?? 0) >= 5);
      await vscode.commands.executeCommand('promptTuner.stopTraining', id);
      await until('the stop', () => runs.get(id)?.status === 'stopped');
      const stoppedAt = runs.get(id)?.step ?? 0;
      await vscode.commands.executeCommand('promptTuner.resumeTraining', id);
      await until('the resumed run', () => runs.history(id).some((e) => e.type === 'started' && e.resumedFromStep === stoppedAt));
      await vscode.commands.executeCommand('promptTuner.stopTraining', id);
      await until('the second stop', () => runs.get(id)?.status === 'stopped');
    },
  ],
  [
    'a saved prompt opens as a document whose token lines have a hover with 10 neighbours',
    async () => {
      const { runs } = await api();
      const done = runs.list().find((r) => r.status === 'completed' && r.promptDir);
      assert.ok(done?.promptDir);
      await vscode.commands.executeCommand('promptTuner.inspectPrompt', done.promptDir);
      const editor = vscode.window.activeTextEditor;
      assert.ok(editor && editor.document.uri.scheme === 'prompt-tuner');
      const line = editor.document.getText().split('\n').findIndex((l) => l.startsWith('P0'));
      assert.ok(line >= 0, 'a line for prompt token P0');
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', editor.document.uri, new vscode.Position(line, 1));
      const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))).join('\n');
      assert.match(text, /Prompt token P0/);
      assert.equal(text.split('\n').filter((l) => /^\| \d+ \|/.test(l)).length, 10);
    },
  ],
];

/** Entry point called by @vscode/test-electron. */
export async function run(): Promise<void> {
  const failures: string[] = [];
  for (const [name, scenario] of scenarios) {
    const started = Date.now();
    try {
      await scenario();
      console.log(`ok - ${name} (${Date.now() - started} ms)`);
    } catch (err) {
      failures.push(name);
      console.log(`not ok - ${name}\n${err instanceof Error ? err.stack : String(err)}`);
    }
  }
  if (failures.length > 0) throw new Error(`${failures.length} of ${scenarios.length} scenarios failed: ${failures.join('; ')}`);
}
