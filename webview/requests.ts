// The panel's requests to the host: each gets an id, and its promise settles with the reply that
// carries the id — the reply REPLY_TO names, or a RequestError. No DOM here (unit-tested).
import { REPLY_TO, type HostToWebview, type Reply, type ReplyTo, type Request, type RequestType, type WebviewToHost } from './protocol';

/** The host could not carry out a request; `field` is the setup form's field at fault. */
export class RequestError extends Error {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

interface Pending {
  type: RequestType;
  resolve: (reply: Reply) => void;
  reject: (err: Error) => void;
}

export class RequestClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly post: (message: WebviewToHost) => void) {}

  send<R extends Request>(request: R): Promise<ReplyTo<R['type']>> {
    const id = this.nextId++;
    return new Promise<ReplyTo<R['type']>>((resolve, reject) => {
      // The reply's type is checked against REPLY_TO before resolve is called.
      this.pending.set(id, { type: request.type, resolve: resolve as (reply: Reply) => void, reject });
      this.post({ ...request, id } as WebviewToHost);
    });
  }

  /** Settles the request a reply answers. Returns false for a push (which answers none). */
  settle(message: HostToWebview): boolean {
    if (!('id' in message)) return false;
    const waiting = this.pending.get(message.id);
    // A reply to no request of this page (sent before the panel reloaded): nothing waits for it.
    if (!waiting) return true;
    this.pending.delete(message.id);
    if (message.type === 'error') waiting.reject(new RequestError(message.message, message.field));
    else if (message.type !== REPLY_TO[waiting.type]) waiting.reject(new RequestError(`The host answered "${waiting.type}" with "${message.type}".`));
    else waiting.resolve(message);
    return true;
  }
}
