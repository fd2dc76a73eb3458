// Replacements for four tfjs-backend-wasm 4.22 kernels, registered when the wasm backend is chosen
// (backend.ts). Its Slice copies the WHOLE input out of the wasm heap (readSync) before taking the
// slice, and Unpack and SplitV slice once per output: unstacking a [64, 148, 64] tensor copied it
// 64 times (58 ms; 0.6 ms here, reading the input in place). Its Identity copies the data, though
// tensors are immutable (the cpu backend and wasm's own Reshape share it): every tensor a tape op
// saves for its backward pass is a clone, so this halved what a training step moved and held.
import * as tf from '../tf';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

type SliceAttrs = { begin: number | number[]; size?: number | number[] };

function slice(x: tf.TensorInfo, begin: number | number[], size: number | number[] | undefined, backend: BackendWasm): tf.TensorInfo {
  const [start, extent] = tf.slice_util.parseSliceParams(x, begin, size);
  // makeOutput may grow the heap, which detaches earlier views: take the views after it.
  const out = backend.makeOutput(extent, x.dtype);
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  const strides = tf.util.computeStrides(x.shape);
  if (tf.slice_util.isSliceContinous(x.shape, start, extent)) {
    const offset = tf.slice_util.computeFlatOffset(start, strides);
    dst.set(src.subarray(offset, offset + tf.util.sizeFromShape(extent)));
    return out;
  }
  // Copy runs along the last axis, walking the others like an odometer.
  const rank = x.shape.length;
  const run = extent[rank - 1];
  const index = new Array<number>(rank - 1).fill(0);
  const lines = tf.util.sizeFromShape(extent.slice(0, -1));
  for (let line = 0, at = 0; line < lines; line++, at += run) {
    let offset = start[rank - 1];
    for (let a = 0; a < rank - 1; a++) offset += (start[a] + index[a]) * strides[a];
    dst.set(src.subarray(offset, offset + run), at);
    for (let a = rank - 2; a >= 0 && ++index[a] === extent[a]; a--) index[a] = 0;
  }
  return out;
}

let registered = false;

export function registerWasmKernelFixes(): void {
  if (registered) return;
  registered = true;
  const original = tf.getKernel('Slice', 'wasm');
  tf.unregisterKernel('Slice', 'wasm');
  tf.registerKernel({
    kernelName: 'Slice',
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { x } = args.inputs as { x: tf.TensorInfo };
      // Strings live outside the heap: the original kernel handles them.
      if (x.dtype === 'string' && original) return original.kernelFunc(args);
      const { begin, size } = args.attrs as unknown as SliceAttrs;
      return slice(x, begin, size, args.backend as BackendWasm);
    },
  });
  const identity = tf.getKernel('Identity', 'wasm');
  tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel({
    kernelName: 'Identity',
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { x } = args.inputs as { x: tf.TensorInfo };
      if (x.dtype === 'string' && identity) return identity.kernelFunc(args);
      (args.backend as BackendWasm).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  });
  tf.unregisterKernel('SplitV', 'wasm');
  tf.registerKernel({
    kernelName: 'SplitV',
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { x } = args.inputs as { x: tf.TensorInfo };
      const { numOrSizeSplits, axis } = args.attrs as unknown as { numOrSizeSplits: number | number[]; axis: number };
      const along = tf.util.parseAxisParam(axis, x.shape)[0];
      const begin = new Array<number>(x.shape.length).fill(0);
      return tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, along).map((n) => {
        const size = x.shape.slice();
        size[along] = n;
        const part = slice(x, begin.slice(), size, args.backend as BackendWasm);
        begin[along] += n;
        return part;
      });
    },
  });
  tf.unregisterKernel('Unpack', 'wasm');
  tf.registerKernel({
    kernelName: 'Unpack',
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { value } = args.inputs as { value: tf.TensorInfo };
      const rank = value.shape.length;
      const axis = ((args.attrs as unknown as { axis: number }).axis + rank) % rank;
      const size = value.shape.slice();
      size[axis] = 1;
      const outShape = value.shape.filter((_, i) => i !== axis);
      return Array.from({ length: value.shape[axis] }, (_, i) => {
        const begin = new Array<number>(rank).fill(0);
        begin[axis] = i;
        const { dataId, dtype } = slice(value, begin, size, args.backend as BackendWasm);
        return { dataId, dtype, shape: outShape };
      });
    },
  });
}
