// The coordinator's state in checkpoints: what one holds (everything needed to go on from its version),
// saving one with its metrics and log line, and taking one back on --resume after checking that it is
// this run's model and this build's format.
import type { OptimizerState } from '../optim/optimizer.js';
import type { AggregatorState } from './aggregation.js';
import { PROTOCOL_VERSION } from '../proto/codec.js';

/** Checkpoints whose task states this build reads. */
const READABLE_PROTOCOLS: readonly number[] = [2, PROTOCOL_VERSION];
import type { CheckpointStore } from './checkpoints.js';
import type { RunContext } from './run-context.js';
import type { SharedWeights } from './shared-weights.js';
import type { TaskStates } from './task-states.js';

export interface CoordinatorCheckpoint {
  /** The protocol its task states are encoded in (absent: version 1). */
  protocol?: number;
  fingerprint: string;
  version: number;
  shared: Float32Array[];
  optimizer: OptimizerState;
  /** Each task's last reported state, as its encoded TaskState message. */
  tasks: Record<string, Uint8Array>;
  elapsedSeconds: number;
  /** The aggregation method's state (a loss-based method's weights), when it keeps one. */
  aggregation?: AggregatorState;
  /** The cut of W over the shards (model/shard-plan.ts bounds) when the run had more than one; absent: one coordinator. */
  shards?: number[];
}

export class RunCheckpoints {
  constructor(
    private readonly run: RunContext,
    private readonly store: CheckpointStore<CoordinatorCheckpoint> | undefined,
  ) {}

  /** Writes a checkpoint of W at `version` and the task states. A failure is logged and returned as false,
   *  not thrown: training goes on after a failed periodic checkpoint. (A failed final one fails the run:
   *  the launcher reads that from the store, CheckpointStore.lastSaveError.) */
  save(version: number, shared: SharedWeights, taskStates: TaskStates, elapsedSeconds: number): boolean {
    if (!this.store) return true;
    const { plan } = this.run.shard;
    const aggregation = shared.aggregatorState();
    const state = {
      version,
      shared: shared.tensors,
      optimizer: shared.optimizerState(),
      tasks: taskStates.encoded(),
      elapsedSeconds,
      ...(plan.shards > 1 ? { shards: plan.bounds } : {}),
      ...(aggregation ? { aggregation } : {}),
    };
    const t0 = performance.now();
    try {
      const info = this.store.save(state.version, { protocol: PROTOCOL_VERSION, fingerprint: this.run.fingerprint, ...state });
      const seconds = (performance.now() - t0) / 1000;
      this.run.metrics?.checkpointDuration.observe(seconds);
      this.run.metrics?.checkpointLastSuccess.set(Date.now() / 1000);
      this.run.log(`coordinator: checkpoint ${info.path} (version ${state.version}, ${info.bytes} bytes, ${seconds.toFixed(2)} s)`);
      return true;
    } catch (err) {
      this.run.log(`coordinator: checkpoint at version ${state.version} FAILED: ${(err as Error).message}`);
      return false;
    }
  }

  /** The newest valid checkpoint (damaged newer files are set aside by the store), or null (logged) when
   *  the directory holds no checkpoint, or only damaged ones and the store was told to start fresh then.
   *  Throws when every checkpoint is damaged (NoValidCheckpointError, from the store), and when the newest
   *  valid one belongs to another model or was written by a build whose task states this one cannot read. */
  resume(version?: number): CoordinatorCheckpoint | null {
    const loaded = version === undefined ? (this.store?.resumeNewest() ?? null) : (this.store?.rollBackTo(version) ?? null);
    if (!loaded) {
      this.run.log(`coordinator: --resume given but ${this.store ? `no valid checkpoint in ${this.store.dir}` : 'no checkpoint directory'}; starting from version 0`);
      return null;
    }
    const ck = loaded.state;
    const path = loaded.info.path;
    if (ck.fingerprint !== this.run.fingerprint) {
      throw new Error(
        `checkpoint ${path} is for model ${ck.fingerprint}, but the run config describes model ${this.run.fingerprint}: resume with the config that run used, or give this run an empty checkpoint directory`,
      );
    }
    const bounds = this.run.shard.plan.bounds;
    if ((ck.shards ?? [0, bounds[bounds.length - 1]]).join(',') !== bounds.join(',')) {
      throw new Error(`checkpoint ${path} holds W cut at [${(ck.shards ?? []).join(', ')}], this run cuts it at [${bounds.join(', ')}]: resume with the number of shards that wrote it`);
    }
    // Version 3 added fields to the task state that version 2's states simply lack.
    if (!READABLE_PROTOCOLS.includes(ck.protocol ?? 1)) {
      throw new Error(
        `checkpoint ${path} holds task states of protocol version ${ck.protocol ?? 1}; this build reads versions ${READABLE_PROTOCOLS.join(' and ')}: resume it with the hybrid release that wrote it, or start afresh in an empty checkpoint directory`,
      );
    }
    this.run.log(`coordinator: resumed from ${path} at version ${ck.version} (task states: ${Object.keys(ck.tasks).join(', ') || 'none'})`);
    return ck;
  }
}
