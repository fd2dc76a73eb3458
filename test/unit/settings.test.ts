// One schema for a run's settings, and everything derived from it: the defaults, the CLI's flags and
// --help, the setup form, the VS Code settings (package.json must say what the schema says), and
// what each of them does with a value that does not fit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RUN_SETTINGS, SETTING_NAMES, resolveRunSettings, settingFromText, specOf } from '../../src/core/settings/run-settings';
import { FORM_FIELDS, formValues, settingsFromForm } from '../../src/core/settings/form';
import { DEFAULTS } from '../../src/core/training/options';
import { configurationProperties, readTunerSettings } from '../../src/extension/configuration';
import { runSettings, settingFlag, settingsHelp, SETTING_OPTIONS, UsageError } from '../../src/cli/run-options';
import { REPO_ROOT } from '../support/shared';

const required = { model: '/m', train: '/d.jsonl', out: '/o' };

test('package.json declares exactly the VS Code settings the schema defines', () => {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
    contributes: { configuration: { properties: Record<string, unknown> } };
    capabilities: { untrustedWorkspaces: { restrictedConfigurations: string[] } };
  };
  const declared = pkg.contributes.configuration.properties;
  const expected = configurationProperties();
  for (const key of new Set([...Object.keys(declared), ...Object.keys(expected)])) {
    assert.deepEqual(declared[key], expected[key], `package.json contributes.configuration.properties["${key}"] should be:\n${JSON.stringify(expected[key], null, 2)}`);
  }
  assert.deepEqual(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations, Object.keys(expected), 'every setting is restricted in untrusted workspaces');
});

