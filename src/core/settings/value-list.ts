// A list of values as users type it after a flag (prompt-tune sweep --init 'class-labels,text:"Is it, or not"'):
// separated by commas; a comma inside double quotes, or written \, belongs to its value. The quotes
// stay in the value (parseInit takes text:"..." with its quotes); each value is trimmed.

export class ValueListError extends Error {}

const HOW = 'separate values with single commas (a,b); a comma that belongs to a value goes inside double quotes (text:"a, b") or is written \\,';

export function splitValueList(raw: string, flag: string): string[] {
  const values: string[] = [];
  let value = '';
  let openQuote: number | undefined; // where the open double quote is
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (openQuote === undefined && c === '\\' && raw[i + 1] === ',') {
      value += ',';
      i++;
    } else if (openQuote === undefined && c === ',') {
      values.push(value);
      value = '';
    } else {
      if (c === '"') openQuote = openQuote === undefined ? i : undefined;
      value += c;
    }
  }
  if (openQuote !== undefined) {
    throw new ValueListError(`${flag}: the double quote at character ${openQuote + 1} of ${JSON.stringify(raw)} is never closed; close it, or ${HOW}.`);
  }
  values.push(value);
  const trimmed = values.map((v) => v.trim());
  const empty = trimmed.indexOf('');
  if (empty >= 0) throw new ValueListError(`${flag}: value ${empty + 1} of ${JSON.stringify(raw)} is empty; ${HOW}.`);
  return trimmed;
}
