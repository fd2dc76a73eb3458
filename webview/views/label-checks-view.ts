// After each evaluation of a task with labels: how many outputs were no label (with the most
// frequent), the labels never produced, and the confusion matrix (gold label x output, "other" for
// outputs that are no label) as a compact table. The table scrolls inside a focusable region, so the
// keyboard reaches every column; its header cells name each count's row and column for screen readers.
import { el, setText } from '../dom';
import type { LabelChecks } from '../protocol';

export class LabelChecksView {
  readonly root: HTMLElement;
  private readonly title = el('h3', { id: 'label-checks-title' });
  private readonly summary = el('p', { class: 'hint', id: 'label-checks-summary' });
  private readonly table = el('table', { class: 'confusion', id: 'confusion' });

  constructor() {
    const wrap = el('div', { class: 'confusion-wrap', tabindex: 0, role: 'region', 'aria-labelledby': 'label-checks-title' }, this.table);
    this.root = el('section', { class: 'label-checks', 'aria-labelledby': 'label-checks-title', hidden: true }, this.title, this.summary, wrap);
  }

  /** The latest evaluation's checks; none (a task without labels, or no evaluation yet) hides the section. */
  show(checks: LabelChecks | undefined, step: number | undefined): void {
    this.root.hidden = checks === undefined;
    if (!checks) return;
    const n = checks.confusion.flat().reduce((a, b) => a + b, 0);
    setText(this.title, `Labels at step ${step ?? 0}`);
    const examples = checks.invalidExamples.map((x) => `“${x.text || '∅'}” ×${x.count}`).join(', ');
    const never = checks.neverPredicted.length > 0 ? checks.neverPredicted.join(', ') : 'none';
    setText(this.summary, `Outputs that are no label: ${checks.invalid} of ${n}${examples ? ` (${examples})` : ''}. Labels never produced: ${never}.`);
    const columns = [...checks.labels, 'other'];
    const head = el('tr', {}, el('th', { scope: 'col' }, 'gold \\ output'), ...columns.map((c, i) => el('th', { scope: 'col', class: i === checks.labels.length ? 'other' : 'num' }, c)));
    const rows = checks.golds.map((gold, r) =>
      el(
        'tr',
        {},
        el('th', { scope: 'row' }, gold),
        ...checks.confusion[r].map((count, c) => el('td', { class: `num ${cellKind(gold, columns[c], c === checks.labels.length, count)}` }, String(count))),
      ),
    );
    this.table.replaceChildren(el('caption', {}, 'Rows: gold label; columns: the output (other: no label)'), el('thead', {}, head), el('tbody', {}, ...rows));
  }
}

/** Right answers, wrong labels and invalid outputs, each in its theme colour; zeros stay plain. */
function cellKind(gold: string, column: string, other: boolean, count: number): string {
  if (count === 0) return 'zero';
  if (other) return 'invalid';
  return gold === column ? 'right' : 'wrong';
}
