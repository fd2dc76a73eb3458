// Where a data setting's examples come from: a local file (JSON Lines, CSV, TSV or Parquet), or a
// hub dataset `hf:org/name[:config][@revision][#split]` whose split's files the hub module fetches
// into its cache. The hub module registers itself here, as it does for models (session.ts), so the
// engine stays free of network code.
import { extname } from 'node:path';
import { statSync } from 'node:fs';
import { DEFAULT_SPLIT, describeHubDataset, isHubDataset, parseHubDataset, type DataRole, type HubDatasetSpec } from '../../dataset-spec';
import { describeBytes } from '../../io/file-access';
import { examplesFrom, parseDataSpec, type DataSpec, type LoadedData } from './dataset';
import { DataError } from './errors';
import { readDataFile, type SourceFile } from './formats';
import { MAX_DATA_FILE_BYTES } from './limits';
import { readParquetFile } from './parquet';

/** The local files of a hub dataset's split, in order. */
export type HubDatasetResolver = (spec: HubDatasetSpec, split: string) => Promise<string[]>;

let resolver: HubDatasetResolver = async (spec, split) => {
  throw new Error(`${describeHubDataset(spec, split)}: this process reads local data files only (hub datasets are read by the prompt-tune CLI and the extension's worker).`);
};

export function setHubDatasetResolver(r: HubDatasetResolver): void {
  resolver = r;
}

/**
 * The examples of a data setting read as `role` (which gives an hf: value without `#split` its
 * split). The data settings are checked before anything is read or downloaded.
 */
export async function loadData(value: string, role: DataRole, spec: DataSpec): Promise<LoadedData> {
  const parsed = parseDataSpec(spec);
  if (!isHubDataset(value)) return examplesFrom([await readSource(value)], value, parsed, role);
  const hub = parseHubDataset(value);
  const split = hub.split ?? DEFAULT_SPLIT[role];
  const name = describeHubDataset(hub, split);
  const files = await resolver(hub, split);
  // The split's shards together are held to the limit of one data file.
  const total = files.reduce((sum, f) => sum + statSync(f).size, 0);
  if (total > MAX_DATA_FILE_BYTES) {
    throw new DataError(
      { file: name },
      `its ${files.length} files are ${describeBytes(total)}, more than the ${describeBytes(MAX_DATA_FILE_BYTES)} a data set may have`,
      'Prompt tuning needs thousands of examples, not millions: use a smaller split or config, or a sample saved as a local file',
    );
  }
  const sources: SourceFile[] = [];
  for (const file of files) sources.push(await readSource(file));
  return examplesFrom(sources, name, parsed, role);
}

function readSource(file: string): Promise<SourceFile> | SourceFile {
  return extname(file).toLowerCase() === '.parquet' ? readParquetFile(file) : readDataFile(file);
}
