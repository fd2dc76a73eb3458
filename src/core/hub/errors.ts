// Every failure of the hub client is a HubError with a code the UI can branch on and a message that
// says what happened and what to do. Messages never contain the HF_TOKEN value.

export type HubErrorCode =
  | 'bad-endpoint' // HF_ENDPOINT is not a URL the token may go to (plain http to another host, credentials in it)
  | 'bad-spec' // the model spec is neither an existing folder nor org/name[@revision]
  | 'repo-not-found' // no such repo, or private/gated without a valid token
  | 'revision-not-found'
  | 'file-not-found'
  | 'unauthorized' // 401: token missing or invalid
  | 'gated' // gated repo: accept the license and set HF_TOKEN
  | 'forbidden' // 403
  | 'no-weights' // the repo has no weights this engine reads
  | 'network' // ECONNREFUSED, ENOTFOUND, timeouts...
  | 'offline' // HF_HUB_OFFLINE=1 and the model is not in the cache
  | 'checksum' // downloaded bytes do not match the hub's hash or size
  | 'too-large' // a dataset split larger than training reads
  | 'cancelled'
  | 'http' // any other HTTP failure (5xx, 429, ...)
  | 'bad-response'; // the server does not answer like a Hugging Face hub

export class HubError extends Error {
  constructor(
    readonly code: HubErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'HubError';
  }
}

/** Removes a secret from a message that may echo foreign text (a server's error body, a URL). */
export function redact(message: string, secret: string | undefined): string {
  return secret ? message.split(secret).join('***') : message;
}
