// TensorFlow.js' webgpu backend (@tensorflow/tfjs-backend-webgpu) on Dawn in Node: the adapter is
// chosen and reported here, the device made with the adapter's limits (as tfjs' own factory does in
// a browser), and synchronous reads implemented (tfjs reads synchronously through an
// OffscreenCanvas, which Node lacks): copy to a mappable buffer, submit, and process Dawn's events
// in place until the copy is mapped.
import * as tf from '../tf';
import { createRequire } from 'node:module';
import { adapterReport, installEventPump, loadDawn, pumpUntil, type GpuAdapterLike, type GpuAdapterReport, type GpuDeviceLike } from './dawn';
import { registerWebGPUKernels } from '../tensor/webgpu-kernels';

const requireHere = createRequire(__filename);

/** What this file uses of WebGPUBackend beyond KernelBackend (its fields are public in JS). */
interface WebGPUInternals {
  tensorMap: { get(dataId: object): { values: tf.backend_util.BackendValues | null; dtype: tf.DataType; resource: GpuBufferLike | null } };
  bufferManager: { acquireBuffer(size: number, usage: number): GpuBufferLike; releaseBuffer(buffer: GpuBufferLike): void };
  commandEncoder: { copyBufferToBuffer(src: GpuBufferLike, srcOffset: number, dst: GpuBufferLike, dstOffset: number, size: number): void };
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
  convertAndCacheOnCPU(dataId: object, values: tf.backend_util.BackendValues): tf.backend_util.BackendValues;
}

interface GpuBufferLike {
  size: number;
  mapState: 'unmapped' | 'pending' | 'mapped';
  mapAsync(mode: number): Promise<void>;
  getMappedRange(): ArrayBuffer;
  unmap(): void;
}

type WebGPUBackendClass = new (device: GpuDeviceLike, adapterInfo: GpuAdapterLike['info']) => tf.KernelBackend & { uploadToGPU(dataId: object): void };

/** tfjs-backend-webgpu's MatMulProgramType.MatMulPackedProgram (a const enum it does not export). */
const TILED_MATMUL = 3;

const g = globalThis as unknown as { GPUBufferUsage: { COPY_DST: number; MAP_READ: number }; GPUMapMode: { READ: number } };

/** The first validation or out-of-memory error Dawn reported and nobody caught: reads fail with it. */
let deviceError: string | undefined;
/** Bytes of tensor values copied from JavaScript to the GPU so far (see webgpuStats). */
let uploadedBytes = 0;

/** Reads a tensor's GPU buffer synchronously (float32 and int32/bool are 4 bytes per element). */
function readBufferSync(be: WebGPUInternals, buffer: GpuBufferLike, dtype: tf.DataType): tf.backend_util.BackendValues {
  const staging = be.bufferManager.acquireBuffer(buffer.size, g.GPUBufferUsage.COPY_DST | g.GPUBufferUsage.MAP_READ);
  be.ensureCommandEncoderReady();
  be.endComputePassEncoder();
  be.commandEncoder.copyBufferToBuffer(buffer, 0, staging, 0, buffer.size);
  be.submitQueue();
  // The promise only says what mapState says; a rejection (device lost) is reported below.
  staging.mapAsync(g.GPUMapMode.READ).catch(() => undefined);
  pumpUntil(() => staging.mapState !== 'pending', 'a synchronous read (dataSync)');
  if (staging.mapState !== 'mapped') {
    be.bufferManager.releaseBuffer(staging);
    throw new Error(`WebGPU: reading a tensor back failed${deviceError ? `: ${deviceError}` : ' (the device may be lost)'}`);
  }
  const bytes = staging.getMappedRange().slice(0);
  staging.unmap();
  be.bufferManager.releaseBuffer(staging);
  return tf.util.convertBackendValuesAndArrayBuffer(bytes, dtype) as tf.backend_util.BackendValues;
}

