// How busy the machine is, measured as the peer (shared/bench/peft_baseline.py) measures it: CPU
// cores busy machine-wide from /proc/stat, minus this process's own CPU time. Linux only; elsewhere
// the figures are missing (undefined) and nothing waits.
import { readFileSync } from 'node:fs';

/** /proc/stat counts in USER_HZ ticks, 100 per second on every Linux architecture we run on. */
const TICKS_PER_S = 100;

/** Busy CPU seconds of the whole machine (all cores) since boot, or undefined without /proc/stat. */
export function machineBusySeconds(): number | undefined {
  try {
    const v = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1, 9).map(Number);
    const idle = v[3] + (v[4] ?? 0); // idle + iowait
    return (v.reduce((a, b) => a + b, 0) - idle) / TICKS_PER_S; // user nice system idle iowait irq softirq steal
  } catch {
    return undefined;
  }
}

/** The CPU's model name (Linux), for the table's header. */
export function cpuModel(): string | undefined {
  try {
    return readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.+)$/m)?.[1].trim();
  } catch {
    return undefined;
  }
}

/** CPU seconds this process has used (all its threads). */
export function selfCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

export interface CpuLoad {
  /** Cores this process kept busy over the window. */
  cpu_cores_self: number;
  /** Cores the rest of the machine kept busy over the window (other jobs): 0 on a quiet machine. */
  cpu_cores_other: number | null;
  cpu_s_self: number;
}

/** Starts a wall-clock window; the returned function ends it and says who kept the CPUs busy. */
export function cpuWindow(): () => CpuLoad {
  const w0 = performance.now();
  const s0 = selfCpuSeconds();
  const m0 = machineBusySeconds();
  return () => {
    const wall = (performance.now() - w0) / 1000;
    const self = selfCpuSeconds() - s0;
    const m1 = machineBusySeconds();
    const other = m0 === undefined || m1 === undefined ? null : round(Math.max(0, (m1 - m0 - self) / wall), 2);
    return { cpu_cores_self: round(self / wall, 2), cpu_cores_other: other, cpu_s_self: round(self, 3) };
  };
}

export interface QuietWait {
  waited_s: number;
  /** Cores busy machine-wide over the last 2 s before the row started. */
  cores_busy_before: number;
  /** False when the limit ran out before the machine got quiet. */
  quiet: boolean;
}

/**
 * Waits until the machine (this process is idle meanwhile) uses fewer than `threshold` cores over a
 * 2 s window, for at most `limitS` seconds, as the peer's suite does before each row.
 */
export async function waitQuiet(limitS: number, threshold = 0.25): Promise<QuietWait | undefined> {
  if (limitS <= 0) return undefined;
  const t0 = performance.now();
  for (;;) {
    const b0 = machineBusySeconds();
    const w0 = performance.now();
    await new Promise((r) => setTimeout(r, 2000));
    const b1 = machineBusySeconds();
    if (b0 === undefined || b1 === undefined) return undefined;
    const busy = (b1 - b0) / ((performance.now() - w0) / 1000);
    const waited = (performance.now() - t0) / 1000;
    if (busy < threshold || waited > limitS) {
      return { waited_s: round(waited, 1), cores_busy_before: round(busy, 2), quiet: busy < threshold };
    }
  }
}

export function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
