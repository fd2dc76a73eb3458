// A minimal typed event emitter for the host's vscode-free modules (the unit tests drive them directly).
type Listener<T extends unknown[]> = (...args: T) => void;

export class Emitter<T extends unknown[]> {
  private listeners = new Set<Listener<T>>();
  on(listener: Listener<T>): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }
  fire(...args: T): void {
    for (const l of [...this.listeners]) l(...args);
  }
}
