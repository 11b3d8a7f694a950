// A follower shard's checkpoints (docs/shards.md): its slices of W and their optimizer state at a
// version, with the cut they belong to, so that a resume with another K or another model is refused
// instead of misread. Which version a shard resumes from is the lead's choice (the newest every shard
// holds), so a shard can always roll back to one of its checkpoints, and to version 0 without one.
import type { OptimizerState } from '../optim/optimizer.js';
import type { CheckpointStore } from './checkpoints.js';
import type { RunContext } from './run-context.js';
import type { SharedWeights } from './shared-weights.js';

export interface ShardCheckpoint {
  fingerprint: string;
  shard: number;
  /** The cut's boundaries (model/shard-plan.ts). */
  bounds: number[];
  version: number;
  shared: Float32Array[];
  optimizer: OptimizerState;
}

export class ShardCheckpoints {
  constructor(
    private readonly run: RunContext,
    private readonly store: CheckpointStore<ShardCheckpoint> | undefined,
  ) {}

  /** Versions this shard can go on from: 0 (the start, which needs no file) and every checkpoint's. */
  versions(): number[] {
    return [...new Set([0, ...(this.store?.list().map((c) => c.version) ?? [])])];
  }

  /** Logged and returned as false on failure, as the lead's periodic checkpoints are. */
  save(version: number, shared: SharedWeights): boolean {
    if (!this.store) return true;
    const { index, plan } = this.run.shard;
    const t0 = performance.now();
    try {
      const info = this.store.save(version, { fingerprint: this.run.fingerprint, shard: index, bounds: plan.bounds, version, shared: shared.tensors, optimizer: shared.optimizerState() });
      this.run.metrics?.checkpointDuration.observe((performance.now() - t0) / 1000);
      this.run.metrics?.checkpointLastSuccess.set(Date.now() / 1000);
      this.run.log(`shard ${index}: checkpoint ${info.path} (version ${version}, ${info.bytes} bytes)`);
      return true;
    } catch (err) {
      this.run.log(`shard ${index}: checkpoint at version ${version} FAILED: ${(err as Error).message}`);
      return false;
    }
  }

  /** The checkpoint of `version` (null for version 0 without one: the start), newer ones set aside.
   *  Throws when it is missing, or belongs to another model, shard or cut. */
  rollBackTo(version: number): ShardCheckpoint | null {
    const { index, plan } = this.run.shard;
    if (!this.store && version !== 0) throw new Error(`shard ${index}: asked to restore version ${version}, but this shard has no checkpoint directory`);
    // Checked before anything moves: a directory of another shard, cut or model is left as it is.
    const accept = (state: ShardCheckpoint, info: { path: string }): void => {
      const problem =
        state.fingerprint !== this.run.fingerprint
          ? `is for model ${state.fingerprint}, this run's is ${this.run.fingerprint}`
          : state.shard !== index
            ? `is shard ${state.shard}'s, this is shard ${index}`
            : state.bounds.join(',') !== plan.bounds.join(',')
              ? `cuts W at [${state.bounds.join(', ')}], this run at [${plan.bounds.join(', ')}] (another number of shards)`
              : null;
      if (problem) throw new Error(`checkpoint ${info.path} ${problem}: resume with the shards and config that wrote it, or give this shard an empty checkpoint directory`);
    };
    const loaded = this.store?.rollBackTo(version, accept) ?? null;
    if (!loaded) {
      this.run.log(`shard ${index}: going on from version 0 (the start)`);
      return null;
    }
    this.run.log(`shard ${index}: restored ${loaded.info.path} (version ${version})`);
    return loaded.state;
  }
}
