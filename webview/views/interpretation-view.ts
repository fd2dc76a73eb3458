// The interpretation table: one row per prompt token with its top-5 nearest vocabulary pieces and
// their cosine similarity, its norm, its init piece and its drift; rows whose nearest piece is a label
// word are marked. Hovering or focusing a row shows the token's detail (up to 10 nearest pieces).
// Rows are created once per token and updated in place at each evaluation.
import { el, icon, setText } from '../dom';
import type { PromptTokenInsight } from '../protocol';

const TABLE_TOP = 5;
const DETAIL_TOP = 10;

interface Row {
  tr: HTMLTableRowElement;
  pieces: HTMLElement[];
  norm: HTMLElement;
  init: HTMLElement;
  drift: HTMLElement;
  mark: HTMLElement;
}

function pieceText(piece: string): string {
  return piece === '' ? '∅' : piece;
}

export class InterpretationView {
  readonly root: HTMLElement;
  private readonly tbody = el('tbody');
  private readonly rows: Row[] = [];
  private readonly caption = el('p', { class: 'hint', id: 'interpretation-caption' });
  private readonly detail = el('aside', { class: 'detail', 'aria-live': 'polite', id: 'token-detail' });
  private insights: PromptTokenInsight[] = [];
  private detailIndex: number | undefined;

  constructor() {
    const head = el(
      'tr',
      {},
      el('th', { scope: 'col' }, 'Token'),
      el('th', { scope: 'col', colspan: TABLE_TOP }, `Nearest vocabulary pieces (cosine)`),
      el('th', { scope: 'col', class: 'num' }, 'Norm'),
      el('th', { scope: 'col' }, 'Init'),
      el('th', { scope: 'col', class: 'num' }, 'Drift'),
    );
    const table = el('table', { class: 'insights', id: 'insights-table' }, el('thead', {}, head), this.tbody);
    this.root = el(
      'section',
      { class: 'interpretation', 'aria-label': 'Interpretation' },
      this.caption,
      el('div', { class: 'interpretation-body' }, el('div', { class: 'table-wrap' }, table), this.detail),
    );
    this.showDetail(undefined);
    this.setInsights([], undefined);
  }

  setInsights(insights: PromptTokenInsight[], step: number | undefined): void {
    this.insights = insights;
    if (insights.length === 0) {
      setText(this.caption, 'The table fills in at the first evaluation of the selected run.');
    } else {
      const labels = insights.filter((t) => t.isLabel).length;
      setText(
        this.caption,
        `Prompt after step ${step ?? '?'}: ${insights.length} tokens; vocabulary mean norm ${insights[0]!.vocabMeanNorm.toFixed(2)}.` +
          (labels ? ` ${labels} token${labels === 1 ? '' : 's'} nearest to a label word (marked).` : ''),
      );
    }
    while (this.rows.length < insights.length) this.rows.push(this.createRow(this.rows.length));
    this.rows.forEach((row, i) => {
      const t = insights[i];
      row.tr.hidden = !t;
      if (t) this.updateRow(row, t);
    });
    if (this.detailIndex !== undefined) this.showDetail(this.detailIndex);
  }

  private createRow(index: number): Row {
    const pieces = Array.from({ length: TABLE_TOP }, () => el('td', { class: 'piece' }));
    const mark = el('span', { class: 'label-mark', hidden: true }, icon('tag', 'nearest piece is a label word'));
    const norm = el('td', { class: 'num' });
    const init = el('td', { class: 'init' });
    const drift = el('td', { class: 'num' });
    const tr = el('tr', { tabindex: 0, 'data-index': index }, el('th', { scope: 'row' }, `P${index} `, mark), ...pieces, norm, init, drift);
    const show = () => this.showDetail(index);
    tr.addEventListener('mouseenter', show);
    tr.addEventListener('focus', show);
    tr.addEventListener('keydown', (e) => {
      const next = e.key === 'ArrowDown' ? tr.nextElementSibling : e.key === 'ArrowUp' ? tr.previousElementSibling : null;
      if (next instanceof HTMLElement) {
        e.preventDefault();
        next.focus();
      }
    });
    this.tbody.append(tr);
    return { tr, pieces, norm, init, drift, mark };
  }

  private updateRow(row: Row, t: PromptTokenInsight): void {
    row.pieces.forEach((cell, j) => {
      const n = t.nearest[j];
      setText(cell, n ? `${pieceText(n.piece)} ${n.cosine.toFixed(2)}` : '');
      cell.title = n ? `id ${n.id}, cosine ${n.cosine.toFixed(4)}` : '';
    });
    setText(row.norm, t.norm.toFixed(2));
    setText(row.init, t.initPiece ?? '—');
    setText(row.drift, t.drift.toFixed(3));
    row.mark.hidden = !t.isLabel;
    row.tr.classList.toggle('label-row', t.isLabel);
    row.tr.setAttribute('aria-label', `Prompt token ${t.index}${t.isLabel ? ', nearest to a label word' : ''}`);
  }

  private showDetail(index: number | undefined): void {
    this.detailIndex = index;
    const t = index === undefined ? undefined : this.insights[index];
    if (!t) {
      this.detail.replaceChildren(el('p', { class: 'hint' }, 'Hover or focus a row for the token’s nearest pieces.'));
      return;
    }
    const ratio = t.vocabMeanNorm > 0 ? t.norm / t.vocabMeanNorm : 0;
    const list = el('ol', { class: 'nearest' });
    for (const n of t.nearest.slice(0, DETAIL_TOP)) {
      const bar = el('span', { class: 'cos-bar' });
      bar.style.width = `${Math.max(0, n.cosine) * 100}%`;
      list.append(el('li', {}, el('code', {}, pieceText(n.piece)), el('span', { class: 'cos' }, n.cosine.toFixed(4)), el('span', { class: 'cos-track' }, bar)));
    }
    this.detail.replaceChildren(
      el('h3', {}, `Token P${t.index}`, t.isLabel ? el('span', { class: 'label-mark' }, ' ', icon('tag'), ' label word') : ''),
      list,
      el(
        'dl',
        {},
        el('dt', {}, 'Norm'),
        el('dd', {}, `${t.norm.toFixed(3)} (${ratio.toFixed(2)}× the vocabulary mean ${t.vocabMeanNorm.toFixed(2)})`),
        el('dt', {}, 'Init piece'),
        el('dd', {}, t.initPiece ?? 'none (random)'),
        el('dt', {}, 'Drift from init'),
        el('dd', {}, t.drift.toFixed(4)),
      ),
    );
  }
}
