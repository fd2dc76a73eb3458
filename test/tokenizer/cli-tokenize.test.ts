// `prompt-tune tokenize` output, checked against golden.json.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname } from 'node:path';
import { runTokenize } from '../../src/cli/tokenize';
import { SKIP_NO_SHARED } from '../support/shared';
import { readDefaultGolden } from './golden-file';

async function run(model: string, json: boolean, text: string): Promise<string[]> {
  const lines: string[] = [];
  await runTokenize({ model, json, text }, (line) => lines.push(line));
  return lines;
}

describe('prompt-tune tokenize', { skip: SKIP_NO_SHARED }, () => {
  test('--json prints ids (eos included) and pieces, from a folder or the spiece.model file', async () => {
    const golden = readDefaultGolden();
    for (const name of ['translate_de', 'accents_fr', 'control_chars']) {
      const c = golden.cases.find((k) => k.name === name);
      assert.ok(c?.hf_input_ids);
      const expected = { ids: c.hf_input_ids, pieces: [...c.pieces, golden.conventions.eos.token] };
      for (const model of [golden.modelPath, dirname(golden.modelPath)]) {
        const lines = await run(model, true, c.text);
        assert.equal(lines.length, 1);
        assert.deepEqual(JSON.parse(lines[0]), expected);
      }
    }
  });

  test('the table shows one id and visible piece per token', async () => {
    const golden = readDefaultGolden();
    const c = golden.cases.find((k) => k.name === 'control_chars'); // "bell\u0007and\u0000null", unk at 2
    assert.ok(c?.hf_input_ids);
    const lines = await run(golden.modelPath, false, c.text);
    assert.match(lines[0], new RegExp(`^${c.hf_input_ids.length} tokens`));
    const rows = lines.slice(1).map((l) => l.split('\t'));
    assert.deepEqual(rows.map((r) => Number(r[0])), c.hf_input_ids);
    assert.equal(rows[0][1], c.pieces[0]);
    assert.equal(rows[c.unk_positions[0]][1], '\\u0000  (unknown: <unk>)');
    assert.equal(rows[rows.length - 1][1], golden.conventions.eos.token);
  });

  test('a bad --model path is reported', async () => {
    await assert.rejects(run('/nonexistent/t5', true, 'x'), /\/nonexistent\/t5: no such folder\. Give the path of a folder with config\.json/);
  });
});
