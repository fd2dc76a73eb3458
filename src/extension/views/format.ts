// Short texts shared by the sidebar, the status bar and the hover. No vscode import.
import type { RunSummary } from '../../../webview/protocol';
import { formatDuration, formatPercent } from '../../core/format';
import { describeMetric, type SavedPrompt } from '../prompts/saved-prompt';
import { mdCode, mdText } from '../markdown';

export { formatDuration, formatPercent };

/** "training · step 40/300 · loss 0.512 · best 87.5%", or "training · downloading google/t5-base-lm-adapt · 45%" */
export function describeRun(run: RunSummary, queuePosition?: number): string {
  const parts: string[] = [run.status === 'queued' && queuePosition ? `queued #${queuePosition}` : run.status];
  if (run.activity) parts.push(run.activity);
  else if (run.totalSteps > 0 && run.status !== 'queued') parts.push(`step ${run.step}/${run.totalSteps}`);
  if (run.loss !== undefined && (run.status === 'training' || run.status === 'stopping')) parts.push(`loss ${run.loss.toFixed(3)}`);
  if (run.bestMetric !== undefined) parts.push(`best ${formatPercent(run.bestMetric)}`);
  return parts.join(' · ');
}

/** A run row's tooltip (markdown): its name and status, model, data and folder, ETA and message. */
export function runTooltip(run: RunSummary): string {
  const lines = [
    `**${mdText(run.name)}** — ${run.status}`,
    '',
    `Model ${mdCode(run.request.model)}  \nData ${mdCode(run.request.train)}  \nFolder ${mdCode(run.request.out)}`,
  ];
  if (run.etaSeconds !== undefined && run.status === 'training') lines.push('', `ETA ${formatDuration(run.etaSeconds)}`);
  if (run.message) lines.push('', mdText(run.message));
  return lines.join('\n');
}

/** A saved prompt row's tooltip (markdown): name, folder, model, length, labels and best metric. */
export function promptTooltip(prompt: SavedPrompt): string {
  const metric = describeMetric(prompt.metric);
  return (
    `**${mdText(prompt.name)}**\n\nFolder ${mdCode(prompt.dir)}  \nModel ${mdCode(prompt.model)}  \n${prompt.promptLength} prompt tokens` +
    (prompt.labels ? `  \nLabels ${prompt.labels.map(mdCode).join(', ')}` : '') +
    (metric ? `  \nBest ${mdText(metric)} (step ${prompt.metric?.step})` : '')
  );
}
