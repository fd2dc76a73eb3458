// The host's side of the panel's requests: each message is checked, handled, and answered by
// exactly one reply with its id — the reply REPLY_TO names, or an error saying what failed (and
// which form field, when one is at fault). No vscode import: unit-tested directly.
import { SchemaError } from '../../core/schema';
import { ProtocolError, REPLY_TO, parseWebviewMessage, type Reply, type ReplyBody, type RequestType, type WebviewToHost } from '../../../webview/protocol';
import { ChoiceError } from '../setup/run-request';

/** One handler per request type; each returns its reply's body. */
export type RequestHandlers = { [T in RequestType]: (request: Extract<WebviewToHost, { type: T }>) => Promise<ReplyBody<T>> | ReplyBody<T> };

/** The form field a failure is about, when it is one. */
function fieldOf(err: unknown): string | undefined {
  if (err instanceof ChoiceError) return err.field;
  if (err instanceof SchemaError) return err.fields[0];
  return undefined;
}

/**
 * The reply to a message from the panel. Undefined only for a message that cannot be answered (no
 * readable id): it is logged.
 */
export async function answerRequest(raw: unknown, handlers: RequestHandlers, log: (line: string) => void): Promise<Reply | undefined> {
  let request: WebviewToHost;
  try {
    request = parseWebviewMessage(raw);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof ProtocolError && err.requestId !== undefined) return { type: 'error', id: err.requestId, message };
    log(`panel: ignored a malformed message: ${message}`);
    return undefined;
  }
  try {
    // The handler of this request's type: the lookup by its own type keeps the pair matched.
    const handle = handlers[request.type] as (request: WebviewToHost) => Promise<object> | object;
    const body = await handle(request);
    return { ...body, type: REPLY_TO[request.type], id: request.id } as Reply;
  } catch (err) {
    const field = fieldOf(err);
    return { type: 'error', id: request.id, message: err instanceof Error ? err.message : String(err), ...(field ? { field } : {}) };
  }
}
