// One line for the output channel per trainer event worth logging (steps only every tenth), and a
// failed run's report. No vscode import.
import type { TrainEvent } from '../../worker/protocol';
import type { RunSummary } from '../../../webview/protocol';

const STEP_LOG_EVERY = 10;

export function describeTrainEvent(e: TrainEvent): string | undefined {
  switch (e.type) {
    case 'started':
      return (
        `started on ${e.backend}: ${e.model}, ${e.promptLength} prompt tokens × d_model ${e.dModel}, ${e.trainExamples} training / ${e.validExamples} validation examples` +
        (e.validFromTrain ? ' (validation held out from the training file)' : '') +
        (e.skippedLines ? `, ${e.skippedLines} lines skipped` : '') +
        (e.truncatedInputs ? `, ${e.truncatedInputs} inputs truncated` : '') +
        (e.resumedFromStep !== undefined ? `; resumed from step ${e.resumedFromStep}` : '')
      );
    case 'step':
      return e.step % STEP_LOG_EVERY === 0 || e.step === e.totalSteps
        ? `step ${e.step}/${e.totalSteps} loss ${e.loss.toFixed(4)} lr ${e.learningRate.toPrecision(3)} ${e.examplesPerSecond.toFixed(1)} ex/s`
        : undefined;
    case 'eval':
      return (
        `eval at step ${e.step}: validation loss ${e.validLoss.toFixed(4)}, exact match ${(e.exactMatch * 100).toFixed(1)}%` +
        (e.rankAccuracy !== undefined ? `, rank accuracy ${(e.rankAccuracy * 100).toFixed(1)}%` : '') +
        (e.f1 !== undefined ? `, F1 ${(e.f1 * 100).toFixed(1)}%` : '') +
        (e.macroF1 !== undefined ? `, macro-F1 ${(e.macroF1 * 100).toFixed(1)}%` : '') +
        (e.groupExactMatch !== undefined ? `, EM per question ${(e.groupExactMatch * 100).toFixed(1)}%` : '') +
        (e.answerF1 !== undefined ? `, answer F1 ${(e.answerF1 * 100).toFixed(1)}%` : '') +
        (e.answerExactMatch !== undefined ? `, answer EM ${(e.answerExactMatch * 100).toFixed(1)}%` : '') +
        (e.best ? ' (best so far)' : '')
      );
    case 'checkpoint':
      return `checkpoint (${e.reason}) at step ${e.step}: ${e.dir}`;
    case 'log':
      return `${e.level === 'warn' ? 'warning: ' : ''}${e.message}`;
    case 'done':
      return `${e.status} at step ${e.step}: ${e.message} (prompt: ${e.promptDir})`;
  }
}

/** The error a failed or crashed run reports: why, then the worker's last output when it crashed. */
export function describeRunFailure(run: Pick<RunSummary, 'name' | 'status' | 'message' | 'lastOutput'>): string {
  const output = run.lastOutput?.length ? `\nLast output:\n${run.lastOutput.join('\n')}` : '';
  return `[${run.name}] ${run.message ?? run.status}${output}`;
}
