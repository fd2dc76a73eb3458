// A soft prompt must hold finite numbers: one NaN or Infinity makes every score NaN (try shows NaN,
// eval reports loss NaN and exits 0). Prompts are checked when read and before they are written.

/** Where the first NaN or ±Infinity of a [k, dModel] prompt is, e.g. `row 3, column 7 is NaN`; undefined when all are finite. */
export function firstNonFinite(data: Float32Array, dModel: number): string | undefined {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) return `row ${Math.floor(i / dModel)}, column ${i % dModel} is ${data[i]}`;
  }
  return undefined;
}

/** What to do about a prompt that is not finite. */
export const NON_FINITE_HINT = 'The run that made it diverged: use an earlier prompt, or train again with a lower learning rate.';
