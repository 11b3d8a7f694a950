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
  nnz: number;
  density: number;
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
}

/** The object `--json` prints (docs/architecture.md section 8); `communication` only from distributed runs. */
export interface RunResult {
  tasks: TaskResult[];
  compression: { params_ratio: number; bytes_ratio: number };
  wall_seconds: number;
  communication?: Communication;
}

/** Per-task results and the compression accounting of a trained hybrid model. */
export function summarise(bundle: Bundle, accuracy: readonly number[], separate: readonly (number | null)[], wallSeconds: number): { result: RunResult; accounting: Compression } {
  const sharedSize = totalSize(bundle.spec.shared);
  const nnz = bundle.tasks.map((t) => t.sparse.map((v) => v.reduce((a, x) => a + (x !== 0 ? 1 : 0), 0)));
  const accounting = compression({ sharedSizes: bundle.spec.shared.map((t) => t.size), headSizes: bundle.tasks.map((t) => t.head.reduce((a, h) => a + h.length, 0)), nnz });
  const tasks = bundle.tasks.map((t, i) => {
    const n = nnz[i].reduce((a, b) => a + b, 0);
    return { name: t.name, separate_accuracy: separate[i], hybrid_accuracy: accuracy[i], nnz: n, density: n / sharedSize };
  });
  return { result: { tasks, compression: { params_ratio: accounting.params_ratio, bytes_ratio: accounting.bytes_ratio }, wall_seconds: wallSeconds }, accounting };
}

export function writeRunDirectory(dir: string, run: { config: unknown; result: RunResult; accounting: Compression; bundle: Bundle }): void {
  mkdirSync(dir, { recursive: true });
  writeBundle(join(dir, 'bundle'), run.bundle);
  writeJsonAtomically(join(dir, 'config.json'), run.config);
  writeJsonAtomically(join(dir, 'results.json'), { ...run.result, compression: run.accounting });
}
