// Short texts shared by the sidebar, the status bar and the hover. No vscode import.
import type { RunSummary } from '../../../webview/protocol';
import { formatDuration, formatPercent } from '../../core/format';

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
