// The "Prompt Tuning" commands. Each accepts what its callers pass — a sidebar item, a file URI from
// the explorer, a run id, or nothing (then it asks with a quick pick).
import * as vscode from 'vscode';
import { cpSync, existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { PanelController } from './panel/panel';
import type { PromptCatalog } from './prompts/prompt-catalog';
import type { SavedPrompt } from './prompts/saved-prompt';
import { describeMetric } from './prompts/saved-prompt';
import { promptDocumentUri } from './inspect/prompt-document';
import type { RunManager } from './runs/run-manager';
import type { RunSummary } from '../../webview/protocol';
import type { WorkerService } from './runs/worker-service';
import { readSettings } from './settings';
import { runGuidedFlow } from './setup/guided-flow';
import { START_SWEEP_STEPS } from './setup/guided-steps';
import { buildRunRequest, newRunFolder, resolveModel, runName, type TuneChoices } from './setup/run-request';
import { adapterModel, importedPromptFolder } from './prompts/import-peft';
import type { Naming } from '../core/schema';
import type { SettingName } from '../core/settings/run-settings';
import { describeRun } from './views/format';
import { planSweep, type SweepGridInput } from './sweeps/sweep-group';
import { askSweepGrid } from './sweeps/sweep-input';
import { queueSweepDesign } from './sweeps/sweep-design';
import { SWEEP_ELEMENT } from './views/runs-view';

export interface CommandContext {
  runs: RunManager;
  catalog: PromptCatalog;
  service: WorkerService;
  panel: PanelController;
  log: (line: string) => void;
}

export function workspaceRoot(): string | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}

/** In an untrusted workspace nothing is trained or run; says so and returns false. */
export function requireTrust(what: string): boolean {
  if (vscode.workspace.isTrusted) return true;
  void vscode.window
    .showWarningMessage(`Prompt Tuning: ${what} needs a trusted workspace (it runs a model on files from this folder).`, 'Manage Workspace Trust')
    .then((choice) => choice && vscode.commands.executeCommand('workbench.trust.manage'));
  return false;
}

