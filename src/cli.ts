// prompt-tune: the headless CLI on the same core the extension's worker runs.
// First import, before anything loads TensorFlow.js: where its packages come from (native install).
import './cli/tensorflow-location';
import { parseArgs } from 'node:util';
import { convertCommand, evalCommand, inspectCommand, trainCommand, tryCommand, type Out } from './cli/commands';
import { runTokenize } from './cli/tokenize';
import { exportJobCommand, importCommand } from './cli/peft-job';
import { runDownload } from './cli/download';
import { backendCommand } from './cli/backend';
import { sweepCommand } from './cli/sweep';
import { useHubForDatasets, useHubForModels } from './core/hub/engine-resolver';
import { formatBytes, type DownloadEvent } from './core/hub';
import { formatDuration } from './core/format';
import { SETTING_OPTIONS, settingsHelp, UsageError, need, type Flags } from './cli/run-options';

const USAGE = `prompt-tune: prompt tuning (Lester et al. 2021) on a frozen T5, headless.

Commands:
  train     --model <dir|hub-id> --train <file|hf:id> --out <dir> [run settings]     (train --task NAME needs no --train; train --resume <dir> alone continues a run)
  sweep     --model M --train F --out <dir> --prompt-length 1,5,20,100 --init random-uniform,sampled-vocab,class-labels [--seeds 3]
            a grid of runs (comma lists for --model, --prompt-length, --init, --optimizer, --lr, --seed), each in <dir>/<cell>/;
            then <dir>/sweep.json, <dir>/sweep.svg and a table of each point's best metric (mean ± std over seeds). Re-run to continue.
            [--text-prompt "..." [--shots N]]   adds the frozen model with that text prompt (prompt design) to the table
  eval      --model M --prompt <dir> --data <file|hf:id> [--task NAME] [--metric exact-match|rank|f1] [--labels a,b] [field/template settings]
            [--label-map a=x,b=y]   the prompt's labels read as the data's (a prompt of one task on another's data)
            [--text-prompt "..."] [--shots N --train F]   prompt design: the text (and the first N --train examples with
            their targets) in front of each input; without --prompt, the frozen model alone
            [--ensemble <dir>,<dir>,...]   instead of --prompt: the ensemble's, each prompt's accuracy and how often they disagree
  try       --model M [--prompt <dir>[,<dir>...]] [--ensemble] [--label-map a=x,b=y] [--input "text"] [--max-new-tokens N]   (stdin lines without --input)
  inspect   --model M --prompt <dir> [--top 5]
  tokenize  --model <dir|spiece.model|org/name> "text"
  convert   --prompt <dir|file.npy> --to peft|npy --out <path> [--model M]
  export-job --run <run dir> --out <dir>   a PEFT + Accelerate training job for the run's model, data and settings
  import    --adapter <dir> --model M --out <dir>   a PEFT adapter (from export-job's train.py) as a prompt folder
  download  <org/name[@revision]>
  backend install [--gpu] [--dir D]   install native TensorFlow (@tensorflow/tfjs-node, or -gpu) with npm, check it
  backend status [--dir D]            the install, and the backend other commands run on with its GFLOP/s
  backend check                       load the backend in this process and time a matmul

Run settings (train; the other commands take those that apply to them):
${settingsHelp().join('\n')}

Data: a .jsonl, .csv, .tsv or .parquet file, or a hub dataset hf:org/name[:config][@revision][#split]
(e.g. hf:nyu-mll/glue:rte); without #split, --train reads train, --valid and eval's --data validation.
Everywhere: --json for machine-readable output, --debug for stack traces.
Native backend: installed in $PROMPT_TUNER_NATIVE_DIR, else \${XDG_CACHE_HOME:-~/.cache}/prompt-tuner/native; every
command loads TensorFlow.js from there when it holds an install. npm: PATH, or PROMPT_TUNER_NPM.`;

