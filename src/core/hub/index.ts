// The hub module's public API: resolve `--model` (a folder or org/name[@revision]) into a checkpoint
// folder, downloading into the huggingface_hub cache; the T5 catalog; pytorch_model.bin support.
// Nothing is registered on import: call registerPytorchFormat() at start (resolveModel also does).
export { resolveModel, downloadModel, findCachedModel, type ResolveOptions, type ResolvedModel } from './resolve';
export { registerPytorchFormat, readPytorchBin, readPytorchShards, TorchCheckpointError } from './torch-checkpoint';
export { HubError, type HubErrorCode } from './errors';
export { readHubSettings, hubCacheDir, type HubSettings, type Env } from './env';
export { parseRepoSpec, type RepoSpec } from './repo-spec';
export { repoFolderName } from './cache';
export { formatBytes, type DownloadEvent, type DownloadListener, type PlannedFile } from './progress';
export {
  T5_CATALOG,
  listCatalog,
  isCached,
  cachedId,
  parameterCount,
  estimateTrainingMemory,
  type CatalogEntry,
  type CatalogItem,
  type MemoryEstimate,
  type MemoryAssumptions,
  type T5Architecture,
  type T5Family,
} from './catalog';
export { PickleError } from './pickle';
