// The worker's messages to the host. IPC sends asynchronously: a process that exits right after
// process.send can lose the message, so the worker waits for every message to be handed over first.
import type { WorkerToHost } from './protocol';

/** Hands a message to the channel and calls `delivered` once it left; false when there is no channel. */
export type Transport = (message: WorkerToHost, delivered: () => void) => boolean;

export class Outbox {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly transport: Transport) {}

  send(message: WorkerToHost): Promise<void> {
    const delivery = new Promise<void>((resolve) => {
      if (!this.transport(message, resolve)) resolve();
    });
    this.inFlight.add(delivery);
    void delivery.then(() => this.inFlight.delete(delivery));
    return delivery;
  }

  /** Resolves once every message sent so far has been delivered. */
  async flush(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }
}

/** The forked process's IPC channel to the host. */
export const processTransport: Transport = (message, delivered) => {
  if (!process.send || !process.connected) return false;
  process.send(message, undefined, {}, () => delivered());
  return true;
};
