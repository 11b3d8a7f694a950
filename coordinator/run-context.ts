// The facts of a run every part of the coordinator reads: the config, the model, the tasks, the frame
// limits, and where logs, metrics and the time come from.
import type { RunConfig } from '../config/schema.js';
import { taskInputShape } from '../data/shapes.js';
import { LogLimiter } from '../lib/log-limiter.js';
import { checkAllocatable } from '../model/limits.js';
import { planShards, sliceLayout, type ShardPlan } from '../model/shard-plan.js';
import { buildModelSpec, modelFingerprint, totalSize, type ModelSpec } from '../model/spec.js';
import type { CoordinatorMetrics } from './metrics.js';

/** Which part of W this coordinator process holds (docs/shards.md). */
export interface ShardPosition {
  /** 0 leads (and is the only shard of a run of one coordinator). */
  readonly index: number;
  readonly plan: ShardPlan;
  /** Every shard's address as the workers reach it, the lead's first; empty for one coordinator. */
  readonly addresses: readonly string[];
  /** This shard's tensors of W: its slices (model/shard-plan.ts sliceLayout); the model's shared tensors for K = 1. */
  readonly layout: readonly { name: string; shape: readonly number[] }[];
  readonly sizes: readonly number[];
}

/** Shard `index` of the shards at `addresses` (none: the one coordinator). */
export function shardPosition(
  sharedSizes: readonly number[],
  shared: readonly { name: string; shape: readonly number[] }[],
  shard?: { index: number; addresses: readonly string[] },
): ShardPosition {
  const addresses = shard?.addresses ?? [];
  const plan = planShards(sharedSizes, Math.max(1, addresses.length));
  const index = shard?.index ?? 0;
  if (index >= plan.shards) throw new RangeError(`shard ${index} of ${plan.shards}: --shard I/K takes I from 0 to K-1`);
  const layout = plan.shards === 1 ? shared : sliceLayout(shared, plan.slices[index]);
  return { index, plan, addresses, layout, sizes: layout.map((t) => t.shape.reduce((a, d) => a * d, 1)) };
}

/** What K > 1 shards do not support yet, refused with the reason (docs/shards.md). */
function shardable(config: RunConfig, shard: ShardPosition): ShardPosition {
  const K = shard.plan.shards;
  if (K === 1) return shard;
  const why = [
    config.distributed.mode !== 'sync' && 'distributed.mode is "async"; shards run sync rounds only',
    config.tasks.some((t) => t.replicas > 1) && 'a task has replicas > 1; shards take one worker per task',
    config.distributed.keep_checkpoints < 2 && 'distributed.keep_checkpoints is below 2; a resume needs the newest version every shard has, so each shard keeps at least 2',
  ].filter((w): w is string => typeof w === 'string');
  if (why.length > 0) throw new Error(`this run cannot be split over ${K} coordinator shards: ${why.join('; ')}`);
  return shard;
}

export interface RunContext {
  readonly config: RunConfig;
  readonly spec: ModelSpec;
  readonly fingerprint: string;
  readonly tasks: readonly string[];
  /** Entries of each shared tensor of W. */
  readonly sharedSizes: readonly number[];
  /** The part of W this process holds. */
  readonly shard: ShardPosition;
  readonly totalRounds: number;
  /** The largest tensor payload of a frame (distributed.chunk_bytes). */
  readonly chunkBytes: number;
  /** Whether this run's messages come in parts (a worker must take them: Hello.parts). */
  readonly needsParts: boolean;
  /** Frames above this are refused (OVERSIZED). */
  readonly maxFrameBytes: number;
  readonly metrics: CoordinatorMetrics | undefined;
  log(line: string): void;
  /** For the lines a peer can provoke (refusals): a few per kind, then a summary. */
  readonly peerLog: LogLimiter;
  now(): number;
}

export function runContext(
  config: RunConfig,
  options: { log: (line: string) => void; metrics?: CoordinatorMetrics; now?: () => number; shard?: { index: number; addresses: readonly string[] } },
): RunContext {
  const spec = buildModelSpec(config.model, taskInputShape(config.tasks[0]));
  checkAllocatable(spec, config);
  const shared = totalSize(spec.shared);
  const chunkBytes = config.distributed.chunk_bytes;
  // The largest message in one piece is a task state: S_t, its support, the head and two optimizer
  // slots for each; a fixed allowance covers names and framing. In parts, a frame holds at most a chunk
  // of tensor payload (an encoded piece may pass it a little) and the pieces' names. Parts are required
  // once S_t and its optimizer slots and support pass the chunk size.
  const whole = 4 * 3 * shared + shared + 4 * 3 * 4096 * (spec.featureSize + 1) + (1 << 20);
  const needsParts = 4 * 3 * shared + shared > chunkBytes;
  return {
    config,
    spec,
    fingerprint: modelFingerprint(spec),
    tasks: config.tasks.map((t) => t.name),
    sharedSizes: spec.shared.map((t) => t.size),
    shard: shardable(
      config,
      shardPosition(
        spec.shared.map((t) => t.size),
        spec.shared,
        options.shard,
      ),
    ),
    totalRounds: config.train.steps,
    chunkBytes,
    needsParts,
    maxFrameBytes: needsParts ? 2 * chunkBytes + (1 << 20) + 1024 * 4 * spec.shared.length : whole,
    metrics: options.metrics,
    log: options.log,
    peerLog: new LogLimiter(options.log),
    now: options.now ?? (() => performance.now()),
  };
}

/** The line a coordinator starts with. */
export function startLine(run: RunContext, version: number): string {
  const shared = run.sharedSizes.reduce((a, n) => a + n, 0);
  return `coordinator: model ${run.spec.name} (fingerprint ${run.fingerprint}), ${shared} shared parameters, tasks ${run.tasks.join(', ')}, ${run.config.distributed.mode} rounds, version ${version} of ${run.totalRounds}`;
}