test('the schema: the paper\'s defaults, a checkpoint at each evaluation, and a check that may run twice', () => {
  const s = resolveRunSettings(required);
  assert.deepEqual(
    { promptLength: s.promptLength, init: s.init, optimizer: s.optimizer, batchSize: s.batchSize, steps: s.steps, evalEvery: s.evalEvery, checkpointEvery: s.checkpointEvery, metric: s.metric, microBatch: s.microBatch, backend: s.backend, precision: s.precision },
    { promptLength: 20, init: { kind: 'class-labels' }, optimizer: 'adafactor', batchSize: 32, steps: 1000, evalEvery: 100, checkpointEvery: 100, metric: 'rank', microBatch: 'auto', backend: 'auto', precision: 'fp32' },
  );
  assert.equal(resolveRunSettings({ ...required, evalEvery: 7 }).checkpointEvery, 7);
  assert.equal(resolveRunSettings({ ...required, evalEvery: 7, checkpointEvery: 3 }).checkpointEvery, 3);
  assert.deepEqual(resolveRunSettings(s), s, 'checking a checked run changes nothing (host, worker and trainer each check)');
  assert.equal(DEFAULTS.batchSize, 32);
  assert.deepEqual(resolveRunSettings({ ...required, init: 'text:"Is it about fruit?"' }).init, { kind: 'text', text: 'Is it about fruit?' });
  assert.deepEqual(settingFromText('labels', 'no, yes'), ['no', 'yes']);
  assert.equal(settingFromText('lr', '1e-3'), 0.001);
  assert.equal(settingFromText('microBatch', 'auto'), 'auto');
  assert.equal(settingFromText('microBatch', '4'), 4);
  assert.equal(settingFromText('model', '123'), '123', 'text settings stay text');
  assert.throws(() => resolveRunSettings({ ...required, init: 'text:' }), /"init" is not a prompt initialisation \(text:"\.\.\." needs a phrase/);
});

test('the CLI: a flag per setting, named in errors as typed; --help says every setting\'s default and range', () => {
  assert.deepEqual(Object.keys(SETTING_OPTIONS).length, SETTING_NAMES.length);
  assert.deepEqual(SETTING_OPTIONS['skip-invalid'], { type: 'boolean' });
  assert.deepEqual(SETTING_OPTIONS['prompt-length'], { type: 'string' });
  const s = runSettings({ model: '/m', train: '/d.jsonl', out: '/o', 'prompt-length': '5', labels: 'no,yes', 'micro-batch': '2', 'skip-invalid': true });
  assert.deepEqual([s.promptLength, s.labels, s.microBatch, s.skipInvalid], [5, ['no', 'yes'], 2, true]);
  assert.throws(() => runSettings({ model: '/m', train: '/d.jsonl', out: '/o', steps: '0', optimizer: 'sgd' }), (err: Error) => {
    assert.ok(err instanceof UsageError);
    assert.equal(err.message, '--optimizer must be one of adafactor, adam (got "sgd"); --steps must be at least 1 (got 0)');
    return true;
  });
  assert.throws(() => runSettings({ train: '/d.jsonl' }), /^Error: --model is required; --out is required$/);
  const saved = process.env.PROMPT_TUNER_BACKEND;
  process.env.PROMPT_TUNER_BACKEND = 'tpu';
  try {
    assert.throws(() => settingFlag({}, 'backend'), /PROMPT_TUNER_BACKEND must be one of auto, node-gpu, webgpu, node, wasm, cpu \(got "tpu"\)/);
    assert.equal(settingFlag({ backend: 'cpu' }, 'backend'), 'cpu', 'the flag wins over the environment');
  } finally {
    if (saved === undefined) delete process.env.PROMPT_TUNER_BACKEND;
    else process.env.PROMPT_TUNER_BACKEND = saved;
  }
  assert.equal(settingFlag({}, 'labels'), undefined);
  const help = settingsHelp().join('\n').replace(/\s+/g, ' ');
  for (const name of SETTING_NAMES) assert.match(help, new RegExp(`--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}\\b`));
  assert.match(help, /--prompt-length N Soft prompt tokens: [^(]*\(default 20; 1-512\)/);
  assert.match(help, /--checkpoint-every N Write a resumable checkpoint every N steps; default: at each evaluation\. \(>= 1\)/);
  assert.match(help, /--backend NAME The TensorFlow\.js backend: .*?\(default auto; or PROMPT_TUNER_BACKEND\) --precision/);
});

test('VS Code settings: each value is checked; a bad one is named and the default used instead', () => {
  const values: Record<string, unknown> = { model: 'org/name', promptLength: 0, optimizer: 'adam', learningRate: -1, batchSize: 8, init: 'bogus', npmPath: ' /usr/bin/npm ' };
  const settings = readTunerSettings((key) => values[key]);
  assert.deepEqual(settings.run, { model: 'org/name', backend: 'auto', promptLength: 20, init: { kind: 'class-labels' }, optimizer: 'adam', lr: undefined, batchSize: 8, steps: 1000, evalEvery: 100 });
  assert.equal(settings.outputFolder, '.prompts');
  assert.equal(settings.npmPath, '/usr/bin/npm');
  assert.deepEqual(settings.problems, [
    'promptTuner.promptLength must be at least 1 (got 0); using 20.',
    'promptTuner.init is not a prompt initialisation ("bogus" is not known: use random-uniform, sampled-vocab, class-labels, text:"..." or file:<path>); using "class-labels".',
    'promptTuner.learningRate must be more than 0 (got -1); using the engine\'s default.',
  ]);
  assert.deepEqual(readTunerSettings(() => undefined).problems, []);
});

test('the setup form: its fields, kinds and choices come from the schema; its text reads back as the CLI\'s', () => {
  const field = (name: string) => FORM_FIELDS.find((f) => f.name === name);
  assert.deepEqual(FORM_FIELDS.map((f) => f.name), SETTING_NAMES.filter((n) => specOf(n).form));
  assert.deepEqual(field('optimizer')?.choices, ['adafactor', 'adam']);
  assert.deepEqual(field('init')?.choices, RUN_SETTINGS.init.form.choices);
  assert.equal(field('steps')?.kind, 'number');
  assert.equal(field('steps')?.placeholder, '1000');
  assert.equal(field('labels')?.kind, 'list');
  assert.deepEqual(settingsFromForm({ steps: '50', labels: 'no, yes', lr: '', template: '  ' }), { steps: 50, labels: ['no', 'yes'] }, 'empty fields take the defaults');
  const text = formValues(resolveRunSettings({ ...required, labels: ['no', 'yes'], init: 'text:fruit', lr: 0.3 }));
  assert.deepEqual([text.labels, text.init, text.lr, text.steps, text.valid], ['no, yes', 'text:fruit', '0.3', '1000', '']);
  const back = resolveRunSettings({ ...required, ...settingsFromForm(text) });
  assert.deepEqual(back, resolveRunSettings({ ...required, labels: ['no', 'yes'], init: 'text:fruit', lr: 0.3 }), 'the form\'s text of a run reads back as the same run');
});