/** Starts a run from the user's choices; throws ChoiceError or SchemaError (named by `naming`) for a bad choice. */
export function startRun(ctx: CommandContext, choices: Partial<Record<SettingName, unknown>> & { name?: unknown }, naming?: Naming): RunSummary {
  const root = workspaceRoot();
  if (!root) throw new Error('Open a folder first: runs and prompts are saved in the workspace.');
  const taken = new Set(ctx.runs.list().map((r) => r.request.out));
  const { name, ...settings } = choices;
  const request = buildRunRequest(settings, readSettings(), root, (dir) => taken.has(dir), naming);
  const run = ctx.runs.create(request, (typeof name === 'string' && name.trim()) || runName(request));
  ctx.log(`Run ${run.name}: ${run.status === 'queued' ? `queued (#${ctx.runs.queuePosition(run.id)})` : 'starting'} — ${JSON.stringify(request)}`);
  return run;
}

/**
 * Queues a sweep: the grid over the run the choices describe, a run per cell in a new folder
 * `<output folder>/<data>-sweep-<n>` (the CLI's layout: prompt-tune sweep --out <it> continues it).
 */
export function startSweep(ctx: CommandContext, choices: Partial<Record<SettingName, unknown>>, grid: SweepGridInput, naming?: Naming): { id: string; runs: RunSummary[] } {
  const root = workspaceRoot();
  if (!root) throw new Error('Open a folder first: sweeps are saved in the workspace.');
  const settings = readSettings();
  const taken = new Set(ctx.runs.list().flatMap((r) => [r.request.out, r.sweep?.dir ?? '']));
  const base = buildRunRequest(choices, settings, root, (dir) => taken.has(dir), naming);
  const dir = newRunFolder(root, settings.outputFolder, `${basename(base.out).replace(/-\d+$/, '')}-sweep`, (d) => taken.has(d));
  const id = `sweep-${Date.now().toString(36)}`;
  const planned = planSweep(base, grid, dir, id, basename(dir));
  const design = queueSweepDesign(ctx.runs, grid, planned);
  const runs = ctx.runs.createSweep(planned);
  ctx.log(`Sweep ${basename(dir)}: ${design ? 'prompt design\'s text prompt and ' : ''}${runs.length} runs queued in ${dir}`);
  design?.then(
    (r) => ctx.log(`Sweep ${basename(dir)}: prompt design (frozen model, text prompt${r.shots ? ` + ${r.shots} shots` : ''}) scored ${(r.metric * 100).toFixed(1)}% on ${r.n} validation examples.`),
    (err: unknown) => {
      const message = `Prompt design's row of sweep ${basename(dir)} could not be evaluated: ${err instanceof Error ? err.message : String(err)} The sweep's runs go on without it.`;
      ctx.log(message);
      void vscode.window.showWarningMessage(message);
    },
  );
  return { id, runs };
}

/** A run id: the Runs view's element, or what other callers pass. */
function runOf(ctx: CommandContext, arg: unknown): RunSummary | undefined {
  if (typeof arg === 'string') return ctx.runs.get(arg);
  return undefined;
}

async function pickRun(ctx: CommandContext, filter: (r: RunSummary) => boolean, placeHolder: string): Promise<RunSummary | undefined> {
  const runs = ctx.runs.list().filter(filter).reverse();
  if (runs.length <= 1) return runs[0];
  const chosen = await vscode.window.showQuickPick(
    runs.map((r) => ({ label: r.name, description: describeRun(r, ctx.runs.queuePosition(r.id)), id: r.id })),
    { placeHolder },
  );
  return chosen ? ctx.runs.get(chosen.id) : undefined;
}

/** A prompt folder (the Prompts view's element) or a file URI of one (from the explorer or a prompt document). */
function promptOf(ctx: CommandContext, arg: unknown): SavedPrompt | undefined {
  if (arg instanceof vscode.Uri) {
    const path = arg.scheme === 'prompt-tuner' ? arg.query : arg.fsPath;
    const dir = /\.(json|safetensors)$/.test(path) ? join(path, '..') : path;
    return ctx.catalog.find(dir);
  }
  if (typeof arg === 'string') return ctx.catalog.find(arg);
  return undefined;
}

async function pickPrompt(ctx: CommandContext, arg: unknown, placeHolder: string): Promise<SavedPrompt | undefined> {
  const given = promptOf(ctx, arg);
  if (given) return given;
  await ctx.catalog.refresh();
  const prompts = ctx.catalog.list();
  if (prompts.length === 0) {
    void vscode.window.showInformationMessage('No saved prompts in this workspace yet. Tune one first.', 'Tune Prompt').then((c) => c && vscode.commands.executeCommand('promptTuner.tunePrompt'));
    return undefined;
  }
  const chosen = await vscode.window.showQuickPick(
    prompts.map((p) => ({ label: p.name, description: [basename(p.model), `${p.promptLength} tokens`, describeMetric(p.metric)].filter(Boolean).join(' · '), detail: vscode.workspace.asRelativePath(p.dir), prompt: p })),
    { title: placeHolder.replace(/ which prompt\?$/, ' Prompt'), placeHolder, matchOnDetail: true },
  );
  return chosen?.prompt;
}

/** The workspace's sweep.json files (prompt-tune sweep --out), one picked when there are several; else an open dialog. */
async function pickSweepFile(): Promise<string | undefined> {
  const found = await vscode.workspace.findFiles('**/sweep.json', '**/node_modules/**', 50);
  if (found.length === 1) return found[0].fsPath;
  if (found.length > 1) {
    const pick = await vscode.window.showQuickPick(found.map((u) => ({ label: vscode.workspace.asRelativePath(u), path: u.fsPath })), { title: 'Open Sweep Results', placeHolder: 'Which sweep?' });
    return pick?.path;
  }
  const chosen = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Sweep results': ['json'] }, openLabel: 'Open', title: 'Open Sweep Results: a sweep.json (prompt-tune sweep --out <dir>)' });
  return chosen?.[0]?.fsPath;
}

export function registerCommands(ctx: CommandContext): vscode.Disposable[] {
  const { runs, panel } = ctx;
  const command = (id: string, fn: (...args: unknown[]) => unknown) => vscode.commands.registerCommand(`promptTuner.${id}`, fn);

  return [
    command('tunePrompt', async (arg?: unknown) => {
      if (!requireTrust('training')) return;
      const given = typeof arg === 'object' && arg !== null && !(arg instanceof vscode.Uri) ? (arg as TuneChoices) : undefined;
      const choices = given?.train ? given : await runGuidedFlow(readSettings());
      if (choices === 'form') return panel.show({ view: 'setup' });
      if (!choices) return;
      try {
        const run = startRun(ctx, choices);
        panel.show({ runId: run.id, view: 'progress' });
        return run.id;
      } catch (err) {
        void vscode.window.showErrorMessage(err instanceof Error ? err.message : String(err));
      }
    }),

    command('startSweep', async (arg?: unknown) => {
      if (!requireTrust('training')) return;
      // A caller may pass { choices, grid }; else the guided steps up to the labels, then the grid.
      const given = typeof arg === 'object' && arg !== null && !(arg instanceof vscode.Uri) ? (arg as { choices?: TuneChoices; grid?: SweepGridInput }) : undefined;
      const choices = given?.choices ?? (await runGuidedFlow(readSettings(), START_SWEEP_STEPS));
      // The setup form has the sweep's grid too (its Start sweep button).
      if (choices === 'form') return panel.show({ view: 'setup' });
      if (!choices) return;
      try {
        const { name: _name, ...settings } = choices;
        const root = workspaceRoot() ?? '';
        const grid = given?.grid ?? (await askSweepGrid(buildRunRequest(settings, readSettings(), root, () => false)));
        if (!grid) return;
        const sweep = startSweep(ctx, settings, grid);
        panel.showSweep({ group: sweep.id });
        return sweep.id;
      } catch (err) {
        void vscode.window.showErrorMessage(err instanceof Error ? err.message : String(err));
      }
    }),

    command('openPanel', (arg?: unknown) => {
      if (typeof arg === 'string' && arg.startsWith(SWEEP_ELEMENT)) return panel.showSweep({ group: arg.slice(SWEEP_ELEMENT.length) });
      const run = runOf(ctx, arg);
      panel.show(run ? { runId: run.id, view: 'progress' } : {});
    }),

    command('stopTraining', async (arg?: unknown) => {
      const run = runOf(ctx, arg) ?? (await pickRun(ctx, (r) => r.status === 'training' || r.status === 'queued', 'Stop which run?'));
      if (!run) return void vscode.window.showInformationMessage('No run is training.');
      runs.stop(run.id);
      ctx.log(`Run ${run.name}: stop requested`);
    }),

    command('resumeTraining', async (arg?: unknown) => {
      if (!requireTrust('training')) return;
      const run = runOf(ctx, arg) ?? (await pickRun(ctx, (r) => runs.canResume(r.id), 'Resume which run?'));
      if (!run) return void vscode.window.showInformationMessage('No stopped, failed or crashed run to resume.');
      try {
        runs.resume(run.id);
        ctx.log(`Run ${run.name}: resumed from ${run.checkpointDir ?? 'the start (no checkpoint yet)'}`);
        panel.show({ runId: run.id, view: 'progress' });
      } catch (err) {
        void vscode.window.showErrorMessage(err instanceof Error ? err.message : String(err));
      }
    }),

    command('removeRun', (arg?: unknown) => {
      const run = runOf(ctx, arg);
      if (!run) return;
      try {
        runs.remove(run.id);
      } catch (err) {
        void vscode.window.showErrorMessage(err instanceof Error ? err.message : String(err));
      }
    }),

    command('tryPrompt', async (arg?: unknown) => {
      if (!requireTrust('trying a prompt')) return;
      const prompt = await pickPrompt(ctx, arg, 'Try which prompt?');
      if (prompt) panel.show({ view: 'playground', prompts: [prompt.dir] });
    }),

    command('inspectPrompt', async (arg?: unknown) => {
      const prompt = await pickPrompt(ctx, arg, 'Inspect which prompt?');
      if (!prompt) return;
      const doc = await vscode.workspace.openTextDocument(promptDocumentUri(prompt.dir, prompt.name));
      await vscode.window.showTextDocument(doc, { preview: true });
    }),

    command('openSweepResults', async (arg?: unknown) => {
      // A sweep.json the explorer offers, else one of the workspace's, else one chosen here.
      const file = arg instanceof vscode.Uri ? arg.fsPath : await pickSweepFile();
      if (!file) return;
      try {
        panel.showSweep({ file });
      } catch (err) {
        void vscode.window.showErrorMessage(`Cannot show ${file}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }),

    command('exportPrompt', async (arg?: unknown) => {
      const prompt = await pickPrompt(ctx, arg, 'Export which prompt?');
      if (!prompt) return;
      const format = await vscode.window.showQuickPick(
        [
          { label: 'PEFT folder', description: 'adapter_config.json + adapter_model.safetensors: PeftModel.from_pretrained loads it', value: 'peft' as const },
          { label: 'NumPy .npy', description: '[prompt length, d_model] float32, as google-research/prompt-tuning saves prompts', value: 'npy' as const },
        ],
        { title: `Export ${prompt.name}`, placeHolder: `Export ${prompt.name} as` },
      );
      if (!format) return;
      const root = workspaceRoot();
      const base = vscode.Uri.file(join(root ?? prompt.dir, `${prompt.name}${format.value === 'npy' ? '.npy' : '-peft'}`));
      try {
        if (format.value === 'npy') {
          if (!requireTrust('exporting .npy')) return;
          const target = await vscode.window.showSaveDialog({ defaultUri: base, filters: { 'NumPy array': ['npy'] }, title: 'Export prompt as .npy' });
          if (!target) return;
          await ctx.service.exportNpy(prompt.dir, target.fsPath);
          void vscode.window.showInformationMessage(`Exported ${prompt.name} to ${vscode.workspace.asRelativePath(target)}.`);
        } else {
          const target = await vscode.window.showSaveDialog({ defaultUri: base, title: 'Export prompt as a PEFT folder (a new folder)' });
          if (!target) return;
          if (existsSync(target.fsPath)) throw new Error(`${target.fsPath} already exists; choose a new folder name.`);
          cpSync(prompt.dir, target.fsPath, { recursive: true });
          void vscode.window.showInformationMessage(`Exported ${prompt.name} to ${vscode.workspace.asRelativePath(target)}.`);
        }
      } catch (err) {
        void vscode.window.showErrorMessage(`Export failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }),

    command('importPeftPrompt', async (arg?: unknown) => {
      if (!requireTrust('importing a prompt')) return;
      const root = workspaceRoot();
      if (!root) return void vscode.window.showErrorMessage('Open a folder first: the imported prompt is saved in the workspace.');
      // A PEFT folder the Prompts view or the explorer offers, else one chosen here.
      const adapter = promptOf(ctx, arg)?.dir ?? (await vscode.window.showOpenDialog({
        canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: 'Import',
        title: 'Import PEFT Prompt: the adapter folder (adapter_config.json + adapter_model.safetensors)',
      }))?.[0]?.fsPath;
      if (!adapter) return;
      const settings = readSettings();
      const model = await vscode.window.showInputBox({
        title: 'Import PEFT Prompt: the model it was trained on', value: adapterModel(adapter, settings.run.model), ignoreFocusOut: true,
        prompt: 'A model folder or hub id (org/name). A prompt from an exported job must match the model fingerprint the job recorded.',
        validateInput: (value) => (value.trim() ? undefined : 'Give a model folder or hub id.'),
      });
      if (!model) return;
      try {
        const imported = await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: `Importing ${basename(adapter)} for ${model.trim()}...` },
          () => ctx.service.importPeft({ adapter, model: resolveModel(model.trim(), root), out: importedPromptFolder(root, settings.outputFolder, adapter), backend: settings.run.backend }),
        );
        imported.notes.forEach((note) => ctx.log(note));
        ctx.log(`Imported the PEFT prompt ${adapter} into ${imported.path}`);
        await ctx.catalog.refresh();
        const checked = imported.fingerprintChecked ? 'its model fingerprint matches' : 'only its width could be checked (no prompt-tuner-job.json; see the output)';
        const choice = await vscode.window.showInformationMessage(`Imported ${basename(adapter)} into ${vscode.workspace.asRelativePath(imported.path)}: ${checked}.`, 'Try', 'Inspect');
        if (choice) await vscode.commands.executeCommand(choice === 'Try' ? 'promptTuner.tryPrompt' : 'promptTuner.inspectPrompt', imported.path);
      } catch (err) {
        void vscode.window.showErrorMessage(`Import failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }),

    command('deletePrompt', async (arg?: unknown) => {
      const prompt = await pickPrompt(ctx, arg, 'Delete which prompt?');
      if (!prompt) return;
      const ok = await vscode.window.showWarningMessage(
        `Delete the prompt ${prompt.name}?`,
        { modal: true, detail: `${prompt.dir} is moved to the trash (or deleted where there is none).` },
        'Delete',
      );
      if (ok !== 'Delete') return;
      const uri = vscode.Uri.file(prompt.dir);
      try {
        await vscode.workspace.fs.delete(uri, { recursive: true, useTrash: true });
      } catch {
        await vscode.workspace.fs.delete(uri, { recursive: true, useTrash: false });
      }
      ctx.log(`Deleted the prompt ${prompt.dir}`);
      await ctx.catalog.refresh();
    }),

    command('refreshPrompts', () => ctx.catalog.refresh()),
  ];
}
