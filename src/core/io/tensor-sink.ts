// What the weight readers hand out: tensors one at a time, as float32, so a checkpoint's bytes are
// never held beside its tensors; and, before any is decoded, the list of names and shapes.

export interface RawTensor {
  shape: number[];
  data: Float32Array;
}

export type TensorSink = (name: string, tensor: RawTensor, file: string) => void;

/** A tensor as a file's header or pickle describes it, before its data is read. */
export interface TensorInfo {
  name: string;
  shape: number[];
  file: string;
}
