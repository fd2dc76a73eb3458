// The names the engine's choices go by — backends, precisions, optimisers, metrics — as plain values
// with no imports, so that every bundle (the panel's too) and the settings schema can list them.

/** Our backend names in the order 'auto' tries them (webgpu: on a hardware adapter only). */
export const BACKEND_PREFERENCES = ['node-gpu', 'webgpu', 'node', 'wasm', 'cpu'] as const;
export type BackendPreference = (typeof BACKEND_PREFERENCES)[number];
export const BACKEND_REQUESTS = ['auto', ...BACKEND_PREFERENCES] as const;
export type BackendRequest = (typeof BACKEND_REQUESTS)[number];

/** fp32 (exact) or bf16-math (oneDNN's BF16 products on the native backend). */
export const PRECISIONS = ['fp32', 'bf16-math'] as const;
export type Precision = (typeof PRECISIONS)[number];
/** The environment variable oneDNN reads its math mode from ('BF16' for bf16-math), once, before its first kernel. */
export const ONEDNN_FPMATH_ENV = 'ONEDNN_DEFAULT_FPMATH_MODE';

export const OPTIMIZER_KINDS = ['adafactor', 'adam'] as const;
export type OptimizerKind = (typeof OPTIMIZER_KINDS)[number];

/**
 * The validation metric that selects the best prompt: rank classification accuracy, exact match of
 * the generated text, F1 of rank classification with the second label as the positive class, the
 * mean of rank accuracy and macro-F1 (SuperGLUE CB), the mean of F1a and EM per question
 * (SuperGLUE MultiRC), or the mean of SQuAD's token F1 and EM of the generated answer against every
 * gold answer (SuperGLUE ReCoRD).
 */
export const METRICS = ['rank', 'exact-match', 'f1', 'acc-macro-f1', 'f1a-em', 'squad-f1-em'] as const;
export type Metric = (typeof METRICS)[number];

/** The GLUE and SuperGLUE tasks with presets (src/core/settings/task-presets.ts). */
export const TASK_NAMES = ['boolq', 'cb', 'rte', 'wic', 'wsc', 'copa', 'multirc', 'record', 'mrpc', 'qqp', 'sst2', 'mnli', 'qnli'] as const;
export type TaskName = (typeof TASK_NAMES)[number];
