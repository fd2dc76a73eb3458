// How a prompt's tokens read as text: the lines of the prompt document (one per prompt token with its
// nearest vocabulary pieces) and the hover shown over a token (top 10 with similarity, norm against
// the vocabulary's mean norm, init piece, drift). No vscode import: unit-tested directly.
import type { PromptTokenInsight } from '../../worker/protocol';
import { mdCell, mdCode, visible } from '../markdown';

export const DOCUMENT_TOP = 5;
export const HOVER_TOP = 10;

/** Prompt token labels are P0, P1, ... so a line's token can be found again from its text. */
export const TOKEN_LINE = /^P(\d+)\b/;

/** A piece as one line of text: the empty piece as ∅, line breaks and control characters escaped. */
function showPiece(piece: string): string {
  return piece === '' ? '∅' : visible(piece);
}

export function documentLines(title: string, insights: readonly PromptTokenInsight[], note?: string): string[] {
  const width = String(Math.max(0, insights.length - 1)).length + 1;
  const lines = [
    title,
    `One line per prompt token: its ${DOCUMENT_TOP} nearest vocabulary pieces (cosine), norm, init piece and drift. Hover a token for its ${HOVER_TOP} nearest.`,
  ];
  if (note) lines.push(note);
  lines.push('');
  for (const t of insights) {
    const near = t.nearest
      .slice(0, DOCUMENT_TOP)
      .map((n) => `${showPiece(n.piece)} ${n.cosine.toFixed(3)}`)
      .join(' · ');
    const extras = [`norm ${t.norm.toFixed(2)}`, t.initPiece ? `init ${showPiece(t.initPiece)}` : 'init random', `drift ${t.drift.toFixed(3)}`];
    if (t.isLabel) extras.push('★ label');
    lines.push(`${`P${t.index}`.padEnd(width + 1)} ${near}   | ${extras.join(' | ')}`);
  }
  return lines;
}

export function hoverMarkdown(t: PromptTokenInsight): string {
  const rows = t.nearest.slice(0, HOVER_TOP).map((n, i) => `| ${i + 1} | ${mdCell(mdCode(showPiece(n.piece)))} | ${n.cosine.toFixed(4)} | ${n.id} |`);
  const ratio = t.vocabMeanNorm > 0 ? ` (${(t.norm / t.vocabMeanNorm).toFixed(2)}× the vocabulary's mean norm ${t.vocabMeanNorm.toFixed(2)})` : '';
  return [
    `**Prompt token P${t.index}**${t.isLabel ? ' — nearest piece is a label word' : ''}`,
    '',
    '| # | piece | cosine | id |',
    '|---:|---|---:|---:|',
    ...rows,
    '',
    `Norm ${t.norm.toFixed(3)}${ratio}  `,
    `Init piece: ${t.initPiece ? mdCode(t.initPiece) : 'none (random)'}  `,
    `Drift from init: ${t.drift.toFixed(4)}`,
  ].join('\n');
}
