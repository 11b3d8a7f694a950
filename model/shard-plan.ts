// Which entries of W each of K coordinator shards holds. The shared tensors, in the model's order, are
// laid end to end as one range of P entries, and shard i holds the entries [b_i, b_(i+1)) of it: a
// contiguous range, so a tensor lies in one shard or is split by element range across neighbours, and
// every shard carries the same bytes up to the alignment (ps-lite partitions keys by range in the same
// way; BytePS cuts tensors into fixed-size partitions instead, which balances many shards only on
// average). Boundaries fall on multiples of `align` entries so that each shard's slices keep the SIMD
// step's stride and whole chunks; the last shard takes the remainder.

/** A shard's part of one tensor: `count` entries from `offset`. */
export interface ShardSlice {
  tensor: number;
  offset: number;
  count: number;
}

export interface ShardPlan {
  shards: number;
  /** bounds[i] is the first entry of shard i in the end-to-end order; bounds[shards] is P. */
  bounds: number[];
  /** Per shard, its slices in tensor order (a shard past the end of a small W holds none). */
  slices: ShardSlice[][];
}

/** Entries per boundary step by default: 4 KiB of float32, a multiple of every SIMD stride. */
export const SHARD_ALIGN = 1024;

export function planShards(sizes: readonly number[], shards: number, align = SHARD_ALIGN): ShardPlan {
  if (!Number.isInteger(shards) || shards < 1) throw new RangeError(`shards must be a whole number of at least 1, got ${shards}`);
  if (!Number.isInteger(align) || align < 1) throw new RangeError(`shard alignment must be a whole number of at least 1, got ${align}`);
  sizes.forEach((n, t) => {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`tensor ${t} has ${n} entries`);
  });
  const total = sizes.reduce((a, n) => a + n, 0);
  const bounds = Array.from({ length: shards + 1 }, (_, i) => (i === shards ? total : Math.min(total, Math.round((i * total) / shards / align) * align)));
  const slices = bounds.slice(0, -1).map((from, i) => slicesBetween(sizes, from, bounds[i + 1]));
  return { shards, bounds, slices };
}

/** The tensors' parts that fall in the end-to-end range [from, to). */
function slicesBetween(sizes: readonly number[], from: number, to: number): ShardSlice[] {
  const out: ShardSlice[] = [];
  let start = 0;
  sizes.forEach((n, tensor) => {
    const lo = Math.max(from, start);
    const hi = Math.min(to, start + n);
    if (hi > lo) out.push({ tensor, offset: lo - start, count: hi - lo });
    start += n;
  });
  return out;
}

/** The shard that holds entry `offset` of tensor `tensor`. */
export function shardOf(plan: ShardPlan, sizes: readonly number[], tensor: number, offset: number): number {
  const at = sizes.slice(0, tensor).reduce((a, n) => a + n, 0) + offset;
  for (let i = plan.shards - 1; i >= 0; i--) if (plan.bounds[i] <= at && at < plan.bounds[i + 1]) return i;
  throw new RangeError(`entry ${offset} of tensor ${tensor} is outside W`);
}

/** A shard's slices as tensors of their own: a whole tensor keeps its name and shape, a cut one is
 *  "name[from:to]" of shape [to - from] (what a shard's pushes and updates name on the wire). */
export function sliceLayout(tensors: readonly { name: string; shape: readonly number[] }[], slices: readonly ShardSlice[]): { name: string; shape: number[] }[] {
  return slices.map(({ tensor, offset, count }) => {
    const t = tensors[tensor];
    const whole = offset === 0 && count === t.shape.reduce((a, d) => a * d, 1);
    return whole ? { name: t.name, shape: [...t.shape] } : { name: `${t.name}[${offset}:${offset + count}]`, shape: [count] };
  });
}

/** Views of a shard's slices in full tensors (no copy: writes go through). */
export function sliceViews(tensors: readonly Float32Array[], slices: readonly ShardSlice[]): Float32Array[] {
  return slices.map(({ tensor, offset, count }) => tensors[tensor].subarray(offset, offset + count));
}

/** The plan of `shards` given as boundaries (a welcome's), checked against W's sizes. */
export function planFromBounds(sizes: readonly number[], bounds: readonly number[]): ShardPlan {
  const total = sizes.reduce((a, n) => a + n, 0);
  const ok = bounds.length >= 2 && bounds[0] === 0 && bounds[bounds.length - 1] === total && bounds.every((b, i) => Number.isInteger(b) && (i === 0 || b >= bounds[i - 1]));
  if (!ok) throw new RangeError(`shard boundaries [${bounds.join(', ')}] do not cut W's ${total} entries into increasing ranges from 0`);
  const shards = bounds.length - 1;
  return { shards, bounds: [...bounds], slices: bounds.slice(0, -1).map((from, i) => slicesBetween(sizes, from, bounds[i + 1])) };
}
