// The order in which training examples are visited: each epoch a fresh seeded permutation of the
// example indices, cut into batches of `batchSize`. The last batch of an epoch is kept even when it
// is smaller (every example is seen once per epoch; batches never straddle epochs). The whole state
// is serialisable, so a run resumed from a checkpoint sees exactly the batches it would have seen.
import { Rng, shuffle } from '../../rng';

export interface BatchOrderState {
  size: number;
  batchSize: number;
  /** 0-based epoch of `permutation`. */
  epoch: number;
  /** Index in `permutation` of the next example to hand out; equals `size` at the end of an epoch. */
  position: number;
  /** Rng state after drawing `permutation`; the next epoch's permutation is drawn from it. */
  rng: number[];
  permutation: number[];
}

export interface Batch {
  /** 0-based epoch. */
  epoch: number;
  /** 0-based index of this batch within its epoch. */
  indexInEpoch: number;
  /** Example indices; batchSize of them, or fewer in an epoch's last batch. */
  indices: number[];
}

export class BatchOrder {
  private state: BatchOrderState;
  private readonly rng: Rng;

  /** Order for `size` examples; the first epoch's permutation is drawn at once. */
  constructor(size: number, batchSize: number, seed: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`BatchOrder needs at least 1 example, got ${size}`);
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batch size must be a positive integer, got ${batchSize}`);
    this.rng = new Rng(seed);
    const permutation = this.drawPermutation(size);
    this.state = { size, batchSize, epoch: 0, position: 0, rng: this.rng.getState(), permutation };
  }

  /** Continues exactly where the order whose `getState()` gave `state` stopped. */
  static restore(state: BatchOrderState): BatchOrder {
    const { size, batchSize, epoch, position, rng, permutation } = state;
    const order = new BatchOrder(size, batchSize, 0);
    if (!Number.isInteger(epoch) || epoch < 0) throw new RangeError(`BatchOrder state: bad epoch ${epoch}`);
    if (!Number.isInteger(position) || position < 0 || position > size || (position % batchSize !== 0 && position !== size)) {
      throw new RangeError(`BatchOrder state: position ${position} is not a batch start in 0..${size}`);
    }
    const seen = new Set(permutation);
    if (permutation.length !== size || seen.size !== size || !permutation.every((i) => Number.isInteger(i) && i >= 0 && i < size)) {
      throw new RangeError(`BatchOrder state: permutation is not a permutation of 0..${size - 1}`);
    }
    order.rng.setState(rng);
    order.state = { size, batchSize, epoch, position, rng: [...rng], permutation: [...permutation] };
    return order;
  }

  get batchesPerEpoch(): number {
    return Math.ceil(this.state.size / this.state.batchSize);
  }

  next(): Batch {
    const s = this.state;
    if (s.position >= s.size) {
      s.permutation = this.drawPermutation(s.size);
      s.rng = this.rng.getState();
      s.epoch += 1;
      s.position = 0;
    }
    const indices = s.permutation.slice(s.position, s.position + s.batchSize);
    const batch = { epoch: s.epoch, indexInEpoch: s.position / s.batchSize, indices };
    s.position += indices.length;
    return batch;
  }

  /** A copy of the full state (plain JSON). */
  getState(): BatchOrderState {
    return { ...this.state, rng: [...this.state.rng], permutation: [...this.state.permutation] };
  }

  private drawPermutation(size: number): number[] {
    return shuffle(
      Array.from({ length: size }, (_, i) => i),
      this.rng,
    );
  }
}
