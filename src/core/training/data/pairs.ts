// Comma-separated `from=to` pairs, the syntax of verbalizers (`0=no,1=yes`) and label maps
// (`entailment=duplicate,...`): one parser, so both name the faulty entry the same way.
import { DataSpecError } from './errors';

export interface PairSyntax {
  /** The setting as the user wrote it, e.g. `verbalizer` or `--label-map`. */
  setting: string;
  /** What stands before and after "=", e.g. `label` and `word`. */
  from: string;
  to: string;
  example: string;
}

/** Parses `from=to` pairs in order; whitespace around either side is ignored, a `from` given twice is refused. */
export function parsePairs(source: string, syntax: PairSyntax): Map<string, string> {
  const fail = (message: string): never => {
    throw new DataSpecError(
      syntax.setting,
      `${message} in ${JSON.stringify(source)}; write ${syntax.from.replace(/ /g, '_')}=${syntax.to.replace(/ /g, '_')} pairs separated by commas, e.g. ${syntax.example}`,
    );
  };
  if (source.trim() === '') fail('empty');
  const pairs = new Map<string, string>();
  source.split(',').forEach((entry, index) => {
    const n = index + 1;
    if (entry.trim() === '') fail(`entry ${n} is empty`);
    const eq = entry.indexOf('=');
    if (eq < 0) fail(`entry ${n} ${JSON.stringify(entry.trim())} has no "="`);
    const from = entry.slice(0, eq).trim();
    const to = entry.slice(eq + 1).trim();
    if (from === '') fail(`entry ${n} ${JSON.stringify(entry.trim())} has no ${syntax.from} before "="`);
    if (to === '') fail(`entry ${n} ${JSON.stringify(entry.trim())} has no ${syntax.to} after "="`);
    if (pairs.has(from)) fail(`${syntax.from} ${JSON.stringify(from)} is given twice (entry ${n})`);
    pairs.set(from, to);
  });
  return pairs;
}
