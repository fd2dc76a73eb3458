// The GPU package (@tensorflow/tfjs-node-gpu) is worth offering only where nvidia-smi reports an
// NVIDIA GPU, and it works only with the CUDA and cuDNN versions its libtensorflow was built for.
// This module finds the GPUs, states those requirements, and looks for the CUDA libraries so that a
// failure can say what is missing.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { findIn, isFile, pathDirs, type SearchContext } from './find-executable';

/** What @tensorflow/tfjs-node-gpu 4.x needs (its libtensorflow-gpu 2.9.1 was built against these). */
export const GPU_REQUIREMENTS = {
  libtensorflow: '2.9.1',
  cuda: '11.2',
  cudnn: '8.1',
  platforms: 'Linux x86-64 or Windows x64',
} as const;

export function describeGpuRequirements(): string {
  const r = GPU_REQUIREMENTS;
  return (
    `The GPU package needs ${r.platforms} with an NVIDIA GPU, its driver, CUDA ${r.cuda} and cuDNN ${r.cudnn} installed ` +
    `(its install downloads libtensorflow-gpu ${r.libtensorflow}, built for exactly these versions). ` +
    `If it cannot use the GPU, the CPU package is installed (or kept) instead.`
  );
}

/** Why the GPU package cannot run on this platform at all, or undefined when it may. */
export function gpuPlatformProblem(platform: NodeJS.Platform, arch: string): string | undefined {
  if ((platform === 'linux' || platform === 'win32') && arch === 'x64') return undefined;
  return `@tensorflow/tfjs-node-gpu is built only for ${GPU_REQUIREMENTS.platforms}, not ${platform} ${arch}.`;
}

export interface GpuInfo {
  name: string;
  memoryMB?: number;
  driver?: string;
}

export interface GpuDetection {
  gpus: GpuInfo[];
  /** The nvidia-smi that was run, when one was found. */
  nvidiaSmi?: string;
  /** Why no GPU is reported (no nvidia-smi, or it failed), for the log. */
  reason?: string;
}

/** Where the NVIDIA driver installs nvidia-smi when it is not on PATH. */
function nvidiaSmiDirs(ctx: SearchContext): string[] {
  if (ctx.platform === 'win32') {
    const programFiles = ctx.env.ProgramFiles ?? 'C:\\Program Files';
    return [join(programFiles, 'NVIDIA Corporation', 'NVSMI'), join(ctx.env.SystemRoot ?? 'C:\\Windows', 'System32')];
  }
  return ['/usr/bin', '/usr/local/bin', '/usr/lib/wsl/lib'];
}

/** Parses `nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader,nounits`. */
export function parseNvidiaSmi(stdout: string): GpuInfo[] {
  return stdout
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      const [name = '', memory, driver] = line.split(',').map((f) => f.trim());
      const memoryMB = Number.parseInt(memory ?? '', 10);
      return { name, ...(Number.isFinite(memoryMB) ? { memoryMB } : {}), ...(driver ? { driver } : {}) };
    })
    .filter((gpu) => gpu.name !== '');
}

/** Runs nvidia-smi (PATH first, then where the driver puts it); no GPU when it is missing or fails. */
export function detectNvidiaGpus(ctx: SearchContext, timeoutMs = 10_000): Promise<GpuDetection> {
  const smi = findIn('nvidia-smi', [...pathDirs(ctx), ...nvidiaSmiDirs(ctx)], ctx);
  if (!smi) return Promise.resolve({ gpus: [], reason: 'nvidia-smi was not found (no NVIDIA driver installed)' });
  return new Promise((resolve) => {
    execFile(
      smi,
      ['--query-gpu=name,memory.total,driver_version', '--format=csv,noheader,nounits'],
      { env: ctx.env, timeout: timeoutMs, encoding: 'utf8', windowsHide: true },
      (err, stdout, stderr) => {
        if (err) {
          const said = `${stdout}\n${stderr}`.trim().split('\n')[0] ?? '';
          resolve({ gpus: [], nvidiaSmi: smi, reason: `${smi} failed${said ? `: ${said}` : ` (${err.message})`}` });
          return;
        }
        const gpus = parseNvidiaSmi(stdout);
        resolve({ gpus, nvidiaSmi: smi, ...(gpus.length === 0 ? { reason: `${smi} lists no GPU` } : {}) });
      },
    );
  });
}

export function describeGpu(gpu: GpuInfo): string {
  const memory = gpu.memoryMB ? `, ${(gpu.memoryMB / 1024).toFixed(gpu.memoryMB >= 10240 ? 0 : 1)} GB` : '';
  const driver = gpu.driver ? `, driver ${gpu.driver}` : '';
  return `${gpu.name}${memory}${driver}`;
}

export interface CudaLibraries {
  /** Library files found, by what they are ("CUDA 11.2 runtime"). */
  found: { what: string; path: string }[];
  /** What was looked for and not found. */
  missing: { what: string; file: string }[];
}

/**
 * Looks for the CUDA runtime and cuDNN libraries libtensorflow-gpu 2.9.1 loads, where the dynamic
 * loader would find them (LD_LIBRARY_PATH / PATH and the usual CUDA folders). A hint, not a verdict:
 * the GPU check after installing is what decides.
 */
export function findCudaLibraries(ctx: SearchContext, extraDirs: readonly string[] = []): CudaLibraries {
  const exists = ctx.isFile ?? isFile;
  const wanted =
    ctx.platform === 'win32'
      ? [
          { what: `CUDA ${GPU_REQUIREMENTS.cuda} runtime`, file: 'cudart64_110.dll' },
          { what: `cuDNN ${GPU_REQUIREMENTS.cudnn}`, file: 'cudnn64_8.dll' },
        ]
      : [
          { what: `CUDA ${GPU_REQUIREMENTS.cuda} runtime`, file: 'libcudart.so.11.0' },
          { what: `cuDNN ${GPU_REQUIREMENTS.cudnn}`, file: 'libcudnn.so.8' },
        ];
  const dirs =
    ctx.platform === 'win32'
      ? [...extraDirs, ...(ctx.env.CUDA_PATH ? [join(ctx.env.CUDA_PATH, 'bin')] : []), ...pathDirs(ctx)]
      : [
          ...extraDirs,
          ...(ctx.env.LD_LIBRARY_PATH ?? '').split(':').filter((d) => d !== ''),
          ...(ctx.env.CUDA_HOME ? [join(ctx.env.CUDA_HOME, 'lib64')] : []),
          '/usr/local/cuda-11.2/lib64',
          '/usr/local/cuda/lib64',
          '/usr/lib/x86_64-linux-gnu',
          '/usr/lib64',
          '/usr/lib',
        ];
  const result: CudaLibraries = { found: [], missing: [] };
  for (const lib of wanted) {
    const dir = dirs.find((d) => exists(join(d, lib.file)));
    if (dir) result.found.push({ what: lib.what, path: join(dir, lib.file) });
    else result.missing.push(lib);
  }
  return result;
}

export function describeCudaLibraries(libs: CudaLibraries): string {
  const found = libs.found.map((l) => `${l.what} (${l.path})`);
  const missing = libs.missing.map((l) => `${l.what} (${l.file})`);
  return [found.length ? `found ${found.join(', ')}` : '', missing.length ? `not found: ${missing.join(', ')}` : ''].filter(Boolean).join('; ');
}
