// The hub module's public API: resolve `--model` (a folder or org/name[@revision]) into a checkpoint
// folder, downloading into the huggingface_hub cache; the T5 catalog. (The engine reads every
// weight format itself: src/core/t5/checkpoint.ts.)
export { resolveModel, downloadModel, findCachedModel, type ResolveOptions, type ResolvedModel } from './resolve';
export { HubError, type HubErrorCode } from './errors';
export { readHubSettings, hubCacheDir, type HubSettings, type Env } from './env';
export { parseRepoSpec, type RepoSpec } from '../repo-spec';
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
