// Plugs the hub into the engine: sessions (src/core/session.ts) then accept hub ids wherever they
// take a model, and the data loader (training/data/source.ts) hf: datasets wherever it takes a data
// file. Kept out of index.ts because the session module loads TensorFlow.js, which the extension
// host must not: call this from the CLI and the worker only.
import { setModelResolver } from '../session';
import { setHubDatasetResolver } from '../training/data/source';
import { resolveDataset } from './datasets';
import { resolveModel, type ResolveOptions } from './resolve';

export function useHubForModels(opts: ResolveOptions = {}): void {
  setModelResolver(async (spec) => (await resolveModel(spec, opts)).dir);
}

export function useHubForDatasets(opts: Omit<ResolveOptions, 'refresh'> = {}): void {
  setHubDatasetResolver(async (spec, split) => (await resolveDataset(spec, split, opts)).files);
}
