// HF T5's added tokens: the 100 sentinels <extra_id_N> live after the SentencePiece vocabulary, in
// reverse order (<extra_id_0> = vocabSize + 99), and HF matches them, like <pad>, </s> and <unk>,
// as literals in input text before SentencePiece sees the rest.

/** T5Tokenizer's default `extra_ids`. */
export const EXTRA_IDS = 100;

export function sentinelToken(n: number): string {
  return `<extra_id_${n}>`;
}

/** Id of `<extra_id_n>` for a SentencePiece vocabulary of `vocabSize` pieces. */
export function sentinelId(n: number, vocabSize: number): number {
  return vocabSize + EXTRA_IDS - 1 - n;
}

/** N of the sentinel with this id, or undefined if the id is not a sentinel. */
export function sentinelIndex(id: number, vocabSize: number): number | undefined {
  const n = vocabSize + EXTRA_IDS - 1 - id;
  return n >= 0 && n < EXTRA_IDS ? n : undefined;
}

/** A run of plain text for SentencePiece, or one special token matched as a literal. */
export type Segment = { text: string } | { id: number; literal: string };

// <extra_id_N> for N in 0..99 without leading zeros (the exact added-token strings), and the
// control literals. None is a prefix of another, so leftmost match = HF's trie match.
const SPECIAL_LITERAL = /<(?:extra_id_(0|[1-9]\d?)|\/s|pad|unk)>/g;

/**
 * Splits text on special-token literals as HF's slow T5Tokenizer (legacy mode, the T5 default) does;
 * each plain run is then encoded by SentencePiece on its own, so it gets its own dummy prefix.
 * `controlIds` maps '<pad>', '</s>', '<unk>' to their ids.
 */
export function splitOnSpecialTokens(
  text: string,
  vocabSize: number,
  controlIds: ReadonlyMap<string, number>,
): Segment[] {
  if (!text.includes('<')) return [{ text }];
  const segments: Segment[] = [];
  let start = 0;
  for (const m of text.matchAll(SPECIAL_LITERAL)) {
    const index = m.index ?? 0;
    const literal = m[0];
    const id = m[1] !== undefined ? sentinelId(Number(m[1]), vocabSize) : controlIds.get(literal);
    if (id === undefined) continue;
    if (index > start) segments.push({ text: text.slice(start, index) });
    segments.push({ id, literal });
    start = index + literal.length;
  }
  if (start < text.length) segments.push({ text: text.slice(start) });
  return segments;
}
