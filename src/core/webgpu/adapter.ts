// A WebGPU adapter as Prompt Tuner reports it with the backend (BackendInfo, the CLI, the panel).
// Plain values and pure functions: the webview bundles this file too (through native/labels.ts).

/** The adapter a webgpu backend runs on, as reported with the backend. */
export interface GpuAdapterReport {
  /** GPUAdapterInfo: e.g. "apple", "metal-3"; "nvidia", "ampere"; "google", "swiftshader". */
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A CPU rasteriser (SwiftShader, lavapipe/llvmpipe, WARP): used only when asked for by name. */
  software: boolean;
  /** The limits that bound our tensors and kernels. */
  limits: {
    maxBufferSize: number;
    maxStorageBufferBindingSize: number;
    maxComputeWorkgroupStorageSize: number;
    maxComputeInvocationsPerWorkgroup: number;
    maxComputeWorkgroupsPerDimension: number;
  };
}

const SOFTWARE_ADAPTER = /swiftshader|lavapipe|llvmpipe|softpipe|\bwarp\b|microsoft basic render/i;

/** Whether an adapter is a CPU rasteriser, from what it says of itself. */
export function isSoftwareAdapter(info: { vendor: string; architecture: string; device: string; description: string; isFallbackAdapter?: boolean }): boolean {
  return info.isFallbackAdapter === true || SOFTWARE_ADAPTER.test([info.vendor, info.architecture, info.device, info.description].join(' '));
}

/** "google swiftshader (SwiftShader driver 5.0.0), software; buffers up to 1024 MiB". */
export function describeAdapter(a: GpuAdapterReport): string {
  const name = [a.vendor, a.architecture].filter(Boolean).join(' ');
  const detail = a.description || a.device;
  const mib = Math.floor(Math.min(a.limits.maxBufferSize, a.limits.maxStorageBufferBindingSize) / 2 ** 20);
  return `${name}${detail ? ` (${detail})` : ''}${a.software ? ', software' : ''}; buffers up to ${mib} MiB`;
}
