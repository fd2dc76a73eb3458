// Renders trainer events: a one-line progress bar on a terminal, plain lines otherwise, JSON lines
// with --json (one event per line, machine-readable).
import type { TrainEvent } from '../core/training/events';
import { formatDuration, formatPercent } from '../core/format';

const pct = (x: number | undefined) => formatPercent(x, '-');

export function createRenderer(opts: { json: boolean; tty: boolean; write: (s: string) => void }): (e: TrainEvent) => void {
  if (opts.json) return (e) => opts.write(`${JSON.stringify(e)}\n`);
  let barShown = false;
  const line = (s: string) => {
    if (barShown) opts.write('\r\x1b[2K');
    barShown = false;
    opts.write(`${s}\n`);
  };
  return (e) => {
    switch (e.type) {
      case 'started':
        line(`Training a ${e.promptLength}-token prompt on ${e.model} (${e.backend}): ${e.trainExamples} train / ${e.validExamples} validation examples${e.labels ? `, labels ${e.labels.join(', ')}` : ''}${e.resumedFromStep !== undefined ? `, resumed at step ${e.resumedFromStep}` : ''}.`);
        break;
      case 'step': {
        const text = `step ${e.step}/${e.totalSteps}  loss ${e.loss.toFixed(4)}  ${e.examplesPerSecond.toFixed(1)} ex/s  ETA ${formatDuration(e.etaSeconds)}`;
        if (opts.tty) {
          const width = 24;
          const filled = Math.round((width * e.step) / e.totalSteps);
          opts.write(`\r\x1b[2K[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${text}`);
          barShown = true;
        } else if (e.step % 10 === 0 || e.step === e.totalSteps) {
          line(text);
        }
        break;
      }
      case 'eval':
        line(`eval @ step ${e.step}: exact match ${pct(e.exactMatch)}, rank accuracy ${pct(e.rankAccuracy)}${e.f1 !== undefined ? `, F1 ${pct(e.f1)}` : ''}${e.macroF1 !== undefined ? `, macro-F1 ${pct(e.macroF1)}` : ''}${e.groupExactMatch !== undefined ? `, EM per question ${pct(e.groupExactMatch)}` : ''}${e.answerF1 !== undefined ? `, answer F1 ${pct(e.answerF1)}` : ''}${e.answerExactMatch !== undefined ? `, answer EM ${pct(e.answerExactMatch)}` : ''}, valid loss ${e.validLoss.toFixed(4)}${e.best ? '  (best so far, saved)' : ''}`);
        break;
      case 'checkpoint':
        if (e.reason !== 'interval') line(`checkpoint (${e.reason}) at step ${e.step}: ${e.dir}`);
        break;
      case 'log':
        line(e.level === 'warn' ? `warning: ${e.message}` : e.message);
        break;
      case 'done':
        line(e.message);
        break;
    }
  };
}
