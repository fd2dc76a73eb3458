// `hf:org/name[:config][@revision][#split]`: what each part means, and the data settings refusing a
// malformed one with the part at fault named, before anything is downloaded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeHubDataset, hubDatasetProblem, isHubDataset, parseHubDataset } from '../../src/core/dataset-spec';
import { resolveRunSettings } from '../../src/core/settings/run-settings';

test('the parts of a hub dataset value', () => {
  assert.deepEqual(parseHubDataset('hf:nyu-mll/glue'), { repo: 'nyu-mll/glue', revision: 'main' });
  assert.deepEqual(parseHubDataset('hf:nyu-mll/glue:rte#validation'), { repo: 'nyu-mll/glue', config: 'rte', revision: 'main', split: 'validation' });
  assert.deepEqual(parseHubDataset('hf:imdb@refs/convert/parquet#test'), { repo: 'imdb', revision: 'refs/convert/parquet', split: 'test' });
  assert.deepEqual(parseHubDataset(' hf:org/name:plain_text@v1.0 '), { repo: 'org/name', config: 'plain_text', revision: 'v1.0' });
  assert.equal(describeHubDataset(parseHubDataset('hf:org/name:c@v2'), 'train'), 'hf:org/name:c@v2#train');
  assert.equal(isHubDataset('data/train.jsonl'), false);
  assert.equal(isHubDataset('hf:org/name'), true);
});

test('malformed values name the part at fault', () => {
  assert.match(hubDatasetProblem('hf:') ?? '', /the dataset id is missing/);
  assert.match(hubDatasetProblem('hf:org/na--me') ?? '', /"--" and "\.\." are not allowed/);
  assert.match(hubDatasetProblem('hf:a/b/c') ?? '', /dataset id "a\/b\/c" is not valid/);
  assert.match(hubDatasetProblem('hf:org/name:bad config') ?? '', /the config "bad config"/);
  assert.match(hubDatasetProblem('hf:org/name@../x') ?? '', /the revision "\.\.\/x"/);
  assert.match(hubDatasetProblem('hf:org/name#val-idation') ?? '', /the split "val-idation"/);
  assert.throws(() => parseHubDataset('hf:org/name#'), /is not a hub dataset \(hf:org\/name\[:config\]\[@revision\]\[#split\], e\.g\. hf:nyu-mll\/glue:rte#validation\): the split ""/);
});

test('--train and --valid take files and hub datasets, and refuse a malformed hf: value', () => {
  const base = { model: 'm', out: 'o' };
  assert.equal(resolveRunSettings({ ...base, train: 'hf:nyu-mll/glue:rte', valid: 'hf:nyu-mll/glue:rte#validation' }).train, 'hf:nyu-mll/glue:rte');
  assert.equal(resolveRunSettings({ ...base, train: 'data/train.parquet' }).train, 'data/train.parquet');
  assert.throws(() => resolveRunSettings({ ...base, train: 'hf:org/name:a b' }), /train.*is not a hub dataset.*the config "a b"/);
  assert.throws(() => resolveRunSettings({ ...base, train: 'x.csv', valid: 'hf:org/x#' }), /valid.*is not a hub dataset.*the split ""/);
});