function nodeBackendClass(base: WebGPUBackendClass): WebGPUBackendClass {
  return class NodeWebGPUBackend extends base {
    override readSync(dataId: object): tf.backend_util.BackendValues {
      if (deviceError) throw new Error(`WebGPU: ${deviceError}`);
      const be = this as unknown as WebGPUInternals;
      const data = be.tensorMap.get(dataId);
      if (data.values != null || data.dtype === 'string' || data.dtype === 'complex64' || !data.resource) return super.readSync(dataId);
      return be.convertAndCacheOnCPU(dataId, readBufferSync(be, data.resource, data.dtype));
    }

    override uploadToGPU(dataId: object): void {
      const data = (this as unknown as WebGPUInternals).tensorMap.get(dataId);
      if (data.resource == null && data.values != null) uploadedBytes += 4 * data.values.length;
      super.uploadToGPU(dataId);
    }
  };
}

/**
 * What the webgpu backend moved and holds, for tests and the log: bytes uploaded from JavaScript
 * since it started (frozen weights once; per step only the prompt, ids, masks and biases), bytes
 * of GPU buffers in use by tensors and allocated in all (tfjs keeps freed buffers for reuse).
 */
export function webgpuStats(): { uploadedBytes: number; bytesInUse: number; bytesAllocated: number } | undefined {
  if (tf.getBackend() !== 'webgpu') return undefined;
  const m = tf.backend().memory() as unknown as { numBytesInGPU: number; numBytesAllocatedInGPU: number };
  return { uploadedBytes, bytesInUse: m.numBytesInGPU, bytesAllocated: m.numBytesAllocatedInGPU };
}

export interface WebGPUSetup {
  adapter: GpuAdapterReport;
}

let setUp: WebGPUSetup | undefined;

/**
 * Loads Dawn, picks the high-performance adapter and registers the 'webgpu' backend on it. A
 * software adapter is refused unless `allowSoftware` (the backend was asked for by name). Throws
 * why the backend cannot run here.
 */
export async function registerWebGPU(allowSoftware: boolean): Promise<WebGPUSetup> {
  if (setUp) {
    if (setUp.adapter.software && !allowSoftware) throw softwareRefusal(setUp.adapter);
    return setUp;
  }
  const gpu = loadDawn();
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('Dawn found no WebGPU adapter (no Metal, Direct3D 12 or Vulkan device with a driver)');
  const report = adapterReport(adapter);
  if (report.software && !allowSoftware) throw softwareRefusal(report);
  // Kernels register on require; the module's own 'webgpu' factory (it saw navigator.gpu) is
  // replaced by ours, which uses this very adapter.
  const { WebGPUBackend, webgpu_util: util } = requireHere('@tensorflow/tfjs-backend-webgpu') as { WebGPUBackend: WebGPUBackendClass; webgpu_util: Parameters<typeof registerWebGPUKernels>[0] };
  const l = adapter.limits;
  installEventPump();
  const device = await adapter.requestDevice({
    requiredFeatures: adapter.features.has('timestamp-query') ? ['timestamp-query'] : [],
    requiredLimits: {
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxBufferSize: l.maxBufferSize,
      maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
    },
  });
  device.onuncapturederror = (event) => {
    deviceError ??= event.error.message;
  };
  void device.lost.then((info) => {
    deviceError ??= `the GPU device was lost (${info.reason}): ${info.message}`;
  });
  const Backend = nodeBackendClass(WebGPUBackend);
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', () => new Backend(device, adapter.info), 0);
  registerWebGPUKernels(util);
  // A CPU rasteriser runs a workgroup barrier as a switch between emulated invocations. tfjs picks
  // its barrier-heavy reduce product for few output elements (decoding's rows, attention's small
  // batches); there the tiled product is ~10x faster per token (SwiftShader, t5-v1_0-tiny greedy).
  if (report.software) tf.env().set('WEBGPU_MATMUL_PROGRAM_TYPE', TILED_MATMUL);
  setUp = { adapter: report };
  return setUp;
}

function softwareRefusal(a: GpuAdapterReport): Error {
  return new Error(`the only WebGPU adapter is a software one (${[a.vendor, a.architecture].join(' ')}), used only when asked for by name (--backend webgpu)`);
}
