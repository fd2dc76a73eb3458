// Import PEFT Prompt's choices: the folder the prompt goes to and the model first offered.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adapterModel, importedPromptFolder } from '../../src/extension/prompts/import-peft';

const root = mkdtempSync(join(tmpdir(), 'pt-import-peft-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('an imported prompt goes to <outputFolder>/imported/, named after its job or adapter folder, never over another', () => {
  assert.equal(importedPromptFolder(root, '.prompts', join(root, 'jobs', 'sst2-job', 'output', 'prompt')), join(root, '.prompts', 'imported', 'sst2-job-1'));
  assert.equal(importedPromptFolder(root, '/abs/out', '/data/my adapter'), join('/abs/out', 'imported', 'my-adapter-1'));
  mkdirSync(join(root, '.prompts', 'imported', 'sst2-job-1'), { recursive: true });
  assert.equal(importedPromptFolder(root, '.prompts', join(root, 'jobs', 'sst2-job', 'output', 'prompt')), join(root, '.prompts', 'imported', 'sst2-job-2'));
});

test('the model first offered is the one the adapter names (PEFT\'s base_model_name_or_path), else the default', () => {
  const adapter = join(root, 'adapter');
  mkdirSync(adapter);
  assert.equal(adapterModel(adapter, 'google/t5-base-lm-adapt'), 'google/t5-base-lm-adapt');
  writeFileSync(join(adapter, 'adapter_config.json'), JSON.stringify({ peft_type: 'PROMPT_TUNING', base_model_name_or_path: '/models/flan-t5-small', num_virtual_tokens: 20, token_dim: 512 }));
  assert.equal(adapterModel(adapter, 'google/t5-base-lm-adapt'), '/models/flan-t5-small');
});
