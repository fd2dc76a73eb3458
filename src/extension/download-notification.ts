// A cancellable progress notification per model download a worker makes (a run's, or the prompt
// worker's for try/inspect): file, bytes, speed and ETA, the bar advancing by the fraction of the
// download's bytes. Opened only when the hub client's plan fetches something (a cached model
// shows none); closed on its 'done' event, or by the owner when the worker stops or fails.
import * as vscode from 'vscode';
import { formatBytes } from '../core/hub/progress';
import type { DownloadEvent } from '../worker/protocol';
import { DownloadMeter, needsDownload, repoLabel, type MeterUpdate } from './runs/download-progress';

export interface DownloadSource {
  /** Who downloads, for the title ("for keywords-1 · t5-base-lm-adapt"). */
  purpose?: string;
  /** Cancel: stop the run / abort the prompt worker's download (the partial file stays for resume). */
  cancel(): void;
  log(line: string): void;
}

type Report = Pick<MeterUpdate, 'message' | 'increment'>;

interface OpenDownload {
  meter: DownloadMeter;
  progress?: vscode.Progress<Report>;
  /** What arrived before withProgress handed over its Progress. */
  queued: Report;
  close(): void;
}

export class DownloadNotifications implements vscode.Disposable {
  private readonly open = new Map<string, OpenDownload>();

  /** One event of the download `key` (a run id, or the prompt worker). */
  handle(key: string, event: DownloadEvent, source: DownloadSource): void {
    if (needsDownload(event) && !this.open.has(key)) this.show(key, event, source);
    const download = this.open.get(key);
    if (!download) return;
    if (event.type === 'progress') {
      const update = download.meter.update(event);
      if (update.logLine) source.log(update.logLine);
      this.report(download, { message: update.message, increment: update.increment });
    } else if (event.type === 'retry') {
      this.report(download, { message: `${event.file}: connection lost; retrying (attempt ${event.attempt})`, increment: 0 });
    } else if (event.type === 'done') {
      this.close(key);
    }
  }

  close(key: string): void {
    this.open.get(key)?.close();
    this.open.delete(key);
  }

  dispose(): void {
    for (const key of [...this.open.keys()]) this.close(key);
  }

  private show(key: string, plan: Extract<DownloadEvent, { type: 'plan' }>, source: DownloadSource): void {
    let close!: () => void;
    const finished = new Promise<void>((resolve) => {
      close = resolve;
    });
    const download: OpenDownload = { meter: new DownloadMeter(), queued: { message: 'starting…', increment: 0 }, close };
    this.open.set(key, download);
    const title = `Downloading ${repoLabel(plan)} (${formatBytes(plan.downloadBytes)})${source.purpose ? ` for ${source.purpose}` : ''}`;
    void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) => {
      download.progress = progress;
      progress.report(download.queued);
      token.onCancellationRequested(() => {
        if (this.open.get(key) !== download) return; // already over
        source.log(`Download of ${repoLabel(plan)} cancelled; the partial file is kept and the next download resumes it.`);
        source.cancel();
        this.close(key);
      });
      return finished;
    });
  }

  private report(download: OpenDownload, update: Report): void {
    if (download.progress) download.progress.report(update);
    else download.queued = { message: update.message, increment: download.queued.increment + update.increment };
  }
}
