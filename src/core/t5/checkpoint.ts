// Reads the tensors of an HF checkpoint folder in any of the weight layouts HF writes, first found
// in this order: model.safetensors, its sharded form, pytorch_model.bin, its sharded form. Tensors
// are listed first (headers and pickles only) so they can be checked against config.json before any
// data is decoded, then streamed one at a time as float32. Every file is taken from inside the
// folder (file-access.ts says what that allows).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FileFormatError } from '../io/errors';
import { fileInFolder } from '../io/file-access';
import { readHeaderOf, streamSafetensors } from '../io/safetensors';
import { readShardIndex } from '../io/shard-index';
import type { RawTensor, TensorInfo, TensorSink } from '../io/tensor-sink';
import { PYTORCH_INDEX, PYTORCH_WEIGHTS, listPytorchBin, listPytorchShards, readPytorchBin, readPytorchShards } from '../io/torch-checkpoint';

export type { RawTensor, TensorInfo };

export class CheckpointError extends FileFormatError {}

/** One weight layout: the file that marks it, how to list its tensors and how to stream them. */
interface CheckpointFormat {
  file: string;
  list(path: string): TensorInfo[];
  read(path: string, sink: TensorSink): void;
}

const listSafetensors = (path: string): TensorInfo[] => [...readHeaderOf(path).tensors].map(([name, e]) => ({ name, shape: e.shape, file: path }));
const readSafetensors = (path: string, sink: TensorSink): void => streamSafetensors(path, (name, t) => sink(name, t, path));

/** Every format the engine reads, in order of preference (safetensors needs no unpickling and loads fastest). */
const CHECKPOINT_FORMATS: readonly CheckpointFormat[] = [
  { file: 'model.safetensors', list: listSafetensors, read: readSafetensors },
  {
    file: 'model.safetensors.index.json',
    list: (index) => readShardIndex(index).flatMap(listSafetensors),
    read: (index, sink) => readShardIndex(index).forEach((shard) => readSafetensors(shard, sink)),
  },
  { file: PYTORCH_WEIGHTS, list: listPytorchBin, read: readPytorchBin },
  { file: PYTORCH_INDEX, list: listPytorchShards, read: readPytorchShards },
];

const ANY_SIZE = { maxBytes: Number.MAX_SAFE_INTEGER, what: 'a weights file' };

/** The first weight layout present in `dir`, with its file checked to be a regular file inside the folder. */
function findFormat(dir: string): { format: CheckpointFormat; path: string } {
  const format = CHECKPOINT_FORMATS.find((f) => existsSync(join(dir, f.file)));
  if (!format) throw new CheckpointError(dir, `${dir}: no weights found (looked for ${CHECKPOINT_FORMATS.map((f) => f.file).join(', ')}).`);
  return { format, path: fileInFolder(dir, format.file, ANY_SIZE, CheckpointError, dir) };
}

/** Names and shapes of every tensor of the checkpoint in `dir`, without reading tensor data. */
export function listCheckpoint(dir: string): TensorInfo[] {
  const { format, path } = findFormat(dir);
  return format.list(path);
}

/** Streams every tensor of the checkpoint in `dir` to `sink`. Returns the files read. */
export function readCheckpoint(dir: string, sink: TensorSink): string[] {
  const { format, path } = findFormat(dir);
  const files = new Set<string>();
  format.read(path, (name, tensor, file) => {
    files.add(file);
    sink(name, tensor, file);
  });
  return files.size > 0 ? [...files] : [path];
}
