// Seeded pseudo-random numbers for everything a run must reproduce: data order, the validation
// split, prompt initialisation and dropout seeds. sfc32 (Chris Doty-Humphrey's Small Fast Counting
// generator): 128 bits of state, passes PractRand, and its whole state is four uint32s, so a
// checkpoint can store it and a resumed run continues with exactly the same numbers.

const TWO_POW_32 = 2 ** 32;

export class Rng {
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 0;

  /** `seed` is any integer; it is taken modulo 2^32. */
  constructor(seed: number) {
    if (!Number.isInteger(seed)) throw new RangeError(`Rng seed must be an integer, got ${seed}`);
    // splitmix32 spreads a small seed (0, 1, 2, ...) over all 128 state bits.
    let s = seed >>> 0;
    const splitmix = (): number => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = splitmix();
    this.b = splitmix();
    this.c = splitmix();
    this.d = splitmix();
    // Warm-up: the first outputs of sfc32 are still correlated with the seed.
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  static fromState(state: readonly number[]): Rng {
    const rng = new Rng(0);
    rng.setState(state);
    return rng;
  }

  /** A uniformly distributed integer in [0, 2^32). */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A uniformly distributed number in [0, 1) with 32 random bits. */
  next(): number {
    return this.nextUint32() / TWO_POW_32;
  }

  /** A uniformly distributed number in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** A uniformly distributed integer in [0, n), without modulo bias; 1 <= n <= 2^32. */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_POW_32) {
      throw new RangeError(`Rng.int(n) needs an integer 1 <= n <= 2^32, got ${n}`);
    }
    // Reject the top partial block of [0, 2^32) so every residue is equally likely.
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    for (;;) {
      const r = this.nextUint32();
      if (r < limit) return r % n;
    }
  }

  /** The full state: four uint32s. */
  getState(): number[] {
    return [this.a >>> 0, this.b >>> 0, this.c >>> 0, this.d >>> 0];
  }

  setState(state: readonly number[]): void {
    if (state.length !== 4 || !state.every((v) => Number.isInteger(v) && v >= 0 && v < TWO_POW_32)) {
      throw new RangeError(`Rng state must be four uint32 integers, got ${JSON.stringify(state)}`);
    }
    [this.a, this.b, this.c, this.d] = state.map((v) => v | 0);
  }
}

/** Fisher–Yates shuffle in place; returns the same array. */
export function shuffle<T>(array: T[], rng: Rng): T[] {
  for (let i = array.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const tmp = array[i];
    array[i] = array[j];
    array[j] = tmp;
  }
  return array;
}
