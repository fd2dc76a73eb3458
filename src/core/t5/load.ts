// loadT5(dir): config.json + weights of an HF T5 checkpoint folder -> a ready T5Model. The cost is
// bounded before anything is built: config.json is read with a size limit and range-checked, and
// the checkpoint's tensor names and shapes (headers and pickles only) are checked against it
// before any tensor data is decoded.
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { KIB, fileInFolder, readJsonFile } from '../io/file-access';
import { CheckpointError, listCheckpoint, type TensorInfo } from './checkpoint';
import { ConfigError, parseT5Config, type T5Config } from './config';
import { T5Model } from './model';
import { expectedShapes, loadWeights } from './weights';

export interface LoadT5Options {
  /** Called with non-fatal findings (e.g. tensors in the files that the model does not use). */
  onWarning?: (message: string) => void;
}

/** Real configs are ~1-2 KB. */
const CONFIG_LIMIT = { maxBytes: 256 * KIB, what: 'a config.json', hint: 'A T5 config.json is a few kilobytes.' };

/** Reads and checks `<folder>/config.json`. */
export function readT5Config(folder: string): T5Config {
  const configPath = join(folder, 'config.json');
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    throw new ConfigError(folder, `${folder}: no such folder. Point to a folder holding an HF T5 checkpoint (config.json and model.safetensors).`);
  }
  if (!existsSync(configPath)) {
    throw new ConfigError(folder, `${folder}: no config.json here. Point to a folder holding an HF T5 checkpoint (config.json and model.safetensors).`);
  }
  fileInFolder(folder, 'config.json', CONFIG_LIMIT, ConfigError);
  return parseT5Config(readJsonFile(configPath, CONFIG_LIMIT, ConfigError), configPath);
}

/**
 * Refuses, before any data is read, a checkpoint whose tensors do not fit the config: a tensor the
 * config implies with another shape, or missing. Tensors the model does not use are left to
 * loadWeights (it reports them); their data is bounded by the file they are in.
 */
function checkTensorsFitConfig(tensors: readonly TensorInfo[], config: T5Config, dir: string): void {
  const expected = expectedShapes(config);
  for (const t of tensors) {
    const want = expected.get(t.name);
    if (want && (t.shape.length !== want.length || t.shape.some((d, i) => d !== want[i]))) {
      throw new CheckpointError(t.file, `${t.file}: tensor "${t.name}" has shape [${t.shape}] but config.json implies [${want}]. The weights and config.json do not belong together.`);
    }
  }
  const present = new Set(tensors.map((t) => t.name));
  const missing = [...expected.keys()].filter((n) => !present.has(n));
  if (missing.length > 0) {
    const more = missing.length > 5 ? ` and ${missing.length - 5} more` : '';
    throw new CheckpointError(dir, `${dir}: the checkpoint lacks tensor${missing.length > 1 ? 's' : ''} ${missing.slice(0, 5).map((n) => `"${n}"`).join(', ')}${more} that config.json requires.`);
  }
}

export async function loadT5(dir: string, opts: LoadT5Options = {}): Promise<T5Model> {
  const folder = resolve(dir);
  const config = readT5Config(folder);
  checkTensorsFitConfig(listCheckpoint(folder), config, folder);
  const { weights, unused } = loadWeights(folder, config);
  if (unused.length > 0) opts.onWarning?.(`${folder}: ${unused.length} tensor(s) not used by T5: ${unused.slice(0, 3).join(', ')}${unused.length > 3 ? ', ...' : ''}`);
  return new T5Model(config, weights, folder);
}