/** The settings' flags, and the flags of the commands themselves. */
const OPTIONS = {
  ...SETTING_OPTIONS,
  json: { type: 'boolean' }, debug: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, ensemble: { type: 'boolean' },
  data: { type: 'string' }, prompt: { type: 'string' }, input: { type: 'string' }, top: { type: 'string' }, to: { type: 'string' },
  'max-new-tokens': { type: 'string' }, gpu: { type: 'boolean' }, dir: { type: 'string' }, run: { type: 'string' }, adapter: { type: 'string' },
  'label-map': { type: 'string' }, seeds: { type: 'string' }, 'text-prompt': { type: 'string' }, shots: { type: 'string' },
} as const;

/** eval's --ensemble names the prompt folders (try's is a switch over --prompt's). */
function optionsFor(argv: string[]): typeof OPTIONS | Omit<typeof OPTIONS, 'ensemble'> & { ensemble: { type: 'string' } } {
  const first = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: false });
  return first.positionals[0] === 'eval' ? { ...OPTIONS, ensemble: { type: 'string' } } : OPTIONS;
}

/** Download progress for --model hub ids and hf: datasets, on stderr so that stdout stays the command's own output. */
function downloadProgress(e: DownloadEvent): void {
  if (e.type === 'plan' && e.downloadBytes > 0) process.stderr.write(`Downloading ${e.repo}@${e.revision} (${formatBytes(e.downloadBytes)})\n`);
  else if (e.type === 'progress' && process.stderr.isTTY) {
    process.stderr.write(`\r\x1b[2K  ${e.file}: ${formatBytes(e.bytes)} / ${formatBytes(e.totalBytes)}  ${formatBytes(e.bytesPerSecond)}/s  ETA ${formatDuration(e.etaSeconds)}`);
  } else if (e.type === 'retry') process.stderr.write(`\n  ${e.file}: ${e.reason}; retrying (attempt ${e.attempt})\n`);
  else if (e.type === 'done' && !e.fromCache) process.stderr.write(`\n  saved to ${e.dir}\n`);
  else if (e.type === 'note') process.stderr.write(`note: ${e.message}\n`);
}

async function main(argv: string[]): Promise<number> {
  useHubForModels({ onEvent: downloadProgress });
  useHubForDatasets({ onEvent: downloadProgress });
  const out: Out = (line) => process.stdout.write(`${line}\n`);
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: optionsFor(argv), allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split('\n')[0]}. Run prompt-tune --help for the options.`);
  }
  const flags = parsed.values as Flags;
  const [command, ...rest] = parsed.positionals;
  if (!command || flags.help) {
    out(USAGE);
    return command || flags.help ? 0 : 2;
  }
  switch (command) {
    case 'train':
      return trainCommand(flags, out);
    case 'eval':
      return evalCommand(flags, out);
    case 'sweep':
      return sweepCommand(flags, out);
    case 'try':
      return tryCommand(flags, out);
    case 'inspect':
      return inspectCommand(flags, out);
    case 'convert':
      return convertCommand(flags, out);
    case 'export-job':
      return exportJobCommand(flags, out);
    case 'import':
      return importCommand(flags, out);
    case 'tokenize':
      if (rest.length !== 1) throw new UsageError('tokenize takes one text argument, e.g. prompt-tune tokenize --model <dir> "Hello world".');
      await runTokenize({ model: need(flags, 'model', 'a model folder, spiece.model file or hub id'), json: flags.json === true, text: rest[0] }, out);
      return 0;
    case 'download': {
      if (rest.length !== 1) throw new UsageError('download takes one model id, e.g. prompt-tune download google/flan-t5-small@main.');
      const controller = new AbortController();
      process.once('SIGINT', () => controller.abort());
      await runDownload({ spec: rest[0], json: flags.json === true }, out, { signal: controller.signal });
      return 0;
    }
    case 'backend':
      if (rest.length > 1) throw new UsageError(`backend takes one subcommand (install, status or check), got ${rest.join(' ')}.`);
      return backendCommand(rest[0], flags, out);
    default:
      throw new UsageError(`Unknown command "${command}". Commands: train, sweep, eval, try, inspect, tokenize, convert, export-job, import, download, backend.`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const debug = process.argv.includes('--debug');
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`prompt-tune: ${message}\n`);
    if (debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    else if (!(err instanceof UsageError)) process.stderr.write('(run with --debug for details)\n');
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);
