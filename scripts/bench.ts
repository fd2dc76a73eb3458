// npm run bench: our speed beside the peer's (HF PEFT on PyTorch, ../shared/bench/peft_baseline.py),
// measured in one run on this machine; never asserted by tests. For each row (a training step, rank
// scoring, greedy generation; t5-small K20/K100, t5-v1_1-small K100, t5-base-lm-adapt K100; B=8 L=128
// T=4; random weights) it waits for a quiet machine, runs ours in a child process per backend, then the
// peer in its own, and prints both with the ratio. The timed operations are in scripts/bench/workloads.ts.
// Usage: npm run bench -- [--peer] [--quick] [--json] [--backend node,wasm] [--precision fp32|bf16-math] ... (--help)
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ONEDNN_FPMATH_ENV } from '../src/core/engine-names';
import { writeRandomT5 } from '../src/core/t5/random-model';
import { cpuModel, round, waitQuiet, type QuietWait } from './bench/machine';
import { DECODING_STEP_BYTES, KERNELS, kernelShape, REPS, weightCopies, type KernelTiming } from './bench/kernels';
import { defaultPeerVenv, preparePeer, type Peer } from './bench/peer';
import { BACKENDS, DEFAULT_BACKENDS, defaultCounts, FULL, MATMUL, MODEL_NAMES, MODES, QUICK, shapeConfig, type Backend, type Counts, type Mode, type ModelName, type Precision, type RowJob } from './bench/plan';

const HELP = `npm run bench -- [options]    our speed beside HF PEFT's (PyTorch), same shapes, same machine, one run

  --peer               also run the peer (../shared/bench/peft_baseline.py) for every row, interleaved, with ratios
  --peer-venv DIR      the peer's Python venv (default $PROMPT_TUNER_PEER_VENV, else ${defaultPeerVenv()});
                       made with ../shared/bench/setup_peft_venv.sh when missing
  --quick              only the t5-small K=100 rows (what CI runs)
  --kernels            instead of the rows, the kernels a step is made of (scripts/bench/kernels.ts), each
                       timed alone on our backends and, with --peer, in PyTorch: where a row's gap comes from
  --backend LIST       node, wasm, cpu, node-gpu, webgpu, comma-separated (default: node and wasm, each if it loads;
                       cpu, plain JS, only when asked: far too slow for these shapes)
  --model LIST         ${MODEL_NAMES.join(', ')}
  --prompt-len LIST    prompt lengths K (default: 20 and 100 for t5-small, 100 for the others)
  --mode LIST          ${MODES.join(', ')} (default: all three)
  --steps N            timed steps per row (default: the peer suite's 10, t5-base train 6; --quick 5; wasm 3, cpu 2)
  --warmup N           untimed steps first (default: train 3, score/generate 2, t5-base train 2; wasm/cpu 1)
  --batch N, --input-len N, --target-len N    (default 8, 128, 4)
  --precision P        fp32 (default) or bf16-math: our rows run with ONEDNN_DEFAULT_FPMATH_MODE=BF16
                       (oneDNN computes fp32 matmuls in bf16; tensorflow backend only). The peer stays fp32.
  --quiet-wait S       before each row wait up to S s for the rest of the machine to use < 0.25 cores (default 60; 0: off)
  --json               one JSON line per row on stdout (notes go to stderr)`;

