// Checking and copying optimiser state, so a checkpoint made for another prompt shape or optimiser
// fails loudly instead of silently training from a wrong moment estimate.
import type { OptimizerKind, OptimizerState, StateTensor } from './types';

export class OptimizerStateError extends Error {}

export function toStateTensor(shape: readonly number[], data: Float32Array): StateTensor {
  return { shape: [...shape], data: Array.from(data) };
}

const shapeText = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

/**
 * Validates `state` against the kind and tensor shapes this optimiser needs and returns float32 copies
 * of the tensors (same keys as `expected`).
 */
export function readState(
  state: OptimizerState,
  kind: OptimizerKind,
  expected: Record<string, readonly number[]>,
): { step: number; tensors: Record<string, Float32Array> } {
  const fail: (what: string) => never = (what) => {
    throw new OptimizerStateError(`Optimizer state (${kind}): ${what}`);
  };
  if (typeof state !== 'object' || state === null) fail('expected an object {kind, step, tensors}.');
  if (state.kind !== kind) {
    fail(`the state was saved by the "${String(state.kind)}" optimizer; resume with that optimizer or start fresh.`);
  }
  if (!Number.isInteger(state.step) || state.step < 0) fail(`"step" must be a non-negative integer, got ${String(state.step)}.`);
  const given = state.tensors ?? {};
  if (typeof given !== 'object') fail('"tensors" must be an object of {shape, data}.');
  const unexpected = Object.keys(given).filter((name) => !(name in expected));
  if (unexpected.length > 0) {
    fail(`unexpected tensor(s) ${unexpected.map((n) => `"${n}"`).join(', ')}; expected ${Object.keys(expected).join(', ')}. ` +
      'The state was made with other hyperparameters (e.g. beta1) or a parameter of another rank.');
  }
  const tensors: Record<string, Float32Array> = {};
  for (const [name, shape] of Object.entries(expected)) {
    const t = given[name];
    if (t === undefined) fail(`tensor "${name}" is missing.`);
    if (!Array.isArray(t.shape) || t.shape.length !== shape.length || t.shape.some((n, i) => n !== shape[i])) {
      fail(`tensor "${name}" has shape ${Array.isArray(t.shape) ? shapeText(t.shape) : String(t.shape)} but this ` +
        `prompt needs ${shapeText(shape)}; the state belongs to a prompt of another shape (prompt length or d_model). ` +
        'Use a matching prompt or start the optimizer fresh.');
    }
    const size = shape.reduce((a, b) => a * b, 1);
    if (!Array.isArray(t.data) || t.data.length !== size) {
      fail(`tensor "${name}" must hold ${size} numbers for shape ${shapeText(shape)}, got ${Array.isArray(t.data) ? t.data.length : 'no array'}.`);
    }
    const bad = t.data.findIndex((v) => typeof v !== 'number' || !Number.isFinite(v));
    if (bad >= 0) fail(`tensor "${name}" has a non-finite value at index ${bad} (${String(t.data[bad])}).`);
    tensors[name] = Float32Array.from(t.data);
  }
  return { step: state.step, tensors };
}
