// The index of a sharded HF checkpoint (model.safetensors.index.json, pytorch_model.bin.index.json):
// { "metadata": {...}, "weight_map": { tensor name: shard file } }. The shard names come from the
// file, so each is resolved inside the checkpoint folder (no absolute paths, no "..", no links that
// lead out, regular files only) before anything is opened.
import { dirname } from 'node:path';
import { FileFormatError } from './errors';
import { MIB, fileInFolder, readJsonFile } from './file-access';

export class ShardIndexError extends FileFormatError {}

/** t5-11b's index is ~100 KB; no real index comes near this. */
const MAX_INDEX_BYTES = 16 * MIB;

const SHARD_LIMIT = { maxBytes: Number.MAX_SAFE_INTEGER, what: 'a weights shard' };

/** The shard files (full paths, in first-listed order) an index names, each checked to be a regular file inside the index's folder. */
export function readShardIndex(indexPath: string): string[] {
  const dir = dirname(indexPath);
  const index = readJsonFile(indexPath, { maxBytes: MAX_INDEX_BYTES, what: 'a weights index', hint: 'A shard index lists tensor names and file names only.' }, ShardIndexError);
  const weightMap = typeof index === 'object' && index !== null && !Array.isArray(index) ? (index as Record<string, unknown>).weight_map : undefined;
  if (typeof weightMap !== 'object' || weightMap === null || Array.isArray(weightMap)) {
    throw new ShardIndexError(indexPath, `${indexPath}: "weight_map" (tensor name -> shard file) is missing or not an object; the index file is damaged.`);
  }
  const shards = [...new Set(Object.values(weightMap))];
  if (shards.length === 0) throw new ShardIndexError(indexPath, `${indexPath}: "weight_map" lists no shards; the index file is damaged.`);
  return shards.map((shard) => fileInFolder(dir, shard, SHARD_LIMIT, ShardIndexError, indexPath));
}
