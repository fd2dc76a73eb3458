// Measures T5Tokenizer.encode throughput on ~1 MB of text (target: ≥ 500,000 tokens/s on this machine).
// Usage: npx tsx scripts/bench-tokenizer.ts [--model <dir|spiece.model>] [--text <file>] [--runs N]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { T5Tokenizer } from '../src/core/tokenizer';
import { SHARED_DIR } from '../test/support/shared';

const TARGET_CHARS = 1_000_000;

/** English prose from the paper notes plus the golden strings (many scripts, code, numbers), repeated. */
function defaultText(): string {
  const paper = readFileSync(join(SHARED_DIR, 'docs', 'PAPER.md'), 'utf8');
  const golden = JSON.parse(readFileSync(join(SHARED_DIR, 'fixtures', 't5-spiece', 'golden.json'), 'utf8')) as {
    cases: { text: string }[];
  };
  const block = `${paper}\n${golden.cases.map((c) => c.text).join('\n')}\n`;
  return block.repeat(Math.ceil(TARGET_CHARS / block.length)).slice(0, TARGET_CHARS);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string', default: join(SHARED_DIR, 'fixtures', 't5-spiece') },
      text: { type: 'string' },
      runs: { type: 'string', default: '5' },
    },
  });
  const t0 = performance.now();
  const tokenizer = await T5Tokenizer.load(values.model);
  console.log(`load: ${(performance.now() - t0).toFixed(0)} ms (${values.model})`);
  const text = values.text ? readFileSync(values.text, 'utf8') : defaultText();
  const bytes = Buffer.byteLength(text, 'utf8');
  tokenizer.encode(text.slice(0, 10_000)); // warm-up
  const rates: number[] = [];
  let tokens = 0;
  for (let run = 0; run < Number(values.runs); run++) {
    const start = performance.now();
    tokens = tokenizer.encode(text).length;
    const seconds = (performance.now() - start) / 1000;
    rates.push(tokens / seconds);
    console.log(`run ${run + 1}: ${tokens} tokens in ${(seconds * 1000).toFixed(0)} ms = ${Math.round(tokens / seconds)} tokens/s`);
  }
  rates.sort((a, b) => a - b);
  const median = rates[Math.floor(rates.length / 2)];
  console.log(`text: ${text.length} chars, ${bytes} bytes UTF-8, ${tokens} tokens`);
  console.log(`median: ${Math.round(median)} tokens/s, best: ${Math.round(rates[rates.length - 1])} tokens/s`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
