// Where pushed gradients are decoded as their pieces arrive: one Float32Array per shared tensor per
// push, recycled once the round that used them is applied, so a steady run allocates no gradient
// memory per round (large allocations there cost more in garbage collection than the arithmetic).
// A slot given back with the support of the sparse push it held is zero everywhere else: handing it out
// again zeroes those entries alone, so that a sparse push decodes into it in O(k) rather than zeroing
// the whole slot first.
import type { PushSupport } from './aggregation.js';

export class GradientSlots {
  private readonly free: Float32Array[][] = [];
  private readonly mine = new WeakSet<Float32Array[]>();
  private readonly preallocated: WeakSet<Float32Array[]>;
  /** Free preallocated slots, handed out before any other. */
  private readonly freePreallocated: Float32Array[][];
  /** Slots known to be zero except at a support (given back so), or entirely (never written). */
  private readonly zeroExcept = new WeakMap<Float32Array[], PushSupport>();

  /** `keep`: free slots held at most (more are left to the garbage collector). `preallocated`: slots
   *  handed out first and always taken back (the weight arena's push buffers, optim/weight-arena.ts). */
  constructor(
    private readonly sizes: readonly number[],
    private readonly keep: number,
    preallocated: readonly Float32Array[][] = [],
  ) {
    this.preallocated = new WeakSet(preallocated);
    this.freePreallocated = [...preallocated].reverse();
    // The arena's buffers start zeroed.
    for (const slot of preallocated) this.zeroExcept.set(slot, []);
  }

  /** A slot to decode one push into, and whether it is all zeros; otherwise its contents are whatever
   *  was there before. */
  acquire(): { slot: Float32Array[]; zeroed: boolean } {
    const reused = this.freePreallocated.pop() ?? this.free.pop();
    const slot = reused ?? this.sizes.map((n) => new Float32Array(n));
    this.mine.add(slot);
    if (!reused) return { slot, zeroed: true };
    const support = this.zeroExcept.get(slot);
    if (support === undefined) return { slot, zeroed: false };
    this.zeroExcept.delete(slot);
    for (const { tensor, indices } of support) {
      const values = slot[tensor];
      for (let j = 0; j < indices.length; j++) values[indices[j]] = 0;
    }
    return { slot, zeroed: true };
  }

  /** Gives a slot back once nothing reads it any more. Slots not from acquire() are ignored. `support`:
   *  the slot is known to be zero outside it (the sparse push it held, unmodified since decoding). */
  release(slot: readonly Float32Array[], support?: PushSupport): void {
    const s = slot as Float32Array[];
    if (!this.mine.has(s)) return;
    this.mine.delete(s);
    if (support) this.zeroExcept.set(s, support);
    if (this.preallocated.has(s)) this.freePreallocated.push(s);
    else if (this.free.length < this.keep) this.free.push(s);
  }
}
