// Texts for a model download the worker reports (the hub client's DownloadEvents): output-channel
// lines, the progress notification's message and increments, and the short "downloading <model>"
// a run shows meanwhile. No vscode import: unit-tested directly.
import { formatBytes } from '../../core/hub/progress';
import type { DownloadEvent } from '../../worker/protocol';
import { formatDuration } from '../views/format';

type ProgressEvent = Extract<DownloadEvent, { type: 'progress' }>;
type PlanEvent = Extract<DownloadEvent, { type: 'plan' }>;

/** "google/flan-t5-small", with "@rev" when it is not main. */
export function repoLabel(e: { repo: string; revision: string }): string {
  return e.revision === 'main' ? e.repo : `${e.repo}@${e.revision}`;
}

/** Whether a plan fetches anything (else the model is all in the cache: no notification). */
export function needsDownload(e: DownloadEvent): e is PlanEvent {
  return e.type === 'plan' && e.files.some((f) => !f.cached);
}

/** The hub client keeps the token out of its events and errors; this guards the output channel anyway. */
export function withoutToken(line: string, env: Record<string, string | undefined> = process.env): string {
  let out = line;
  for (const name of ['HF_TOKEN', 'HUGGING_FACE_HUB_TOKEN']) {
    const token = env[name]?.trim();
    if (token) out = out.split(token).join('***');
  }
  return out;
}

/** A line for the output channel for the events worth one; progress ticks go through DownloadMeter. */
export function describeDownloadEvent(e: DownloadEvent): string | undefined {
  const line = describe(e);
  return line === undefined ? undefined : withoutToken(line);
}

function describe(e: DownloadEvent): string | undefined {
  switch (e.type) {
    case 'cache-hit':
      return `Using ${repoLabel(e)} from the Hugging Face cache (commit ${e.commit.slice(0, 10)}).`;
    case 'plan': {
      const fetch = e.files.filter((f) => !f.cached);
      if (fetch.length === 0) return `${repoLabel(e)}: all ${e.files.length} files are in the Hugging Face cache.`;
      const cached = e.files.length - fetch.length;
      return `Downloading ${repoLabel(e)} (commit ${e.commit.slice(0, 10)}): ${fetch.length} file(s), ${formatBytes(e.downloadBytes)}${cached > 0 ? `; ${cached} already cached` : ''}.`;
    }
    case 'file-start':
      return e.resumeFrom > 0 ? `${e.file}: resuming at ${formatBytes(e.resumeFrom)}${e.size !== null ? ` of ${formatBytes(e.size)}` : ''}.` : undefined;
    case 'retry':
      return `${e.file}: connection lost (${e.reason}); retry ${e.attempt} from ${formatBytes(e.resumeFrom)}.`;
    case 'note':
      return e.message;
    case 'done':
      return e.fromCache ? undefined : `Downloaded ${repoLabel(e)} (${formatBytes(e.downloadedBytes)} in ${formatDuration(e.seconds)}) to ${e.dir}.`;
    case 'progress':
    case 'file-done':
      return undefined;
  }
}

/** "model.safetensors: 120 MB / 242 MB · 5.1 MB/s · 24s left" */
export function progressMessage(e: ProgressEvent): string {
  const parts = [`${e.file}: ${formatBytes(e.bytes)} / ${formatBytes(e.totalBytes)}`];
  if (e.bytesPerSecond > 0) parts.push(`${formatBytes(e.bytesPerSecond)}/s`);
  if (e.etaSeconds !== null) parts.push(`${formatDuration(e.etaSeconds)} left`);
  return parts.join(' · ');
}

function percentOf(e: ProgressEvent): number {
  return e.totalBytes > 0 ? Math.min(100, (100 * e.bytes) / e.totalBytes) : 0;
}

export interface MeterUpdate {
  /** Percent points to add to the notification's bar (vscode's Progress takes increments). */
  increment: number;
  message: string;
  /** A line for the output channel at every tenth of the download. */
  logLine?: string;
}

/** Turns the running byte counts of one download into increments of its notification. */
export class DownloadMeter {
  private reported = 0;
  private loggedTenths = 0;

  update(e: ProgressEvent): MeterUpdate {
    const percent = percentOf(e);
    const increment = Math.max(0, percent - this.reported);
    this.reported += increment;
    const tenths = Math.floor(percent / 10);
    let logLine: string | undefined;
    if (tenths > this.loggedTenths) {
      this.loggedTenths = tenths;
      logLine = `${Math.floor(percent)}% ${progressMessage(e)}`;
    }
    return { increment, message: progressMessage(e), logLine };
  }
}

/**
 * What a run shows while its model downloads ("downloading google/t5-base-lm-adapt · 45%"), or
 * undefined once the download is over. `current` is the text so far (kept for events without numbers).
 */
export function downloadActivity(e: DownloadEvent, repo: string | undefined, current: string | undefined): { repo?: string; activity?: string } {
  switch (e.type) {
    case 'plan':
      return needsDownload(e) ? { repo: repoLabel(e), activity: `downloading ${repoLabel(e)} (${formatBytes(e.downloadBytes)})` } : { repo: repoLabel(e) };
    case 'progress':
      return { repo, activity: repo ? `downloading ${repo} · ${Math.floor(percentOf(e))}%` : current };
    case 'done':
    case 'cache-hit':
      return { repo };
    default:
      return { repo, activity: current };
  }
}
