// The guided steps' titles and which are asked. Tune Prompt asks the model, the data, its fields, the
// labels, then prompt length and initialisation; Start Sweep asks the first four for its base run and
// then its grid (prompt lengths, initialisations, seeds) in their place, so each thing is asked once.
// The titles count the steps of the whole command. No vscode import: unit-tested directly.

export interface GuidedSteps {
  /** The command whose steps these are, as the titles name it. */
  command: string;
  /** Steps in all, counted in the titles. */
  total: number;
  /** Whether one prompt length and initialisation are asked (a sweep's grid gives several). */
  asksPrompt: boolean;
}

/** Model, data, fields and labels: the steps both commands begin with. */
export const DATA_STEPS = 4;

export const TUNE_PROMPT_STEPS: GuidedSteps = { command: 'Tune Prompt', total: DATA_STEPS + 2, asksPrompt: true };

/** The grid's prompt lengths, initialisations and seeds follow the data's steps. */
export const START_SWEEP_STEPS: GuidedSteps = { command: 'Start Sweep', total: DATA_STEPS + 5, asksPrompt: false };

export function stepTitle(steps: GuidedSteps, step: number, what: string): string {
  return `${steps.command} (${step}/${steps.total}): ${what}`;
}
