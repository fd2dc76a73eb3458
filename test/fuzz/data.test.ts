// Fuzz: data files as the trainer reads them (JSON Lines, CSV, TSV), with the data settings users
// give (fields, a template, a verbalizer, labels, skipInvalid).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadExamples, type DataSpec } from '../../src/core/training/data/dataset';
import { fuzzParser, type Mutator } from './harness';
import { scratch } from './fixtures';

const dir = scratch('data');

const SEEDS: Record<'jsonl' | 'csv' | 'tsv', string[]> = {
  jsonl: [
    '{"text": "the dog sees an apple", "label": "yes"}\n{"text": "a cat", "label": "no"}\n\n{"text": "x", "label": 1, "extra": [1, 2]}\n',
    '\uFEFF{"premise": "p1", "hypothesis": "h1", "label": 0}\r\n{"premise": "p2", "hypothesis": "h2", "label": 1}\r\n',
  ],
  csv: ['text,label\n"a, quoted ""field""",yes\nplain,no\n"multi\nline",yes\n', 'premise,hypothesis,label\r\np1,h1,0\r\np2,"h,2",1\r\n,,\r\n'],
  tsv: ['text\tlabel\na\tyes\n"b\tc"\tno\n', '\uFEFFpremise\thypothesis\tlabel\np\th\t1\n'],
};

const SPECS: DataSpec[] = [
  {},
  { skipInvalid: true },
  { template: 'premise: {premise} hypothesis: {hypothesis}', verbalizer: '0=entailment,1=not_entailment', skipInvalid: true },
  { inputField: 'text', targetField: 'label', labels: ['yes', 'no'] },
  { template: '{text} {text}', skipInvalid: true },
];

/** Text mutations that matter to these formats: quotes, separators, line ends, a BOM, bad UTF-8, long runs. */
function mutateText(m: Mutator, text: string): Buffer {
  if (m.chance(0.4)) return m.mutateBytes(Buffer.from(text));
  let t = text;
  for (let r = 1 + m.int(4); r > 0; r--) {
    const at = m.int(t.length + 1);
    const insert = m.pick(['"', '""', ',', '\t', '\n', '\r', '\r\n', '\uFEFF', '{', '}', '[', ']', ':', '\\', '\u0000', '\uD800', 'é', 'x'.repeat(m.int(2000)), '\n'.repeat(m.int(50))]);
    t = m.chance(0.2) ? t + t.slice(0, at) : t.slice(0, at) + insert + t.slice(at);
  }
  const bytes = Buffer.from(t);
  return m.chance(0.1) ? Buffer.concat([bytes, Buffer.from([0xff, 0xfe, 0xc3])]) : bytes;
}

for (const format of ['jsonl', 'csv', 'tsv'] as const) {
  fuzzParser(format.toUpperCase(), {
    defaultCases: 800,
    makeCase: (m, i) => {
      const bytes = mutateText(m, m.pick(SEEDS[format]));
      const file = join(dir, `case-${i % 4}.${format}`);
      writeFileSync(file, bytes);
      const spec = m.pick(SPECS);
      return { file, inputBytes: bytes.length, run: () => loadExamples(file, spec) };
    },
  });
}
