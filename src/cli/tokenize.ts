// `prompt-tune tokenize --model <dir|spiece.model|org/name> [--json] "text"`: the ids T5 sees for a
// text (HF conventions, eos included) and SentencePiece's pieces beside them.
import { existsSync } from 'node:fs';
import { resolveModelDir } from '../core/session';
import { T5Tokenizer, escapeControlChars } from '../core/tokenizer';

export interface TokenizeArgs {
  /** Checkpoint folder (spiece.model or tokenizer.json), a spiece.model file, or a hub id (cached or downloaded, as every command takes it). */
  model: string;
  /** One JSON line `{"ids": [...], "pieces": [...]}` instead of a table. */
  json: boolean;
  text: string;
}

/**
 * Prints one `id<TAB>piece` row per token after a count line; pieces keep `▁` as the word boundary and
 * show control characters escaped. Unknown text keeps its surface form as the piece (id 2).
 */
export async function runTokenize(args: TokenizeArgs, out: (line: string) => void): Promise<void> {
  const tokenizer = await T5Tokenizer.load(existsSync(args.model) ? args.model : await resolveModelDir(args.model));
  const { ids, pieces } = tokenizer.tokenize(args.text);
  if (args.json) {
    out(JSON.stringify({ ids, pieces }));
    return;
  }
  out(`${ids.length} tokens (${args.model})`);
  const width = Math.max(...ids.map((id) => String(id).length));
  ids.forEach((id, i) => {
    const piece = id === tokenizer.unkId ? `${escapeControlChars(pieces[i])}  (unknown: <unk>)` : tokenizer.displayPiece(id);
    out(`${String(id).padStart(width)}\t${piece}`);
  });
}

