// The training status-bar item's text and tooltip, from a run's summary. No vscode import (unit-tested).
import type { RunSummary } from '../../../webview/protocol';
import { backendLabel, isPortableBackend, tfBackendName } from '../../core/native/labels';
import { formatDuration } from './format';

/** The status bar's text after the icon: "step 12/1000 · loss 2.345 · ETA 3m · tensorflow". */
export function trainingStatusText(run: RunSummary, waiting: number): string {
  const parts = [run.activity ?? `step ${run.step}/${run.totalSteps}`];
  if (run.loss !== undefined) parts.push(`loss ${run.loss.toFixed(3)}`);
  if (run.etaSeconds !== undefined) parts.push(`ETA ${formatDuration(run.etaSeconds)}`);
  if (run.backend) parts.push(run.backend === 'node-gpu' ? 'tensorflow GPU' : tfBackendName(run.backend));
  if (waiting > 0) parts.push(`+${waiting} queued`);
  return parts.join(' · ');
}

/** The tooltip; on wasm or cpu without a native install it names the command that makes training faster. */
export function trainingStatusTooltip(run: RunSummary, nativeReady: boolean): string {
  const on = run.backend ? ` on ${backendLabel(run.backend)}` : '';
  const hint = isPortableBackend(run.backend) && !nativeReady ? '\nFaster: run "Prompt Tuning: Set Up Native Backend" (native TensorFlow).' : '';
  return `Prompt Tuning: ${run.name} (${run.status})${on}. Click to open the panel.${hint}`;
}
