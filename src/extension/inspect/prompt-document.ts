// A saved prompt as a read-only document (scheme prompt-tuner:), one line per prompt token with its
// nearest vocabulary pieces; hovering a token line shows its top-10 neighbours. The insights come
// from the worker (which loads the model); when that fails, from the snapshot in prompt-tuner.json.
import * as vscode from 'vscode';
import type { BackendRequest } from '../../core/engine-names';
import type { PromptTokenInsight } from '../../worker/protocol';
import type { WorkerService } from '../runs/worker-service';
import { readSavedPrompt } from '../prompts/saved-prompt';
import { documentLines, hoverMarkdown, HOVER_TOP, TOKEN_LINE } from './insight-text';

export const PROMPT_SCHEME = 'prompt-tuner';

export function promptDocumentUri(dir: string, name: string): vscode.Uri {
  return vscode.Uri.from({ scheme: PROMPT_SCHEME, path: `/${name}.prompt`, query: dir });
}

export class PromptDocuments implements vscode.TextDocumentContentProvider, vscode.HoverProvider {
  private readonly insights = new Map<string, PromptTokenInsight[]>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly service: WorkerService,
    private readonly backend: () => BackendRequest,
    private readonly log: (line: string) => void,
  ) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const dir = uri.query;
    const saved = readSavedPrompt(dir);
    if (!saved) return `${dir}: no prompt-tuner.json or PEFT adapter_config.json here.`;
    const title = `Soft prompt ${saved.name}: ${saved.promptLength} tokens for ${saved.model || 'an unnamed model'} (${dir})`;
    let note: string | undefined;
    let insights: PromptTokenInsight[] | undefined;
    if (!vscode.workspace.isTrusted) {
      note = 'Untrusted workspace: showing the nearest pieces saved with the prompt; trust the workspace to load the model.';
    } else {
      try {
        insights = await this.service.inspect({ model: saved.model, prompt: dir, top: HOVER_TOP, backend: this.backend() });
      } catch (err) {
        const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
        this.log(`Inspect ${dir}: ${why}`);
        note = `Could not load the model (${why}); showing the nearest pieces saved with the prompt.`;
      }
    }
    insights ??= saved.nearest;
    if (!insights) return [title, '', note ?? '', 'This prompt has no saved nearest pieces.'].join('\n');
    this.insights.set(uri.toString(), insights);
    return documentLines(title, insights, note).join('\n');
  }

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const match = TOKEN_LINE.exec(document.lineAt(position.line).text);
    if (!match) return undefined;
    const insight = this.insights.get(document.uri.toString())?.find((t) => t.index === Number(match[1]));
    if (!insight) return undefined;
    const md = new vscode.MarkdownString(hoverMarkdown(insight));
    return new vscode.Hover(md, document.lineAt(position.line).range);
  }

  /** Recomputes an open document (after the prompt was retrained or re-saved). */
  refresh(uri: vscode.Uri): void {
    this.changed.fire(uri);
  }

  dispose(): void {
    this.changed.dispose();
  }
}
