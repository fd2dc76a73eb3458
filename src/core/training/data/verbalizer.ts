// Verbalizers such as `0=no,1=yes`: map the label values found in a data file to the target words the
// model learns to generate (the paper's class labels are words, e.g. "entailment", "yes").
import { DataError, OR_SKIP, type DataLocation } from './errors';
import { parsePairs } from './pairs';

export interface Verbalizer {
  source: string;
  /** Raw label → target word, in the order written. */
  words: Map<string, string>;
}

/** Parses comma-separated `label=word` pairs; whitespace around labels and words is ignored. */
export function parseVerbalizer(source: string): Verbalizer {
  return { source, words: parsePairs(source, { setting: 'verbalizer', from: 'label', to: 'word', example: '0=no,1=yes' }) };
}

/** The target word for `label`; a label the verbalizer does not know is a DataError at `where`. */
export function verbalize(verbalizer: Verbalizer, label: string, where: DataLocation): string {
  const word = verbalizer.words.get(label);
  if (word === undefined) {
    const known = [...verbalizer.words.keys()].map((k) => JSON.stringify(k)).join(', ');
    throw new DataError(
      where,
      `unknown label ${JSON.stringify(label)} (the verbalizer knows ${known})`,
      `Add it to the verbalizer (e.g. "${verbalizer.source},${label}=<word>"), fix the line, ${OR_SKIP}`,
    );
  }
  return word;
}
