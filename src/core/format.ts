// Short human-readable numbers shared by the CLI, the extension host and the webview (no imports, so
// every bundle can take it).

/** 75 -> "1m 15s", 4000 -> "1h 06m"; `unknown` for a missing, infinite or negative value. */
export function formatDuration(seconds: number | null | undefined, unknown = '?'): string {
  if (seconds === undefined || seconds === null || !Number.isFinite(seconds) || seconds < 0) return unknown;
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** 0.934 -> "93.4%"; `unknown` when there is no value. */
export function formatPercent(value: number | undefined, unknown = ''): string {
  return value === undefined ? unknown : `${(value * 100).toFixed(1)}%`;
}
