// Learning-rate schedules: the factor of the optimiser's rate at each step.

/**
 * Linear warmup from 0 over `warmupSteps` steps, as HF's get_linear_schedule_with_warmup and T5X's
 * linear warmup: the step taken after `stepsDone` steps runs at stepsDone / warmupSteps of the rate
 * (the first at 0, which still updates the optimiser's moments), and from step warmupSteps + 1 at all of it.
 */
export function warmupFactor(stepsDone: number, warmupSteps: number): number {
  return stepsDone < warmupSteps ? stepsDone / warmupSteps : 1;
}
