// loadT5(dir): config.json + weights of an HF T5 checkpoint folder -> a ready T5Model.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError, parseT5Config } from './config';
import { T5Model } from './model';
import { loadWeights } from './weights';

export interface LoadT5Options {
  /** Called with non-fatal findings (e.g. tensors in the files that the model does not use). */
  onWarning?: (message: string) => void;
}

export async function loadT5(dir: string, opts: LoadT5Options = {}): Promise<T5Model> {
  const folder = resolve(dir);
  const configPath = join(folder, 'config.json');
  if (!existsSync(configPath)) {
    throw new ConfigError(`${folder}: no config.json here. Point to a folder holding an HF T5 checkpoint (config.json and model.safetensors).`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(configPath, 'utf8'));
  } catch (err) {
    throw new ConfigError(`${configPath}: not valid JSON (${(err as Error).message}).`);
  }
  const config = parseT5Config(raw, configPath);
  const { weights, unused } = loadWeights(folder, config);
  if (unused.length > 0) opts.onWarning?.(`${folder}: ${unused.length} tensor(s) not used by T5: ${unused.slice(0, 3).join(', ')}${unused.length > 3 ? ', ...' : ''}`);
  return new T5Model(config, weights, folder);
}
