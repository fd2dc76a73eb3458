// Plugs the hub into the engine: sessions (src/core/session.ts) then accept hub ids wherever they
// take a model, and pytorch_model.bin loads. Kept out of index.ts because the session module loads
// TensorFlow.js, which the extension host must not: call this from the CLI and the worker only.
import { setModelResolver } from '../session';
import { resolveModel, type ResolveOptions } from './resolve';
import { registerPytorchFormat } from './torch-checkpoint';

export function useHubForModels(opts: ResolveOptions = {}): void {
  registerPytorchFormat();
  setModelResolver(async (spec) => (await resolveModel(spec, opts)).dir);
}
