// Typed download events for the CLI's progress lines and the extension's progress notification,
// plus the meter that turns byte counts into speed and ETA. Plain JSON values only.

export interface PlannedFile {
  file: string;
  /** Bytes, when the hub said (always, for the real hub). */
  size: number | null;
  cached: boolean;
}

export type DownloadEvent =
  | { type: 'cache-hit'; repo: string; revision: string; commit: string; dir: string }
  | { type: 'plan'; repo: string; revision: string; commit: string; files: PlannedFile[]; downloadBytes: number }
  | { type: 'file-start'; file: string; size: number | null; resumeFrom: number }
  | {
      type: 'progress';
      file: string;
      fileBytes: number;
      fileSize: number | null;
      /** Over all files of this download (cached files excluded). */
      bytes: number;
      totalBytes: number;
      bytesPerSecond: number;
      etaSeconds: number | null;
    }
  | { type: 'retry'; file: string; attempt: number; reason: string; resumeFrom: number }
  | { type: 'file-done'; file: string; size: number; cached: boolean }
  | { type: 'note'; message: string }
  | { type: 'done'; repo: string; revision: string; commit: string; dir: string; fromCache: boolean; downloadedBytes: number; seconds: number };

export type DownloadListener = (event: DownloadEvent) => void;

/** Speed over a sliding window of recent samples, so the ETA follows the current rate. */
export class SpeedMeter {
  private samples: { t: number; bytes: number }[] = [];

  constructor(
    private readonly windowMs = 5000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records the running byte count; returns bytes per second over the window. */
  update(bytes: number): number {
    const t = this.now();
    // One sample per 100 ms keeps the window small however many chunks arrive.
    const last = this.samples[this.samples.length - 1];
    if (!last || t - last.t >= 100) this.samples.push({ t, bytes });
    while (this.samples.length > 2 && t - this.samples[0].t > this.windowMs) this.samples.shift();
    const first = this.samples[0];
    const dt = (t - first.t) / 1000;
    return dt > 0 ? (bytes - first.bytes) / dt : 0;
  }
}

export function etaSeconds(remaining: number, bytesPerSecond: number): number | null {
  return bytesPerSecond > 0 ? remaining / bytesPerSecond : null;
}

/** 1536 -> "1.5 KB" (decimal units, as the hub shows sizes). */
export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}
