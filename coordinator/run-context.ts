// The facts of a run every part of the coordinator reads: the config, the model, the tasks, the frame
// limits, and where logs, metrics and the time come from.
import type { RunConfig } from '../config/schema.js';
import { taskInputShape } from '../data/shapes.js';
import { LogLimiter } from '../lib/log-limiter.js';
import { checkAllocatable } from '../model/limits.js';
import { buildModelSpec, modelFingerprint, totalSize, type ModelSpec } from '../model/spec.js';
import type { CoordinatorMetrics } from './metrics.js';

export interface RunContext {
  readonly config: RunConfig;
  readonly spec: ModelSpec;
  readonly fingerprint: string;
  readonly tasks: readonly string[];
  /** Entries of each shared tensor of W. */
  readonly sharedSizes: readonly number[];
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

export function runContext(config: RunConfig, options: { log: (line: string) => void; metrics?: CoordinatorMetrics; now?: () => number }): RunContext {
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
