// The run directory both `hybrid train` and the coordinator write: results.json (the JSON result with
// the full compression accounting), config.json (the run config after defaults) and bundle/ (the
// deployable artifact). Each file is written whole or not at all.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonAtomically } from '../lib/atomic-write.js';
import { writeBundle, type Bundle } from './bundle.js';
import { compression, type Compression } from './compression-accounting.js';
import { totalSize } from './spec.js';

export interface TaskResult {
  name: string;
  separate_accuracy: number | null;
  hybrid_accuracy: number;
  /** From model files, one per task: the task's own model as it came. */
  original_accuracy?: number | null;
  /** From model files: W + S_t with the task's head and statistics before any training (data-free). */
  merged_accuracy?: number;
  nnz: number;
  density: number;
  /** Examples of the task's data skipped as bad (dataset on_bad: "skip"); absent when none. */
  skipped?: number;
}

/** What a coordinator moved over the wire (distributed runs only), in WebSocket payload bytes. */
export interface Communication {
  uplink_encoding: string;
  downlink_encoding: string;
  /** Rounds this coordinator process closed (a resumed run counts from its resume). */
  rounds: number;
  /** Gradient pushes received plus weight updates sent: the traffic the encodings act on. */
  round_bytes: number;
  round_bytes_per_round: number;
  /** Every frame by message kind (hello, push, taskState, welcome, update, ...). */
  bytes_received: Record<string, number>;
  bytes_sent: Record<string, number>;
  /** With shards: each shard's own traffic (the lead is shard 0); the fields above are then their sums. */
  shards?: ShardCommunication[];
}

/** One coordinator shard's traffic, counted since that process started or resumed. */
export interface ShardCommunication {
  shard: number;
  rounds: number;
  round_bytes: number;
  bytes_received: Record<string, number>;
  bytes_sent: Record<string, number>;
}

/** The object `--json` prints (docs/architecture.md section 8); `communication` only from distributed runs. */
export interface RunResult {
  tasks: TaskResult[];
  compression: { params_ratio: number; bytes_ratio: number };
  wall_seconds: number;
  communication?: Communication;
  /** The aggregation method and each task's coefficient in the last round's combined gradient. */
  aggregation?: { method: string; last_weights: Record<string, number> };
  /** The bundle quantised as `export.quantize` asks, and each task's accuracy from it alone. */
  quantized?: QuantizedResult;
}

export interface QuantizedResult {
  encoding: string;
  /** weights.bin of the quantised bundle. */
  bytes: number;
  /** T separate float32 models over it. */
  bytes_ratio: number;
  /** Test-split accuracy of each task from the quantised bundle. */
  tasks: { name: string; accuracy: number }[];
}

/** Per-task results and the compression accounting of a trained hybrid model. */
export function summarise(
  bundle: Bundle,
  accuracy: readonly number[],
  separate: readonly (number | null)[],
  wallSeconds: number,
  starts: readonly ({ original: { accuracy: number } | null; merged: { accuracy: number } } | null)[] = [],
  skipped: readonly number[] = [],
): { result: RunResult; accounting: Compression } {
  const sharedSize = totalSize(bundle.spec.shared);
  const nnz = bundle.tasks.map((t) => t.sparse.map((v) => v.reduce((a, x) => a + (x !== 0 ? 1 : 0), 0)));
  const accounting = compression({ sharedSizes: bundle.spec.shared.map((t) => t.size), headSizes: bundle.tasks.map((t) => [...t.head, ...t.stats].reduce((a, h) => a + h.length, 0)), nnz });
  const tasks = bundle.tasks.map((t, i) => {
    const n = nnz[i].reduce((a, b) => a + b, 0);
    const start = starts[i];
    const fromFiles = start ? { original_accuracy: start.original?.accuracy ?? null, merged_accuracy: start.merged.accuracy } : {};
    return { name: t.name, separate_accuracy: separate[i], hybrid_accuracy: accuracy[i], ...fromFiles, nnz: n, density: n / sharedSize, ...(skipped[i] ? { skipped: skipped[i] } : {}) };
  });
  return { result: { tasks, compression: { params_ratio: accounting.params_ratio, bytes_ratio: accounting.bytes_ratio }, wall_seconds: wallSeconds }, accounting };
}

/** Where a run directory keeps its bundle in `encoding` (export.quantize), beside bundle/. */
export function quantizedBundleDir(dir: string, encoding: string): string {
  return join(dir, `bundle-${encoding}`);
}

export function writeRunDirectory(dir: string, run: { config: unknown; result: RunResult; accounting: Compression; bundle: Bundle }): void {
  mkdirSync(dir, { recursive: true });
  writeBundle(join(dir, 'bundle'), run.bundle);
  writeJsonAtomically(join(dir, 'config.json'), run.config);
  writeJsonAtomically(join(dir, 'results.json'), { ...run.result, compression: run.accounting });
}
