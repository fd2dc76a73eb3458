// The playground: input text -> the frozen model's output without a prompt, with each selected saved
// prompt, and with their ensemble (majority vote: on the members' labels when the prompts have labels,
// else on their generated text); per-label scores and each prompt's label when the prompts have
// labels, read as another task's labels through an optional label map.
import { el, icon, setText, type CheckElement, type ValueElement } from '../dom';
import type { PromptChoice, TryResult } from '../protocol';
import type { RequestError } from '../requests';
import { getState, requests, updateState } from '../vscode-api';

/** Softmax of summed log-probabilities: the share of each label among the labels. */
function labelShares(scores: Record<string, number>): [string, number, number][] {
  const entries = Object.entries(scores);
  const max = Math.max(...entries.map(([, s]) => s));
  const exp = entries.map(([l, s]) => [l, s, Math.exp(s - max)] as const);
  const sum = exp.reduce((a, [, , e]) => a + e, 0);
  return exp.map(([l, s, e]) => [l, s, e / sum]);
}

export class PlaygroundView {
  readonly root: HTMLElement;
  private readonly input: ValueElement;
  private readonly promptList = el('div', { class: 'prompt-list', role: 'group', 'aria-label': 'Prompts to try' });
  private readonly ensemble: CheckElement;
  private readonly labelMap: ValueElement;
  private readonly runButton: HTMLElement;
  private readonly busy = el('vscode-progress-ring', { hidden: true, 'aria-label': 'Running' });
  private readonly error = el('div', { class: 'form-error', role: 'alert', id: 'try-error' });
  private readonly results = el('div', { class: 'results', 'aria-live': 'polite', id: 'try-results' });
  private prompts: PromptChoice[] = [];
  private runs = 0;

