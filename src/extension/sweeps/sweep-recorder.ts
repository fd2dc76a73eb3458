// Keeps each VS Code sweep's sweep.json and sweep.svg up to date: rewritten whenever one of its runs
// finishes or stops. No vscode import.
import type { RunSummary } from '../../../webview/protocol';
import type { RunManager } from '../runs/run-manager';
import { recordSweep, sweepGroups } from './sweep-group';

const RECORDED: readonly RunSummary['status'][] = ['completed', 'stopped'];

export function recordSweeps(runs: Pick<RunManager, 'list' | 'onDidChange'>, log: (line: string) => void): { dispose(): void } {
  const statuses = new Map<string, RunSummary['status']>();
  return runs.onDidChange.on((run) => {
    const before = statuses.get(run.id);
    statuses.set(run.id, run.status);
    if (!run.sweep || before === run.status || !RECORDED.includes(run.status)) return;
    const group = sweepGroups(runs.list()).find((g) => g.id === run.sweep!.id);
    if (!group) return;
    try {
      recordSweep(group);
    } catch (err) {
      log(`Could not write ${group.dir}/sweep.json: ${err instanceof Error ? err.message : String(err)}`);
    }
  });
}
