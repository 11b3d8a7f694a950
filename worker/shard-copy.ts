// The worker's copy of W put together from its shards (docs/shards.md): each coordinator shard keeps
// its own mirror of its slices, and so does the worker, as views into one set of full tensors, so that
// each shard's updates (full, or deltas added in float32) land in place. The copy is whole at version v
// once every shard's mirror is at v; only then is a round trained. With one coordinator the one mirror
// is the full tensors.
import { Mirror } from '../compression/mirror.js';
import { sliceViews } from '../model/shard-plan.js';
import type { RunShards } from './run-plan.js';

export class ShardCopy {
  /** W as the shards last sent it, in full. */
  readonly tensors: Float32Array[];
  private readonly mirrors: Mirror[];

  constructor(
    readonly shards: RunShards,
    sizes: readonly number[],
  ) {
    this.tensors = sizes.map((n) => new Float32Array(n));
    this.mirrors = shards.plan.slices.map((slices) => new Mirror(shards.plan.shards === 1 ? this.tensors : sliceViews(this.tensors, slices), -1));
  }

  get count(): number {
    return this.mirrors.length;
  }

  /** The version every shard's slices are at; -1 while they differ (or none came yet). */
  get version(): number {
    const v = this.mirrors[0].version;
    return this.mirrors.every((m) => m.version === v) ? v : -1;
  }

  /** Shard `shard`'s mirror (its slices' version, and where its updates go). */
  mirror(shard: number): Mirror {
    return this.mirrors[shard];
  }

  /** Views of shard `shard`'s slices in full tensors `full` (a gradient to push to it). */
  slicesOf(shard: number, full: readonly Float32Array[]): Float32Array[] {
    return this.shards.plan.shards === 1 ? [...full] : sliceViews(full, this.shards.plan.slices[shard]);
  }
}
