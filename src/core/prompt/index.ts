// Public API of the soft-prompt module: the prompt data type, initialisation (§3.2), prompt folders
// that PEFT reads and writes, .npy import/export, nearest-vocabulary insights (§7), ensembling (§6).
export { softPrompt, promptToTensor, promptFromTensor, promptRow, type SoftPrompt } from './soft-prompt';
export { modelIdentity, embeddingFingerprint, type ModelIdentity } from './identity';
export {
  initPrompt,
  parseInit,
  sampleVocabIds,
  RANDOM_UNIFORM_RANGE,
  SAMPLED_VOCAB_SIZE,
  FIRST_ORDINARY_ID,
  type InitContext,
  type InitRng,
  type InitializedPrompt,
  type PromptInit,
} from './init';
export { savePrompt, loadPrompt, checkPromptFitsModel, PromptFileError, PromptMismatchError, type LoadedPrompt } from './files';
export {
  ADAPTER_CONFIG_FILE,
  ADAPTER_WEIGHTS_FILE,
  METADATA_FILE,
  PEFT_TENSOR,
  peftAdapterConfig,
  type PeftPromptTuningConfig,
  type PromptMetadata,
  type PromptDetails,
  type TrainingSettings,
  type MetricPoint,
} from './metadata';
export { exportNpy, readNpy, encodeNpy, decodeNpy, NpyError } from './npy';
export { promptInsights, insightsFor, nearestVocabulary, vocabNorms, DEFAULT_TOP_K, type InsightOptions, type NearestPiece, type PromptTokenInsight } from './nearest';
export { ensemblePromptTensor, replicateExamples, groupReplicated } from './ensemble';
export { ensembleVote, labelVote, majorityVote, textVote, topLabel, type EnsembleVote, type MemberAnswer } from '../vote';
