// Reads the tensors of an HF checkpoint folder: model.safetensors, or the shards listed in
// model.safetensors.index.json, one tensor at a time (as float32), so a checkpoint's bytes are
// never held beside its tensors.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { streamSafetensors } from '../io/safetensors';

export interface RawTensor {
  shape: number[];
  data: Float32Array;
}

export type TensorSink = (name: string, tensor: RawTensor, file: string) => void;

/** A reader for one more weight format (pytorch_model.bin is registered by the hub module). */
export interface CheckpointFormat {
  file: string;
  read(path: string, sink: TensorSink): void;
}

const extraFormats: CheckpointFormat[] = [];
export function registerCheckpointFormat(format: CheckpointFormat): void {
  if (!extraFormats.some((f) => f.file === format.file)) extraFormats.push(format);
}

export class CheckpointError extends Error {}

function readSafetensorsFile(path: string, sink: TensorSink): void {
  streamSafetensors(path, (name, t) => sink(name, t, path));
}

/** The shard files (full paths) an HF index file lists, checked to exist. */
export function readShardIndex(indexPath: string): string[] {
  const dir = dirname(indexPath);
  let index: { weight_map?: Record<string, string> };
  try {
    index = JSON.parse(readFileSync(indexPath, 'utf8')) as typeof index;
  } catch (err) {
    throw new CheckpointError(`${indexPath}: not valid JSON (${(err as Error).message}).`);
  }
  if (!index.weight_map || typeof index.weight_map !== 'object') {
    throw new CheckpointError(`${indexPath}: "weight_map" is missing; the index file is damaged.`);
  }
  const shards = [...new Set(Object.values(index.weight_map))];
  for (const shard of shards) {
    if (!existsSync(join(dir, shard))) {
      throw new CheckpointError(`${join(dir, shard)}: shard listed in ${indexPath} is missing. Download the checkpoint again.`);
    }
  }
  return shards.map((s) => join(dir, s));
}

/** Streams every tensor of the checkpoint in `dir` to `sink`. Returns the files read. */
export function readCheckpoint(dir: string, sink: TensorSink): string[] {
  const single = join(dir, 'model.safetensors');
  if (existsSync(single)) {
    readSafetensorsFile(single, sink);
    return [single];
  }
  const index = join(dir, 'model.safetensors.index.json');
  if (existsSync(index)) {
    const files = readShardIndex(index);
    for (const file of files) readSafetensorsFile(file, sink);
    return files;
  }
  for (const format of extraFormats) {
    const path = join(dir, format.file);
    if (existsSync(path)) {
      format.read(path, sink);
      return [path];
    }
  }
  const known = ['model.safetensors', 'model.safetensors.index.json', ...extraFormats.map((f) => f.file)];
  throw new CheckpointError(`${dir}: no weights found (looked for ${known.join(', ')}).`);
}