  constructor() {
    const saved = getState().playground;
    this.input = el('vscode-text-area', { id: 'try-input', rows: 3, resize: 'vertical', placeholder: 'Type an input, e.g. the old farmer finds an apple near the river' }, 'Input') as ValueElement;
    this.input.value = saved.input;
    this.input.addEventListener('input', () => this.remember());
    this.input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) this.run();
    });
    this.ensemble = el('vscode-checkbox', { id: 'try-ensemble' }, 'Ensemble the selected prompts (majority vote, on labels when the prompts have them)') as CheckElement;
    this.ensemble.checked = saved.ensemble;
    this.ensemble.addEventListener('change', () => this.remember());
    this.labelMap = el(
      'vscode-text-field',
      { id: 'try-label-map', placeholder: 'entailment=duplicate,not_entailment=not_duplicate', title: 'Read the prompts’ labels as another task’s: prompt_label=data_label pairs, separated by commas' },
      'Label map (optional)',
    ) as ValueElement;
    this.labelMap.value = saved.labelMap ?? '';
    this.labelMap.addEventListener('input', () => this.remember());
    this.runButton = el('vscode-button', { id: 'try-run', appearance: 'primary', title: 'Ctrl+Enter' }, icon('play'), ' Run');
    this.runButton.addEventListener('click', () => this.run());
    this.root = el(
      'section',
      { class: 'playground', 'aria-label': 'Playground' },
      this.input,
      el('h3', {}, 'Prompts'),
      this.promptList,
      this.ensemble,
      this.labelMap,
      el('div', { class: 'actions' }, this.runButton, this.busy),
      this.error,
      this.results,
    );
    if (saved.results) this.showResults(saved.results);
  }

  setPrompts(prompts: PromptChoice[]): void {
    this.prompts = prompts;
    const selected = new Set(getState().playground.prompts);
    if (prompts.length === 0) {
      this.promptList.replaceChildren(el('p', { class: 'hint' }, 'No saved prompts in the workspace yet: the output without a prompt is shown alone.'));
      return;
    }
    this.promptList.replaceChildren(
      ...prompts.map((p) => {
        const box = el('vscode-checkbox', { 'data-dir': p.dir, title: p.dir }, `${p.name} — ${p.promptLength} tokens${p.metric ? `, ${p.metric}` : ''}`) as CheckElement;
        box.checked = selected.has(p.dir);
        box.addEventListener('change', () => this.remember());
        return box;
      }),
    );
  }

  select(dirs: string[]): void {
    updateState({ playground: { ...getState().playground, prompts: dirs } });
    this.setPrompts(this.prompts);
  }

  private selectedPrompts(): string[] {
    return Array.from(this.promptList.querySelectorAll<CheckElement>('vscode-checkbox')).filter((b) => b.checked).map((b) => b.dataset.dir ?? '');
  }

  private remember(): void {
    updateState({ playground: { ...getState().playground, input: this.input.value, prompts: this.selectedPrompts(), ensemble: this.ensemble.checked, labelMap: this.labelMap.value } });
  }

  private run(): void {
    const input = this.input.value.trim();
    if (!input) {
      setText(this.error, 'Type an input first.');
      this.input.focus();
      return;
    }
    setText(this.error, '');
    const run = ++this.runs;
    this.busy.hidden = false;
    this.runButton.toggleAttribute('disabled', true);
    const labelMap = this.labelMap.value.trim();
    requests.send({ type: 'try', input, prompts: this.selectedPrompts(), ensemble: this.ensemble.checked, ...(labelMap ? { labelMap } : {}) }).then(
      (reply) => this.receive(run, reply.results),
      (err: RequestError) => this.receive(run, undefined, err.message),
    );
  }

  /** Shows the outcome of the latest run only. */
  private receive(run: number, results: TryResult[] | undefined, message?: string): void {
    if (run !== this.runs) return;
    this.busy.hidden = true;
    this.runButton.toggleAttribute('disabled', false);
    if (!results) {
      setText(this.error, message ?? 'Failed.');
      return;
    }
    updateState({ playground: { ...getState().playground, results } });
    this.showResults(results);
  }

  private nameOf(dir: string): string {
    return this.prompts.find((p) => p.dir === dir)?.name ?? dir.split(/[\\/]/).slice(-2).join('/');
  }

  private showResults(results: TryResult[]): void {
    this.results.replaceChildren(
      ...results.map((r) => {
        const rows: HTMLElement[] = [];
        if (r.bare !== undefined) rows.push(this.outputRow('Without prompt', r.bare, 'no-prompt'));
        for (const o of r.outputs) rows.push(this.outputRow(this.nameOf(o.prompt), o.text, 'prompt', o.labelScores, undefined, o.label));
        if (r.ensemble) {
          const short = (t: string) => (t.length > 24 ? `${t.slice(0, 23)}…` : t || '∅');
          const votes = Object.entries(r.ensemble.votes).map(([t, n]) => `“${short(t)}” ×${n}`).join(', ');
          const byLabel = r.ensemble.by === 'label';
          rows.push(this.outputRow('Ensemble', r.ensemble.text, 'ensemble', undefined, `${byLabel ? 'votes on labels' : 'votes on generated text'}: ${votes}`));
        }
        return el(
          'table',
          { class: 'try-table' },
          el('caption', {}, `Input: ${r.input}`),
          el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Prompt'), el('th', { scope: 'col' }, 'Output'), el('th', { scope: 'col' }, 'Label scores'))),
          el('tbody', {}, ...rows),
        );
      }),
    );
  }

  /** `label`: the prompt's rank-classified label, shown beside what it generated. */
  private outputRow(name: string, text: string, kind: string, scores?: Record<string, number>, note?: string, label?: string): HTMLElement {
    const scoreCell = el('td', { class: 'scores' });
    if (scores && Object.keys(scores).length > 0) {
      for (const [label, logProb, share] of labelShares(scores).sort((a, b) => b[2] - a[2])) {
        const bar = el('span', { class: 'share-bar' });
        bar.style.width = `${share * 100}%`;
        scoreCell.append(
          el('div', { class: 'score', title: `summed log-probability ${logProb.toFixed(3)}` }, el('code', {}, label), el('span', { class: 'share-track' }, bar), `${(share * 100).toFixed(1)}%`),
        );
      }
    } else if (note) scoreCell.append(note);
    const output = el('td', { class: 'output' }, text === '' ? '∅ (empty)' : text);
    if (label !== undefined) output.append(' ', el('span', { class: 'answer-label', title: 'the label rank classification gives' }, `→ ${label}`));
    return el('tr', { class: `output-${kind}` }, el('th', { scope: 'row' }, name), output, scoreCell);
  }
}
