// Where pushed gradients are decoded as their pieces arrive: one Float32Array per shared tensor per
// push, recycled once the round that used them is applied, so a steady run allocates no gradient
// memory per round (large allocations there cost more in garbage collection than the arithmetic).

export class GradientSlots {
  private readonly free: Float32Array[][] = [];
  private readonly mine = new WeakSet<Float32Array[]>();
  private readonly preallocated: WeakSet<Float32Array[]>;
  /** Free preallocated slots, handed out before any other. */
  private readonly freePreallocated: Float32Array[][];

  /** `keep`: free slots held at most (more are left to the garbage collector). `preallocated`: slots
   *  handed out first and always taken back (the weight arena's push buffers, optim/weight-arena.ts). */
  constructor(
    private readonly sizes: readonly number[],
    private readonly keep: number,
    preallocated: readonly Float32Array[][] = [],
  ) {
    this.preallocated = new WeakSet(preallocated);
    this.freePreallocated = [...preallocated].reverse();
  }

  /** A slot to decode one push into; its contents are whatever was there before. */
  acquire(): Float32Array[] {
    const slot = this.freePreallocated.pop() ?? this.free.pop() ?? this.sizes.map((n) => new Float32Array(n));
    this.mine.add(slot);
    return slot;
  }

  /** Gives a slot back once nothing reads it any more. Slots not from acquire() are ignored. */
  release(slot: readonly Float32Array[]): void {
    const s = slot as Float32Array[];
    if (!this.mine.has(s)) return;
    this.mine.delete(s);
    if (this.preallocated.has(s)) this.freePreallocated.push(s);
    else if (this.free.length < this.keep) this.free.push(s);
  }
}
