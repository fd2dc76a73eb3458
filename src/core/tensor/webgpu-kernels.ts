// A kernel of our own for tfjs-backend-webgpu, registered when the webgpu backend is set up
// (webgpu/backend.ts). Dropout masks are bytes (dropout.ts); tfjs keeps a bool tensor as one int32
// per element on the GPU, so a mask would be uploaded and held at 4 bytes an element (t5-base at
// batch 32: ~1 GB of attention masks kept for the backward pass), and applying it would take a cast
// and a multiply, with a float copy of the mask in between. Instead the mask's bytes go up as they
// are, four to an int32 (dropout.ts' nextMask packs them when packedMasks() says so), and
// "x where kept, else 0" reads its byte in one pass.
import * as tf from '../tf';

export const KEEP_WHERE_PACKED = 'PromptTunerKeepWherePacked';

interface WebGPUUtil {
  flatDispatchLayout(shape: number[]): { x: number[] };
  computeDispatch(layout: { x: number[] }, shape: number[], workgroupSize: [number, number, number]): [number, number, number];
}

interface ProgramBackend {
  runWebGPUProgram(program: object, inputs: tf.TensorInfo[], dtype: tf.DataType): tf.TensorInfo;
}

/** out[i] = x[i] where byte i of the packed mask is nonzero, else 0 (any rank, flat indexing). */
class KeepWherePackedProgram {
  readonly variableNames = ['x', 'keep'];
  readonly workgroupSize: [number, number, number] = [64, 1, 1];
  readonly size = true;
  readonly shaderKey = 'promptTunerKeepWherePacked';
  readonly outputShape: number[];
  readonly dispatchLayout: { x: number[] };
  readonly dispatch: [number, number, number];

  constructor(shape: number[], util: WebGPUUtil) {
    this.outputShape = shape;
    this.dispatchLayout = util.flatDispatchLayout(shape);
    this.dispatch = util.computeDispatch(this.dispatchLayout, shape, this.workgroupSize);
  }

  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let word = keep[index / 4];
          let kept = (word >> (u32(index % 4) * 8u)) & 255;
          setOutputAtIndex(index, select(0.0, x[index], kept != 0));
        }
      }
    `;
  }
}

let registered = false;

export function registerWebGPUKernels(util: WebGPUUtil): void {
  if (registered) return;
  registered = true;
  tf.registerKernel({
    kernelName: KEEP_WHERE_PACKED,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend }) => {
      const { x, keep } = inputs as { x: tf.TensorInfo; keep: tf.TensorInfo };
      const size = tf.util.sizeFromShape(x.shape);
      if (x.dtype !== 'float32' || keep.dtype !== 'int32' || tf.util.sizeFromShape(keep.shape) !== Math.ceil(size / 4)) {
        throw new Error(`${KEEP_WHERE_PACKED}: a float32 tensor of ${size} elements takes a packed mask of ${Math.ceil(size / 4)} int32, not ${keep.dtype} ${JSON.stringify(keep.shape)}`);
      }
      if (size === 0) return (backend as unknown as tf.KernelBackend & { makeTensorInfo(shape: number[], dtype: tf.DataType): tf.TensorInfo }).makeTensorInfo(x.shape, 'float32');
      return (backend as unknown as ProgramBackend).runWebGPUProgram(new KeepWherePackedProgram(x.shape, util), [x, keep], 'float32');
    },
  });
}

/** Whether this process can apply packed masks (the webgpu backend with this kernel). */
export function packedMasksAvailable(): boolean {
  return registered && tf.getBackend() === 'webgpu';
}

/** x where the packed byte mask (nextMask's, on webgpu) keeps, 0 elsewhere. */
export function keepWherePacked<T extends tf.Tensor>(x: T, keep: tf.Tensor): T {
  return tf.engine().runKernel(KEEP_WHERE_PACKED, { x, keep } as unknown as tf.NamedTensorMap) as T;
}

/** Bytes of a mask as the int32 words keepWherePacked reads (the buffer must hold whole words). */
export function packMask(bytes: Uint8Array): tf.Tensor1D {
  const words = Math.ceil(bytes.length / 4);
  if (bytes.byteOffset % 4 !== 0 || bytes.byteOffset + 4 * words > bytes.buffer.byteLength) throw new Error('packMask: the mask bytes must start on a word and be followed by room for a whole last word');
  return tf.tensor1d(new Int32Array(bytes.buffer, bytes.byteOffset, words), 'int32');
}
