// Coalesces a tree view's change notices so that only the rows that changed are redrawn, and at most
// once per interval. Redrawing the whole tree makes VS Code's extension host forget every row's
// element until the tree's children are fetched again: a context-menu command chosen meanwhile (Delete
// Prompt on a row while a run trains) arrives without its row, and asks which prompt instead. A row
// redrawn alone is swapped in one step. So the whole tree is redrawn only when the list itself
// changes (a row added or removed). No vscode import: unit-tested directly.

/** What to redraw: these rows, or (undefined) the whole tree. */
export type Redraw<K> = readonly K[] | undefined;

/** setTimeout/clearTimeout, injectable so tests can run the clock. */
export interface Timers {
  set(callback: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const REAL_TIMERS: Timers = {
  set: (callback, ms) => setTimeout(callback, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export class ChangeBatcher<K> {
  private readonly pending = new Set<K>();
  private whole = false;
  private timer: unknown;

  constructor(
    private readonly redraw: (what: Redraw<K>) => void,
    private readonly intervalMs: number,
    private readonly timers: Timers = REAL_TIMERS,
  ) {}

  /** Rows whose content changed: redrawn within the interval, or now (with all pending) when `now`. */
  rows(keys: readonly K[], now = false): void {
    keys.forEach((k) => this.pending.add(k));
    if (now) this.flush();
    else this.timer ??= this.timers.set(() => this.flush(), this.intervalMs);
  }

  /** Rows were added or removed: the whole tree is redrawn now. */
  list(): void {
    this.whole = true;
    this.flush();
  }

  flush(): void {
    if (this.timer !== undefined) this.timers.clear(this.timer);
    this.timer = undefined;
    if (!this.whole && this.pending.size === 0) return;
    const what: Redraw<K> = this.whole ? undefined : [...this.pending];
    this.whole = false;
    this.pending.clear();
    this.redraw(what);
  }

  dispose(): void {
    if (this.timer !== undefined) this.timers.clear(this.timer);
    this.timer = undefined;
    this.pending.clear();
  }
}
