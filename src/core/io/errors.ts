// The one error type of every file reader (checkpoints, configs, tokenizers, prompts, data): a
// hostile or damaged file must end in an error that names it and says what to do, never in a
// TypeError, a RangeError from a Buffer read or an abort inside a library.

/** A file that cannot be used as it is. The message always names the file. */
export class FileFormatError extends Error {
  /** `message` should say where in the file and what to do; the file is put in front when it does not name it. */
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(message.includes(file) ? message : `${file}: ${message}`);
    this.name = new.target.name;
  }
}

/**
 * A value read from a file, for a message: short (long strings and lists are cut) and safe at any
 * nesting depth, where JSON.stringify would overflow the stack on a hostile file.
 */
export function quote(value: unknown, max = 80): string {
  const text = render(value, 3);
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

function render(v: unknown, depth: number): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 100 ? `${v.slice(0, 100)}...` : v);
  if (typeof v === 'bigint') return `${v}`;
  if (v === null || typeof v !== 'object') return String(v);
  if (depth === 0) return Array.isArray(v) ? '[...]' : '{...}';
  if (Array.isArray(v)) return `[${v.slice(0, 8).map((x) => render(x, depth - 1)).join(',')}${v.length > 8 ? ',...' : ''}]`;
  const entries = Object.entries(v);
  const shown = entries.slice(0, 8).map(([k, x]) => `${JSON.stringify(k.slice(0, 100))}:${render(x, depth - 1)}`);
  return `{${shown.join(',')}${entries.length > 8 ? ',...' : ''}}`;
}
