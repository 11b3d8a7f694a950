// The part of W one coordinator process holds (all of it for one coordinator, its slices for a shard:
// docs/shards.md), with what moves and serves it: the optimizer arena, the slots pushes decode into,
// and the downlink. The lead and the follower shards build theirs here alike, so that every shard
// computes its entries by the same arithmetic.
import { initialShared } from '../model/starting-point.js';
import { sliceViews } from '../model/shard-plan.js';
import type { OptimizerState } from '../optim/optimizer.js';
import type { Aggregator, AggregatorState } from './aggregation.js';
import { Downlink } from './downlink.js';
import { GradientSlots } from './gradient-slots.js';
import { holdsBack } from './held-back.js';
import { PushReceiver } from './push-receiver.js';
import type { RunContext } from './run-context.js';
import { SharedWeights } from './shared-weights.js';

export interface WeightSlice {
  shared: SharedWeights;
  downlink: Downlink;
  pushes: PushReceiver;
}

/** This process's W at version 0, or at `resumed`'s version with its values and optimizer state. */
export function weightSlice(
  run: RunContext,
  aggregator: Aggregator,
  resumed?: { version: number; shared: Float32Array[]; optimizer: OptimizerState; aggregation?: AggregatorState } | null,
): WeightSlice {
  const { config } = run;
  // A push in progress per worker and one more (a refused or restarted one) decode next to W.
  const workers = config.tasks.reduce((a, t) => a + t.replicas, 0);
  const arena = { heldBack: holdsBack(config.distributed.uplink), pushBuffers: workers + 1, mirror: config.distributed.downlink.encoding !== 'f32' };
  const { shard } = run;
  const full = initialShared(config, run.spec);
  const initial = shard.plan.shards === 1 ? full : sliceViews(full, shard.plan.slices[shard.index]);
  const shared = new SharedWeights(initial, config.train.optimizer, aggregator, arena);
  if (resumed) shared.restore(resumed.shared, resumed.optimizer);
  if (resumed?.aggregation) shared.restoreAggregator(resumed.aggregation);
  const downlink = new Downlink(shard.layout, config.distributed.downlink, run.chunkBytes, shared.tensors, resumed?.version ?? 0, shared.mirror);
  const slots = new GradientSlots(shard.sizes, 2 * workers + 2, shared.pushBuffers);
  const pushes = new PushReceiver(shard.layout, slots, (v) => shared.allFinite(v));
  return { shared, downlink, pushes };
}
