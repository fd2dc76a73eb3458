// "Start Sweep"'s grid questions, after its base run's steps: prompt lengths and initialisations
// (comma-separated, the CLI's --prompt-length and --init) and how many seeds (--seeds), each checked
// as typed against the whole grid over the base run, the paper's Figure 3 grid offered first; then
// prompt design's optional row (--text-prompt, --shots), the frozen model with a hand-written prompt.
import * as vscode from 'vscode';
import type { RunRequest } from '../../worker/protocol';
import { DATA_STEPS, START_SWEEP_STEPS, stepTitle } from '../setup/guided-steps';
import { planSweep, type SweepGridInput } from './sweep-group';

const PAPER_GRID: SweepGridInput = { promptLength: '1,5,20,100', init: 'random-uniform,sampled-vocab,class-labels', seeds: '1', textPrompt: '', shots: '' };

/** Why the grid cannot be trained, or undefined. */
function gridProblem(base: RunRequest, grid: SweepGridInput): string | undefined {
  try {
    planSweep(base, grid, base.out, 'check', 'check');
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

export async function askSweepGrid(base: RunRequest): Promise<SweepGridInput | undefined> {
  const grid = { ...PAPER_GRID };
  const ask = async (step: number, what: string, prompt: string, value: string, set: (text: string) => void): Promise<boolean> => {
    const text = await vscode.window.showInputBox({
      title: stepTitle(START_SWEEP_STEPS, step, what), prompt, value, ignoreFocusOut: true,
      validateInput: (typed) => {
        set(typed);
        return gridProblem(base, grid);
      },
    });
    if (text === undefined) return false;
    set(text);
    return true;
  };
  if (!(await ask(DATA_STEPS + 1, 'prompt lengths', 'Prompt lengths in tokens, comma-separated (the CLI\'s --prompt-length).', grid.promptLength, (t) => (grid.promptLength = t)))) return undefined;
  if (!(await ask(DATA_STEPS + 2, 'initialisations', 'random-uniform, sampled-vocab, class-labels or vocab:<words>, comma-separated (--init).', grid.init, (t) => (grid.init = t)))) return undefined;
  if (!(await ask(DATA_STEPS + 3, 'seeds', `Seeds per grid point (--seeds): seeds ${base.seed}, ${base.seed + 1}, ... give the spread across them.`, grid.seeds, (t) => (grid.seeds = t)))) return undefined;
  if (!(await ask(DATA_STEPS + 4, 'text prompt (prompt design baseline)', 'Optional: a hand-written text prompt put in front of each input of the frozen model, scored on the same validation data beside the tuned prompts (--text-prompt). Empty: no such row.', '', (t) => (grid.textPrompt = t)))) return undefined;
  if (grid.textPrompt?.trim() && !(await ask(DATA_STEPS + 5, 'shots', 'Optional: how many training examples (the first N) go in front of each input after the text prompt (--shots). Empty: none.', '', (t) => (grid.shots = t)))) return undefined;
  return grid;
}