const { values: o } = parseArgs({
  options: {
    peer: { type: 'boolean', default: false },
    'peer-venv': { type: 'string' },
    quick: { type: 'boolean', default: false },
    kernels: { type: 'boolean', default: false },
    backend: { type: 'string' },
    model: { type: 'string' },
    'prompt-len': { type: 'string' },
    mode: { type: 'string' },
    steps: { type: 'string' },
    warmup: { type: 'string' },
    batch: { type: 'string', default: '8' },
    'input-len': { type: 'string', default: '128' },
    'target-len': { type: 'string', default: '4' },
    precision: { type: 'string', default: 'fp32' },
    'quiet-wait': { type: 'string', default: '60' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

function fail(message: string): never {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(2);
}
function list<T extends string>(value: string | undefined, allowed: readonly T[], what: string): T[] | undefined {
  if (value === undefined) return undefined;
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const x of items) if (!(allowed as readonly string[]).includes(x)) fail(`unknown ${what} "${x}"; use ${allowed.join(', ')}.`);
  return items as T[];
}
function int(value: string | undefined, what: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) fail(`${what} must be an integer >= ${min} (got "${value}").`);
  return n;
}

// ---------------------------------------------------------------------------------------------------
// The plan: rows (mode x model x K), backends, step counts.
if (o.help) {
  console.log(HELP);
  process.exit(0);
}
if (o.kernels) {
  const rowOnly = (['quick', 'model', 'prompt-len', 'mode', 'steps', 'warmup'] as const).filter((k) => o[k] !== undefined && o[k] !== false);
  if (rowOnly.length > 0) fail(`--kernels times fixed t5-small kernels (scripts/bench/kernels.ts); ${rowOnly.map((k) => `--${k}`).join(', ')} only shape the rows.`);
}
const precision = o.precision as Precision;
if (precision !== 'fp32' && precision !== 'bf16-math') fail(`--precision must be fp32 or bf16-math (got "${o.precision}").`);
const B = int(o.batch, '--batch', 1)!;
const L = int(o['input-len'], '--input-len', 1)!;
const T = int(o['target-len'], '--target-len', 1)!;
const stepsOpt = int(o.steps, '--steps', 1);
const warmupOpt = int(o.warmup, '--warmup', 1);
const quietWait = Number(o['quiet-wait']);
if (!(quietWait >= 0)) fail(`--quiet-wait must be a number of seconds >= 0 (got "${o['quiet-wait']}").`);
const modes = list(o.mode, MODES, 'mode') ?? [...MODES];
const promptLens = o['prompt-len']?.split(',').map((k) => int(k.trim(), '--prompt-len', 1)!);
const base = o.quick ? QUICK : FULL;
const models = list(o.model, MODEL_NAMES, 'model') ?? [...new Set(base.map((r) => r.model))];
const shapes = models.flatMap((model) => {
  if (promptLens) return promptLens.map((promptLen) => ({ model, promptLen }));
  const mine = base.filter((r) => r.model === model);
  return mine.length > 0 ? mine : FULL.filter((r) => r.model === model);
});
const explicitBackends = list(o.backend, BACKENDS, 'backend');
let backends: Backend[] = explicitBackends ?? [...DEFAULT_BACKENDS];
const notes: string[] = [];
if (precision === 'bf16-math') {
  const other = backends.filter((b) => b !== 'node' && b !== 'node-gpu');
  if (explicitBackends && other.length > 0) fail(`--precision bf16-math applies to the tensorflow backend only (node, node-gpu), not ${other.join(', ')}.`);
  if (other.length > 0) notes.push(`bf16-math is for the tensorflow backend only: ${other.join(', ')} not run.`);
  backends = backends.filter((b) => b === 'node' || b === 'node-gpu');
}
if (!explicitBackends) notes.push('cpu (plain-JS backend) not run: far too slow for these shapes (minutes per step); --backend cpu runs it.');
else if (backends.includes('cpu')) notes.push('cpu is the plain-JS backend: far too slow for these shapes; its rows take minutes per step.');

function counts(mode: Mode, model: ModelName, backend: Backend | 'peer'): Counts {
  const d = defaultCounts(mode, model, backend, o.quick);
  return { steps: stepsOpt ?? d.steps, warmup: warmupOpt ?? d.warmup };
}
const tfName = (b: Backend) => (b === 'node' || b === 'node-gpu' ? 'tensorflow' : b);

// ---------------------------------------------------------------------------------------------------
// Child processes: one per row, ours (scripts/bench/row.ts) and the peer's.
const ROOT = join(__dirname, '..');
let current: ChildProcess | undefined;
type Json = Record<string, unknown>;
type Outcome = { ok: true; result: Json } | { ok: false; error: string };

const ROW_TIMEOUT_S = 30 * 60; // a hung row must not hang CI

function runChild(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    current = child;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, ROW_TIMEOUT_S * 1000);
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (err = (err + d).slice(-200_000)));
    child.on('error', (e) => resolve({ ok: false, error: e.message }));
    child.on('close', (code, signal) => {
      current = undefined;
      clearTimeout(timer);
      if (timedOut) return resolve({ ok: false, error: `timed out after ${ROW_TIMEOUT_S} s` });
      const line = out.trim().split('\n').reverse().find((l) => l.startsWith('{'));
      if (code === 0 && line) {
        try {
          return resolve({ ok: true, result: JSON.parse(line) as Json });
        } catch {
          // fall through: report as a failure
        }
      }
      // The most telling short line of stderr (wasm aborts print their whole JS source on one line).
      const lines = err.split('\n').map((l) => l.trim()).filter((l) => l && l.length < 400 && !l.startsWith('at ') && !/^\^+$/.test(l));
      const why = [...lines].reverse().find((l) => /error|abort|memory|killed/i.test(l)) ?? lines.at(-1) ?? '';
      const how = signal ? `killed by ${signal}${signal === 'SIGKILL' ? ' (out of memory?)' : ''}` : `exit ${code}`;
      resolve({ ok: false, error: `${why ? `${why} ` : ''}(${how})` });
    });
  });
}

function ourEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, TF_CPP_MIN_LOG_LEVEL: process.env.TF_CPP_MIN_LOG_LEVEL ?? '2' };
  delete env.PROMPT_TUNER_BACKEND;
  // The engine's own setting (src/core/precision.ts) and the oneDNN variable it sets, both explicit.
  if (precision === 'bf16-math') Object.assign(env, { [ONEDNN_FPMATH_ENV]: 'BF16', PROMPT_TUNER_PRECISION: 'bf16-math' });
  else {
    delete env[ONEDNN_FPMATH_ENV];
    delete env.PROMPT_TUNER_PRECISION;
  }
  return env;
}
const runOurs = (job: RowJob) => runChild(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'bench', 'row.ts'), JSON.stringify(job)], ourEnv());
const peerThreads = availableParallelism();
const runPeer = (peer: Peer, args: string[]) => runChild(peer.python, [peer.script, '--json', '--threads', String(peerThreads), ...args], peer.env);

// ---------------------------------------------------------------------------------------------------
// Output: a table on stdout (progress on stderr); with --json, JSON lines on stdout and the table on stderr.
const say = (line: string) => (o.json ? process.stderr : process.stdout).write(`${line}\n`);
const progress = (line: string) => {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${line}`);
};
const LOADED = 0.1; // cores used by others above which a row's figures are suspect (the peer's advice)
const num = (x: unknown, digits: number) => (typeof x === 'number' ? x.toFixed(digits) : '-');
const pad = (s: string, n: number) => (n < 0 ? s.padEnd(-n) : s.padStart(n));

/** A side's load during its row: "0.03", with "!" when it was measured under load. */
function loadCell(r: Json | undefined): string {
  if (!r) return '-';
  const other = r.cpu_cores_other;
  const q = r.quiet_wait as QuietWait | undefined;
  return `${num(other, 2)}${isLoaded(r) ? '!' : ''}${q && !q.quiet ? '?' : ''}`;
}
function isLoaded(r: Json): boolean {
  const q = r.quiet_wait as QuietWait | undefined;
  return (typeof r.cpu_cores_other === 'number' && r.cpu_cores_other > LOADED) || (q !== undefined && !q.quiet);
}

const COLS: [string, number][] = [['mode', -8], ['model', -16], ['K', 4], ['backend', -11], ['steps', 6], ['ours ms', 9], ['ex/s', 7], ['PEFT ms', 9], ['ex/s', 7], ['ratio', 6], ['RSS MiB', 8], ['PEFT', 6], ['others', 7], ['PEFT', 7]];
const tableLine = (cells: string[]) => say(cells.map((c, i) => pad(c, COLS[i][1])).join(' ').trimEnd());

function printRow(r: Json, peer: Json | undefined) {
  const head = [String(r.mode), String(r.model), String(r.prompt_len), String(r.backend)];
  const peerCells = peer ? [num(peer.ms_per_step_median, 1), num(peer.examples_per_s, 2)] : ['-', '-'];
  if (r.error) {
    tableLine([...head, `${r.steps}+${r.warmup}`, 'failed', '', ...peerCells, '-', '-', num(peer?.peak_rss_mib, 0), '-', loadCell(peer)]);
    return;
  }
  tableLine([...head, `${r.steps}+${r.warmup}`, num(r.ms_per_step, 1), num(r.examples_per_s, 2), ...peerCells, num(r.ratio, 2), num(r.peak_rss_mib, 0), num(peer?.peak_rss_mib, 0), loadCell(r), loadCell(peer)]);
}

/** --kernels: each kernel of scripts/bench/kernels.ts on our backends beside PyTorch's, one process per side. */
async function compareKernels(peer: Peer | undefined, quiet: (what: string) => Promise<QuietWait | undefined>, failures: string[]) {
  const sides: { label: string; result: Json }[] = [];
  for (const b of backends) {
    const q = await quiet(`kernels on ${b}`);
    const r = await runOurs({ kind: 'kernels', backend: b });
    if (r.ok) sides.push({ label: String(r.result.backend), result: { ...r.result, quiet_wait: q } });
    else if (explicitBackends) failures.push(`kernels on ${b}: ${r.error}`);
    else say(`note: ${b} not run: the backend does not load here (${r.error}).`);
  }
  let torch: Json | undefined;
  if (peer) {
    const q = await quiet('kernels on PyTorch');
    const spec = { threads: peerThreads, reps: REPS, kernels: KERNELS.map((k) => ({ ...k, copies: weightCopies(k) })) };
    const r = await runChild(peer.python, [join(ROOT, 'scripts', 'bench', 'torch_kernels.py'), JSON.stringify(spec)], peer.env);
    if (r.ok) torch = { ...r.result, quiet_wait: q };
    else failures.push(`kernels on PyTorch: ${r.error}`);
  }
  progress('');
  const timing = (side: Json | undefined, name: string) => (side?.kernels as KernelTiming[] | undefined)?.find((k) => k.name === name);
  const env = torch?.env as Json | undefined;
  say(`Kernels of a t5-small step (B=8, L=128, K=100), each timed alone: median ms per call, cores kept busy; each decoding product cycles through ${round(DECODING_STEP_BYTES / 2 ** 20, 0)} MiB of weight copies, what a decoding step reads`);
  if (env) say(`PyTorch ${env.torch} (${env.threads} threads, fp32), called as HF transformers' T5 calls it`);
  const cols: [string, number][] = [['kernel', -26], ['shape', -22], ...sides.flatMap(({ label }): [string, number][] => [[`${label} ms`, 14], ['cores', 6]]), ...(torch ? ([['PyTorch ms', 11], ['cores', 6]] as [string, number][]) : []), ...(torch ? sides.map(({ label }): [string, number] => [`ratio ${label}`, 17]) : [])];
  const line = (cells: string[]) => say(cells.map((c, i) => pad(c, cols[i][1])).join(' ').trimEnd());
  line(cols.map(([name]) => name));
  const times = (t: KernelTiming | undefined) => (t ? { ms_median: t.ms_median, cores: t.cores, calls: t.calls } : null);
  for (const k of KERNELS) {
    const theirs = timing(torch, k.name);
    const mine = sides.map(({ result }) => timing(result, k.name));
    const ratio = (t: KernelTiming | undefined) => (t && theirs ? round(theirs.ms_median / t.ms_median, 3) : null);
    const peerCells = torch ? [num(theirs?.ms_median, 3), num(theirs?.cores, 2), ...mine.map((t) => num(ratio(t), 2))] : [];
    line([k.name, kernelShape(k), ...mine.flatMap((t) => [num(t?.ms_median, 3), num(t?.cores, 2)]), ...peerCells]);
    if (o.json) {
      sides.forEach(({ label, result }, i) => {
        console.log(JSON.stringify({ mode: 'kernel', kernel: k.name, shape: kernelShape(k), backend: label, precision: result.precision, ...times(mine[i]), ratio: ratio(mine[i]), peer: times(theirs) }));
      });
    }
  }
  say('');
  say(`ratio = PyTorch's ms ÷ ours (above 1: ours is faster). cores = this side's CPU time ÷ wall time while timing.`);
  for (const { label, result } of [...sides, ...(torch ? [{ label: 'PyTorch', result: torch }] : [])]) {
    if (isLoaded(result)) say(`NOT QUIET: ${label}'s kernels were timed while the rest of the machine used ${num(result.cpu_cores_other, 2)} cores.`);
  }
}

