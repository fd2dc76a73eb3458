// Verbalizers such as `0=no,1=yes`: map the label values found in a data file to the target words the
// model learns to generate (the paper's class labels are words, e.g. "entailment", "yes").
import { DataError, DataSpecError, OR_SKIP, type DataLocation } from './errors';

export interface Verbalizer {
  source: string;
  /** Raw label → target word, in the order written. */
  words: Map<string, string>;
}

/** Parses comma-separated `label=word` pairs; whitespace around labels and words is ignored. */
export function parseVerbalizer(source: string): Verbalizer {
  const fail = (message: string): never => {
    throw new DataSpecError(
      'verbalizer',
      `${message} in ${JSON.stringify(source)}; write label=word pairs separated by commas, e.g. 0=no,1=yes`,
    );
  };
  if (source.trim() === '') fail('empty');
  const words = new Map<string, string>();
  source.split(',').forEach((entry, index) => {
    const n = index + 1;
    if (entry.trim() === '') fail(`entry ${n} is empty`);
    const eq = entry.indexOf('=');
    if (eq < 0) fail(`entry ${n} ${JSON.stringify(entry.trim())} has no "="`);
    const label = entry.slice(0, eq).trim();
    const word = entry.slice(eq + 1).trim();
    if (label === '') fail(`entry ${n} ${JSON.stringify(entry.trim())} has no label before "="`);
    if (word === '') fail(`entry ${n} ${JSON.stringify(entry.trim())} has no word after "="`);
    if (words.has(label)) fail(`label ${JSON.stringify(label)} is given twice`);
    words.set(label, word);
  });
  return { source, words };
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
