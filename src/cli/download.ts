// `prompt-tune download org/name[@revision]`: fetches a T5 checkpoint into the huggingface_hub cache
// (or finds it there) and prints its snapshot folder last. Progress goes to `out` as readable lines,
// or as one JSON event per line with --json (the last one is {"type":"done","dir":...}).
import { resolveModel, formatBytes, type DownloadEvent, type Env } from '../core/hub';

export interface DownloadArgs {
  spec: string;
  json: boolean;
}

export interface DownloadRunOptions {
  /** Abort (e.g. on Ctrl+C): the partial file is kept and the next run resumes it. */
  signal?: AbortSignal;
  env?: Env;
}

const LINE_INTERVAL_MS = 1000;

function formatSeconds(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '--';
  if (s < 60) return `${Math.ceil(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.ceil(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function describe(event: DownloadEvent): string | undefined {
  switch (event.type) {
    case 'cache-hit':
      return `Using ${event.repo}@${event.revision} from the cache (commit ${event.commit.slice(0, 10)}).`;
    case 'plan': {
      const fetch = event.files.filter((f) => !f.cached);
      const cached = event.files.length - fetch.length;
      return fetch.length === 0
        ? `${event.repo}@${event.revision} (commit ${event.commit.slice(0, 10)}): all ${event.files.length} files are in the cache.`
        : `${event.repo}@${event.revision} (commit ${event.commit.slice(0, 10)}): downloading ${fetch.length} file(s), ${formatBytes(event.downloadBytes)}` +
            (cached > 0 ? ` (${cached} already cached).` : '.');
    }
    case 'file-start':
      return event.resumeFrom > 0
        ? `  ${event.file}: resuming at ${formatBytes(event.resumeFrom)}${event.size !== null ? ` of ${formatBytes(event.size)}` : ''}`
        : `  ${event.file}${event.size !== null ? ` (${formatBytes(event.size)})` : ''}`;
    case 'progress': {
      const pct = event.totalBytes > 0 ? `${Math.floor((100 * event.bytes) / event.totalBytes)}%`.padStart(4) : '';
      return `  ${pct} ${formatBytes(event.bytes)} / ${formatBytes(event.totalBytes)}  ${formatBytes(event.bytesPerSecond)}/s  ETA ${formatSeconds(event.etaSeconds)}  (${event.file})`;
    }
    case 'retry':
      return `  ${event.file}: connection lost (${event.reason}); retry ${event.attempt} from ${formatBytes(event.resumeFrom)}`;
    case 'file-done':
      return event.cached ? undefined : `  ${event.file}: done`;
    case 'note':
      return event.message;
    case 'done':
      return undefined;
  }
}

export async function runDownload(args: DownloadArgs, out: (line: string) => void, opts: DownloadRunOptions = {}): Promise<void> {
  let lastProgress = 0;
  const onEvent = (event: DownloadEvent) => {
    if (event.type === 'progress') {
      const now = Date.now();
      const last = event.bytes >= event.totalBytes;
      if (!last && now - lastProgress < (args.json ? LINE_INTERVAL_MS / 4 : LINE_INTERVAL_MS)) return;
      lastProgress = now;
    }
    if (args.json) out(JSON.stringify(event));
    else {
      const line = describe(event);
      if (line !== undefined) out(line);
    }
  };
  const resolved = await resolveModel(args.spec, { onEvent, signal: opts.signal, env: opts.env, refresh: true });
  if (resolved.repo === undefined) {
    // A local folder: nothing to download.
    if (args.json) out(JSON.stringify({ type: 'done', dir: resolved.dir, fromCache: false, local: true }));
    else out(resolved.dir);
    return;
  }
  if (!args.json) out(resolved.dir);
}