// ---------------------------------------------------------------------------------------------------
(async () => {
  const t0 = performance.now();
  let peer: Peer | undefined;
  if (o.peer) {
    try {
      peer = preparePeer(o['peer-venv'] ?? process.env.PROMPT_TUNER_PEER_VENV ?? defaultPeerVenv(), (l) => process.stderr.write(`${l}\n`));
    } catch (e) {
      fail((e as Error).message);
    }
  }
  const tmp = mkdtempSync(join(tmpdir(), 'pt-bench-'));
  const cleanup = () => rmSync(tmp, { recursive: true, force: true });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      current?.kill('SIGKILL');
      cleanup();
      process.stderr.write(`\nbench: interrupted; temporary weights removed.\n`);
      process.exit(130);
    });
  }
  let waitedS = 0;
  let weightsS = 0;
  const failures: string[] = [];
  const notQuiet: string[] = [];
  const loaded: string[] = []; // rows whose timed steps shared the machine (others > LOADED cores)
  const quiet = async (what: string): Promise<QuietWait | undefined> => {
    progress(`${what}: waiting for a quiet machine...`);
    const q = await waitQuiet(quietWait);
    waitedS += q?.waited_s ?? 0;
    if (q && !q.quiet) {
      const msg = `no quiet machine within ${quietWait} s before ${what} (${q.cores_busy_before} cores busy): measured anyway, under load`;
      notQuiet.push(msg);
      if (process.stderr.isTTY) process.stderr.write(`\r\x1b[Kbench: ${msg}\n`); // the footer lists them too
    }
    progress(`${what}: running...`);
    return q;
  };

  try {
    if (o.kernels) {
      await compareKernels(peer, quiet, failures);
      for (const f of failures) say(`FAILED: ${f}`);
      say(`took ${Math.round((performance.now() - t0) / 1000)} s`);
      process.exitCode = failures.length > 0 ? 1 : 0;
      return;
    }
    // The matmul peak of every side; it also tells which backends load.
    const matmul: Json[] = [];
    for (const b of backends) {
      const q = await quiet(`matmul on ${b}`);
      const r = await runOurs({ kind: 'matmul', backend: b });
      if (r.ok) matmul.push({ ...r.result, quiet_wait: q });
      else if (explicitBackends) {
        failures.push(`${b}: ${r.error}`);
        matmul.push({ mode: 'matmul', backend: tfName(b), backend_request: b, error: r.error });
      } else notes.push(`${b} not run: the backend does not load here (${r.error}).`);
    }
    const usable = backends.filter((b) => matmul.some((m) => m.backend_request === b && !m.error));
    let peerMatmul: Json | undefined;
    if (peer) {
      const q = await quiet('matmul on PEFT');
      const r = await runPeer(peer, ['--mode', 'matmul']);
      if (r.ok) peerMatmul = { ...r.result, quiet_wait: q };
      else failures.push(`PEFT matmul: ${r.error}`);
    }
    progress('');

    const versions = [
      `machine: ${availableParallelism()} cores${cpuModel() ? ` (${cpuModel()})` : ''}`,
      ...matmul.filter((m) => m.tensorflow).slice(0, 1).map((m) => `TensorFlow ${m.tensorflow} (tfjs-node)`),
      ...matmul.filter((m) => m.adapter).slice(0, 1).map((m) => `WebGPU: ${m.adapter}`),
      ...(peerMatmul ? [`PEFT ${(peerMatmul.env as Json)?.peft}, transformers ${(peerMatmul.env as Json)?.transformers}, torch ${(peerMatmul.env as Json)?.torch} (${(peerMatmul.env as Json)?.threads} threads, fp32)`] : []),
    ];
    say(`Prompt Tuner${peer ? ' vs HF PEFT' : ''}: B=${B} L=${L} T=${T}, random weights, dropout 0.1 in train, ${precision}; ms per step = median of the timed steps (after untimed warm-up), one process per row`);
    say(versions.join(' | '));
    for (const m of [...matmul, ...(peerMatmul ? [{ ...peerMatmul, backend: 'PEFT' }] : [])]) {
      if (typeof m.cpu_cores_other === 'number' && m.cpu_cores_other > LOADED) loaded.push(`matmul on ${m.backend}: ${m.cpu_cores_other}`);
    }
    const mm = (m: Json) => `${m.backend} ${m.error ? 'failed' : `${num(m.gflops_median, 1)}${isLoaded(m) ? '!' : ''}`}`;
    say(`matmul ${MATMUL.m}x${MATMUL.k}x${MATMUL.n} GFLOP/s: ${[...matmul.map(mm), ...(peerMatmul ? [`PEFT ${num(peerMatmul.gflops_median, 1)}${isLoaded(peerMatmul) ? '!' : ''}`] : [])].join(' | ')}`);
    if (o.json) {
      for (const m of matmul) {
        const ratio = peerMatmul && typeof m.gflops_median === 'number' ? round(m.gflops_median / (peerMatmul.gflops_median as number), 3) : null;
        console.log(JSON.stringify({ ...m, precision: m.precision ?? precision, ratio, peer: peerMatmul ?? null }));
      }
    }
    say('');
    tableLine(COLS.map(([name]) => name));
    if (usable.length === 0) failures.push('no backend loaded');

    const ran: Json[] = [];
    const weights = new Map<ModelName, string>();
    const weightsFor = (model: ModelName): string => {
      let dir = weights.get(model);
      if (!dir) {
        progress(`writing random ${model} weights...`);
        const w0 = performance.now();
        dir = join(tmp, model);
        writeRandomT5(dir, { seed: 0, config: shapeConfig(model) });
        weightsS += (performance.now() - w0) / 1000;
        weights.set(model, dir);
      }
      return dir;
    };

    for (const { model, promptLen } of usable.length > 0 ? shapes : []) {
      for (const mode of modes) {
        const what = `${mode} ${model} K=${promptLen}`;
        const ours: Json[] = [];
        for (const backend of usable) {
          const c = counts(mode, model, backend);
          const job: RowJob = { kind: 'row', backend, mode, model, modelDir: weightsFor(model), batch: B, inputLen: L, targetLen: T, promptLen, ...c };
          const q = await quiet(`${what} on ${backend}`);
          const r = await runOurs(job);
          if (r.ok) ours.push({ ...r.result, quiet_wait: q });
          else {
            failures.push(`${what} on ${backend}: ${r.error}`);
            ours.push({ mode, model, batch: B, input_len: L, target_len: T, prompt_len: promptLen, backend: tfName(backend), backend_request: backend, precision, ...c, error: r.error, ms_per_step: null, examples_per_s: null, peak_rss_mib: null, cpu_cores_other: null, quiet_wait: q });
          }
        }
        let peerRow: Json | undefined;
        if (peer) {
          const c = counts(mode, model, 'peer');
          const q = await quiet(`${what} on PEFT`);
          const r = await runPeer(peer, ['--mode', mode, '--model', model, '--batch', String(B), '--input-len', String(L), '--target-len', String(T), '--prompt-len', String(promptLen), '--steps', String(c.steps), '--warmup', String(c.warmup)]);
          if (r.ok) peerRow = { ...r.result, quiet_wait: q };
          else {
            failures.push(`${what} on PEFT: ${r.error}`);
            peerRow = { error: r.error, quiet_wait: q };
          }
        }
        progress('');
        ran.push(...ours);
        for (const r of [...ours, ...(peerRow ? [{ ...peerRow, backend: 'PEFT' }] : [])]) {
          if (!r.error && typeof r.cpu_cores_other === 'number' && r.cpu_cores_other > LOADED) loaded.push(`${what} on ${r.backend}: ${r.cpu_cores_other}`);
        }
        for (const r of ours) {
          const peerEx = peerRow?.examples_per_s;
          r.ratio = typeof r.examples_per_s === 'number' && typeof peerEx === 'number' ? round(r.examples_per_s / peerEx, 3) : null;
          r.loaded = r.error ? null : isLoaded(r);
          if (o.json) {
            const p = peerRow && {
              ...(peerRow.error ? { error: peerRow.error } : {}),
              ms_per_step: peerRow.ms_per_step_median ?? null, examples_per_s: peerRow.examples_per_s ?? null, tokens_per_s: peerRow.tokens_per_s ?? null,
              peak_rss_mib: peerRow.peak_rss_mib ?? null, cpu_cores_self: peerRow.cpu_cores_self ?? null, cpu_cores_other: peerRow.cpu_cores_other ?? null,
              gflops_per_s_analytic: peerRow.gflops_per_s_analytic ?? null, steps: peerRow.steps ?? null, warmup: peerRow.warmup ?? null,
              first_step_ms: peerRow.first_step_ms ?? null, quiet_wait: peerRow.quiet_wait ?? null, loaded: peerRow.error ? null : isLoaded(peerRow),
              torch: (peerRow.env as Json | undefined)?.torch ?? null, threads: (peerRow.env as Json | undefined)?.threads ?? null,
            };
            console.log(JSON.stringify({ ...r, peer: p ?? null }));
          }
          printRow(r, peerRow?.error ? undefined : peerRow);
        }
      }
    }

    // Footer: how to read the table, what was not quiet, what failed, how long it took.
    say('');
    say(`ratio = our examples/s ÷ PEFT's (above 1: we are faster). steps = timed+warm-up. RSS = the row's own process peak (ru_maxrss, model load included).`);
    say(`others = cores used by the rest of the machine during the timed steps; ! = measured under load (> ${LOADED} cores), ? = no quiet machine within ${quietWait} s.`);
    if (!peer) say('No PEFT figures: add --peer to run HF PEFT (../shared/bench/peft_baseline.py) for the same rows in the same run.');
    const short = ran.filter((r) => r.mode === 'generate' && ((r.checks as Json | undefined)?.generated_tokens_min as number) < T);
    if (short.length > 0) notes.push(`generate: some rows stopped at eos before ${T} tokens (${short.map((r) => `${r.model} K=${r.prompt_len} ${r.backend}`).join(', ')}); the peer always generates ${T}.`);
    const wasmSelf = ran.filter((r) => r.backend === 'wasm' && typeof r.cpu_cores_self === 'number').map((r) => r.cpu_cores_self as number);
    if (wasmSelf.length > 0) notes.push(`wasm kept ${Math.max(...wasmSelf).toFixed(1)} cores busy at most: tfjs-backend-wasm runs single-threaded in Node.`);
    const software = matmul.find((m) => m.adapter_software === true);
    if (software) notes.push(`webgpu ran on a software adapter (${software.adapter}): a CPU rasteriser, so its figures only show that it runs; they are no GPU's speed.`);
    for (const n of notes) say(`note: ${n}`);
    for (const n of notQuiet) say(`NOT QUIET: ${n}`);
    for (const f of failures) say(`FAILED: ${f}`);
    say(`took ${Math.round((performance.now() - t0) / 1000)} s (of which ${Math.round(waitedS)} s waiting for a quiet machine, ${Math.round(weightsS)} s writing weights)`);
    if (loaded.length > 0 || notQuiet.length > 0) {
      say(`THE MACHINE WAS NOT QUIET: ${loaded.length > 0 ? `${loaded.length} row(s) measured while other processes used over ${LOADED} cores (${loaded.join('; ')})` : 'see above'}. Rerun them on a quiet machine before trusting their figures.`);
    }
  } finally {
    cleanup();
  }
  process.exitCode = failures.length > 0 ? 1 : 0;
})().catch((e: unknown) => {
  process.stderr.write(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});

