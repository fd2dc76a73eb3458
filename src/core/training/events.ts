// What the trainer tells the outside world while it runs. The CLI renders these as a progress bar or
// JSON lines; the worker forwards them to the extension, which draws charts. Plain JSON values only.

import type { PromptTokenInsight } from '../prompt/nearest';
import type { LabelChecks } from './label-checks';
import type { Scores } from './run-metric';
import type { Metric } from '../engine-names';

export type { NearestPiece, PromptTokenInsight } from '../prompt/nearest';
export type { LabelChecks } from './label-checks';

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

/** An evaluation's scores (run-metric.ts Scores: each present when the run's metric needs it), the metric and more. */
export interface EvalEvent extends Scores {
  type: 'eval';
  step: number;
  /** The metric the run selects by (exact match when there are no label scores) and its value (run-metric.ts): what progress shows. */
  metric: Metric;
  score: number;
  validLoss: number;
  best: boolean;
  insights: PromptTokenInsight[];
  /** Invalid outputs, labels never produced and the confusion matrix, when the task has labels. */
  labelChecks?: LabelChecks;
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
