// Kernels of our own for tfjs-backend-webgpu, registered when the webgpu backend is set up
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
/** A program with one invocation per element of its output (flat indexing, workgroups of 64). */
abstract class FlatProgram {
  abstract readonly variableNames: string[];
  abstract readonly shaderKey: string;
  readonly workgroupSize: [number, number, number] = [64, 1, 1];
  readonly size = true;
  readonly outputShape: number[];
  readonly dispatchLayout: { x: number[] };
  readonly dispatch: [number, number, number];

  constructor(shape: number[], util: WebGPUUtil) {
    this.outputShape = shape;
    this.dispatchLayout = util.flatDispatchLayout(shape);
    this.dispatch = util.computeDispatch(this.dispatchLayout, shape, this.workgroupSize);
  }

  abstract getUserCode(): string;
}

class KeepWherePackedProgram extends FlatProgram {
  readonly variableNames = ['x', 'keep'];
  readonly shaderKey = 'promptTunerKeepWherePacked';

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
  registerCrossEntropyKernels(util);
}

/** Whether this process runs the webgpu backend with these kernels registered. */
export function webgpuKernelsAvailable(): boolean {
  return registered && tf.getBackend() === 'webgpu';
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

// ---- token cross-entropy over the vocabulary ----
// tfjs' logSoftmax is a chain of ops (max, subtract, exp, sum, log, subtract), and the loss and
// gradient add a one-hot [N, vocab] and four more passes: over t5's 32128-wide rows, ~10 passes and
// two [N, vocab] temporaries. Here: one workgroup per row makes its log-sum-exp (two reads of the
// row), and one pass writes softmax - one-hot; the loss is log-sum-exp minus the label's logit.

export const ROW_LOG_SUM_EXP = 'PromptTunerRowLogSumExp';
export const SOFTMAX_MINUS_ONE_HOT = 'PromptTunerSoftmaxMinusOneHot';
const ROW_BLOCK = 256;

/** log(sum(exp(row))) per row of logits [N, V] -> [N], max-shifted as logSoftmax is. */
class RowLogSumExpProgram {
  readonly variableNames = ['logits'];
  readonly workgroupSize: [number, number, number] = [ROW_BLOCK, 1, 1];
  readonly shaderKey = 'promptTunerRowLogSumExp';
  readonly outputShape: number[];
  readonly dispatchLayout: { x: number[] };
  readonly dispatch: [number, number, number];

  constructor(rows: number, util: WebGPUUtil) {
    this.outputShape = [rows];
    this.dispatchLayout = util.flatDispatchLayout(this.outputShape);
    this.dispatch = [rows, 1, 1];
  }

  getUserCode(): string {
    return `
      var<workgroup> partial : array<f32, ${ROW_BLOCK}>;
      var<workgroup> rowMax : f32;
      fn main(index : i32) {
        let row = index / ${ROW_BLOCK};
        let tid = i32(localId.x);
        let cols = uniforms.logitsShape[1];
        let start = row * cols;
        var m = -3.402823e+38f;
        for (var col = tid; col < cols; col += ${ROW_BLOCK}) {
          m = max(m, logits[start + col]);
        }
        partial[tid] = m;
        workgroupBarrier();
        for (var width = ${ROW_BLOCK / 2}; width > 0; width = width / 2) {
          if (tid < width) {
            partial[tid] = max(partial[tid], partial[tid + width]);
          }
          workgroupBarrier();
        }
        if (tid == 0) {
          rowMax = partial[0];
        }
        workgroupBarrier();
        let shift = rowMax;
        var s = 0.0;
        for (var col = tid; col < cols; col += ${ROW_BLOCK}) {
          s += exp(logits[start + col] - shift);
        }
        partial[tid] = s;
        workgroupBarrier();
        for (var width = ${ROW_BLOCK / 2}; width > 0; width = width / 2) {
          if (tid < width) {
            partial[tid] = partial[tid] + partial[tid + width];
          }
          workgroupBarrier();
        }
        if (tid == 0) {
          setOutputAtIndex(row, shift + log(partial[0]));
        }
      }
    `;
  }
}

/** exp(logits - lse[row]) - (col == label[row]) over [N, V]: the cross-entropy's gradient. */
class SoftmaxMinusOneHotProgram extends FlatProgram {
  readonly variableNames = ['logits', 'lse', 'labels'];
  readonly shaderKey = 'promptTunerSoftmaxMinusOneHot';

  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let cols = uniforms.logitsShape[1];
          let row = index / cols;
          let hit = select(0.0, 1.0, index - row * cols == labels[row]);
          setOutputAtIndex(index, exp(logits[index] - lse[row]) - hit);
        }
      }
    `;
  }
}

function registerCrossEntropyKernels(util: WebGPUUtil): void {
  tf.registerKernel({
    kernelName: ROW_LOG_SUM_EXP,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend }) => {
      const { logits } = inputs as { logits: tf.TensorInfo };
      return (backend as unknown as ProgramBackend).runWebGPUProgram(new RowLogSumExpProgram(logits.shape[0], util), [logits], 'float32');
    },
  });
  tf.registerKernel({
    kernelName: SOFTMAX_MINUS_ONE_HOT,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend }) => {
      const { logits, lse, labels } = inputs as { logits: tf.TensorInfo; lse: tf.TensorInfo; labels: tf.TensorInfo };
      return (backend as unknown as ProgramBackend).runWebGPUProgram(new SoftmaxMinusOneHotProgram(logits.shape, util), [logits, lse, labels], 'float32');
    },
  });
}

/**
 * Per row -log softmax(logits)[label] [N] and, when asked, its gradient softmax - one-hot [N, V]:
 * what TensorFlow's SparseSoftmaxCrossEntropyWithLogits gives on the native backend.
 */
export function sparseSoftmaxCrossEntropyWebGPU(logits: tf.Tensor2D, labels: tf.Tensor1D, withGrad: boolean): { loss: tf.Tensor1D; grad?: tf.Tensor2D } {
  return tf.tidy(() => {
    const [n, v] = logits.shape;
    const lse = tf.engine().runKernel(ROW_LOG_SUM_EXP, { logits } as unknown as tf.NamedTensorMap) as tf.Tensor1D;
    const at = tf.add(tf.mul(tf.range(0, n, 1, 'int32'), tf.scalar(v, 'int32')), labels);
    const loss = tf.sub(lse, tf.gather(logits.reshape([n * v]), at)) as tf.Tensor1D;
    if (!withGrad) return { loss };
    return { loss, grad: tf.engine().runKernel(SOFTMAX_MINUS_ONE_HOT, { logits, lse, labels } as unknown as tf.NamedTensorMap) as tf.Tensor2D };
  });
}
