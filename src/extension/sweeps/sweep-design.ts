// Prompt design's row of a sweep started here (the CLI's sweep --text-prompt, --shots): the frozen
// model with the text prompt in front of the first cell's validation inputs, evaluated once through
// the run queue ahead of the cells and written into the sweep's sweep.json. No vscode import.
import type { RunManager } from '../runs/run-manager';
import type { TextPromptResult } from '../../worker/protocol';
import { recordSweep, sweepGroups, textPromptOf, type PlannedRun, type SweepGridInput } from './sweep-group';

/**
 * Queues the evaluation (call before queueing the cells, so it goes first) when the grid has a text
 * prompt; resolves with the result once sweep.json has it, rejects with the worker's message.
 */
export function queueSweepDesign(runs: Pick<RunManager, 'evaluateTextPrompt' | 'list'>, grid: SweepGridInput, planned: readonly PlannedRun[]): Promise<TextPromptResult> | undefined {
  const design = textPromptOf(grid);
  const first = planned[0];
  if (!design || !first) return undefined;
  return runs.evaluateTextPrompt(first.request, design.text, design.shots).then((result) => {
    const group = sweepGroups(runs.list()).find((g) => g.id === first.sweep.id);
    if (group) recordSweep(group, result);
    return result;
  });
}
