// Writes a small keyword-detection task as JSON Lines for the demo: each line is
// {"text": "<sentence>", "label": "yes" | "no"}, "yes" exactly when the sentence contains one of
// KEYWORDS. Sentences come from a built-in word list; classes are balanced (they differ by at most
// one); the same --seed gives the same file.
//
//   npx tsx scripts/make-keyword-task.ts --out demo-output/keywords.jsonl --n 200 --seed 1
import { writeFileAtomic } from '../src/core/io/atomic';
import { Rng, shuffle } from '../src/core/rng';

const KEYWORDS = ['apple', 'guitar', 'rocket'];
// No word here contains a keyword, so "contains a keyword" is the same as "has a keyword word".
const DETERMINERS = ['the', 'a', 'my', 'our', 'this', 'that', 'every'];
const ADJECTIVES = ['quiet', 'green', 'old', 'small', 'bright', 'heavy', 'warm', 'lazy', 'quick', 'tiny', 'red', 'strange'];
const NOUNS = ['dog', 'table', 'river', 'window', 'teacher', 'garden', 'bottle', 'letter', 'train', 'cloud', 'pencil', 'chair', 'street', 'forest', 'kitchen', 'farmer'];
const VERBS = ['sees', 'finds', 'moves', 'likes', 'paints', 'carries', 'watches', 'follows', 'cleans', 'draws'];
const PREPOSITIONS = ['near', 'under', 'behind', 'beside', 'above'];

function pick<T>(items: readonly T[], rng: Rng): T {
  return items[rng.int(items.length)] as T;
}

function nounPhrase(noun: string, rng: Rng): string {
  // Half of the noun phrases get an adjective, so sentence lengths vary.
  return rng.next() < 0.5 ? `${pick(DETERMINERS, rng)} ${noun}` : `${pick(DETERMINERS, rng)} ${pick(ADJECTIVES, rng)} ${noun}`;
}

/** "<np> <verb> <np> <prep> <np>"; with a keyword, it takes one of the three noun slots. */
function sentence(withKeyword: boolean, rng: Rng): string {
  const nouns = [pick(NOUNS, rng), pick(NOUNS, rng), pick(NOUNS, rng)];
  if (withKeyword) nouns[rng.int(nouns.length)] = pick(KEYWORDS, rng);
  const [subject, object, place] = nouns.map((noun) => nounPhrase(noun, rng));
  return `${subject} ${pick(VERBS, rng)} ${object} ${pick(PREPOSITIONS, rng)} ${place}`;
}

function parseArgs(argv: readonly string[]): { out: string; n: number; seed: number } {
  const usage = 'usage: make-keyword-task --out <file.jsonl> [--n <count, default 200>] [--seed <integer, default 0>]';
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i] ?? '';
    const value = argv[i + 1];
    if (!['--out', '--n', '--seed'].includes(name) || value === undefined) throw new Error(`bad argument ${JSON.stringify(name)}\n${usage}`);
    values.set(name, value);
  }
  const out = values.get('--out');
  const n = Number(values.get('--n') ?? '200');
  const seed = Number(values.get('--seed') ?? '0');
  if (out === undefined) throw new Error(`--out is required\n${usage}`);
  if (!Number.isInteger(n) || n < 2) throw new Error(`--n must be an integer >= 2, got ${values.get('--n')}\n${usage}`);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got ${values.get('--seed')}\n${usage}`);
  return { out, n, seed };
}

function main(): void {
  const { out, n, seed } = parseArgs(process.argv.slice(2));
  const rng = new Rng(seed);
  const nYes = Math.ceil(n / 2);
  const labels = shuffle(
    Array.from({ length: n }, (_, i) => (i < nYes ? 'yes' : 'no')),
    rng,
  );
  const lines = labels.map((label) => JSON.stringify({ text: sentence(label === 'yes', rng), label }));
  writeFileAtomic(out, `${lines.join('\n')}\n`);
  console.log(`wrote ${n} examples (${nYes} yes, ${n - nYes} no; keywords ${KEYWORDS.join(', ')}) to ${out}`);
}

try {
  main();
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
