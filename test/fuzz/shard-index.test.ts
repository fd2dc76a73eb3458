// Fuzz: the shard index of a sharded checkpoint (model.safetensors.index.json), read as the model
// loader reads it: weight_map names are hostile (outside paths, links out, devices, pipes, folders).
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCheckpoint } from '../../src/core/t5/checkpoint';
import { fuzzParser } from './harness';
import { safetensorsSeeds, scratch, sharedFile } from './fixtures';

const root = scratch('shard-index');
const outside = join(root, 'outside.safetensors');
const [shardA, shardB] = safetensorsSeeds();
writeFileSync(outside, shardA);

/** A checkpoint folder with shards and traps beside them; cases write their index into it. */
function folder(n: number): string {
  const dir = join(root, `model-${n}`);
  mkdirSync(join(dir, 'subdir'), { recursive: true });
  writeFileSync(join(dir, 'shard-a.safetensors'), shardA);
  writeFileSync(join(dir, 'shard-b.safetensors'), shardB);
  symlinkSync(outside, join(dir, 'link-out'));
  symlinkSync('/dev/zero', join(dir, 'link-zero'));
  symlinkSync('shard-a.safetensors', join(dir, 'link-in'));
  if (process.platform !== 'win32') execFileSync('mkfifo', [join(dir, 'fifo')]);
  return dir;
}
const folders = [0, 1, 2, 3].map(folder);

const NAMES = ['shard-a.safetensors', 'shard-b.safetensors', 'link-out', 'link-zero', 'link-in', 'fifo', 'subdir', 'missing.safetensors', '../outside.safetensors', '../../etc/passwd', '/etc/passwd', '/dev/zero', 'subdir/../shard-a.safetensors', './shard-b.safetensors', 'C:\\\\Windows\\\\x', '\\\\server\\\\share', '', ' ', 'a\u0000b'];
const realIndex = sharedFile('sharded', 'model.safetensors.index.json')?.toString('utf8');
const seedIndex = JSON.stringify({ metadata: { total_size: 123 }, weight_map: { a: 'shard-a.safetensors', b: 'shard-b.safetensors', c: 'shard-a.safetensors' } });

fuzzParser('shard index', {
  defaultCases: 600,
  makeCase: (m, i) => {
    const dir = folders[i % folders.length];
    const index = JSON.parse(m.chance(0.2) && realIndex ? realIndex : seedIndex) as { weight_map: Record<string, unknown> };
    // The real index names shards that are not here: point them at ours first.
    for (const key of Object.keys(index.weight_map)) index.weight_map[key] = m.chance(0.7) ? m.pick(['shard-a.safetensors', 'shard-b.safetensors']) : m.pick(NAMES);
    const text = m.chance(0.3) ? m.mutateJsonText(JSON.stringify(index)) : JSON.stringify(index);
    const file = join(dir, 'model.safetensors.index.json');
    writeFileSync(file, text);
    return { file: dir, inputBytes: text.length + shardA.length + shardB.length, run: () => readCheckpoint(dir, () => undefined) };
  },
});
