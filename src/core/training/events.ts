// What the trainer tells the outside world while it runs. The CLI renders these as a progress bar or
// JSON lines; the worker forwards them to the extension, which draws charts. Plain JSON values only.

export interface NearestPiece {
  id: number;
  piece: string; // display form (word boundary visible)
  cosine: number;
}

export interface PromptTokenInsight {
  index: number; // prompt position 0..k-1
  nearest: NearestPiece[]; // top-k by cosine against the input embedding matrix
  norm: number; // L2 norm of the prompt row
  vocabMeanNorm: number; // mean L2 norm of the vocabulary rows
  initPiece?: string; // the piece this row was initialised from, if any
  drift: number; // L2 distance from the row's initial value
  isLabel: boolean; // nearest piece is (part of) a label word
}

export interface RunStartedEvent {
  type: 'started';
  runDir: string;
  backend: string;
  model: string;
  totalSteps: number;
  promptLength: number;
  dModel: number;
  trainExamples: number;
  validExamples: number;
  validFromTrain: boolean; // validation carved from the training file
  skippedLines: number;
  truncatedInputs: number;
  labels?: string[];
  resumedFromStep?: number;
}

export interface StepEvent {
  type: 'step';
  step: number;
  totalSteps: number;
  epoch: number;
  loss: number;
  learningRate: number;
  examplesPerSecond: number;
  etaSeconds: number;
  memoryMB: number;
}

export interface EvalEvent {
  type: 'eval';
  step: number;
  exactMatch: number;
  rankAccuracy?: number;
  validLoss: number;
  best: boolean;
  insights: PromptTokenInsight[];
}

export interface CheckpointEvent {
  type: 'checkpoint';
  step: number;
  dir: string;
  reason: 'interval' | 'stop' | 'best' | 'final';
}

export interface LogEvent {
  type: 'log';
  level: 'info' | 'warn';
  message: string;
}

export interface DoneEvent {
  type: 'done';
  status: 'completed' | 'stopped' | 'early-stopped' | 'diverged';
  step: number;
  bestStep?: number;
  bestMetric?: number;
  promptDir: string; // the best prompt, saved
  message: string;
}

export type TrainEvent = RunStartedEvent | StepEvent | EvalEvent | CheckpointEvent | LogEvent | DoneEvent;
