// The end of a run: once the last round closed, the coordinator waits for every task's final state (its
// S_t, head and evaluation, and its separate model's accuracy when train.baseline is on), then writes the
// run directory (results.json, config.json and the bundle) from W and those states. A task whose worker
// is gone is waited for `finalStateTimeoutMs`; one whose worker is still heard from (training its
// separate model) is waited for as long as it is.
import { writeBundle, type Bundle } from '../model/bundle.js';
import { QUANTIZE_PRESETS } from '../model/bundle-encodings.js';
import { quantizedBundleDir, summarise, writeRunDirectory, type RunResult } from '../model/run-output.js';
import type { TaskStateMessage } from '../proto/codec.js';
import type { RunContext } from './run-context.js';
import type { TaskRecord, TaskStates } from './task-states.js';
import type { TrafficReport } from './traffic.js';

export type RunPhase = 'training' | 'finishing' | 'finished';

export interface RecorderOptions {
  /** Where results.json, config.json and the bundle go. */
  outDir?: string;
  finalStateTimeoutMs: number;
  /** Seconds the run had trained before this process (a resumed run). */
  elapsedBefore: number;
}

/** W in full for the bundle: this process's, or with shards the lead's slices and the followers' final ones. */
export interface FinalWeights {
  /** False while part of W is missing (a follower shard's final slices). */
  complete(): boolean;
  copy(): Float32Array[];
  /** Calls `listener` when W becomes complete; returns the unsubscribe. */
  subscribe?(listener: () => void): () => void;
}

export class RunRecorder {
  private phaseNow: RunPhase = 'training';
  private finalTimer: NodeJS.Timeout | null = null;
  private readonly started: number;
  /** Each task's coefficient in the last closed round's combined gradient. */
  private lastWeights: Record<string, number> = {};
  private readonly unsubscribe: (() => void) | null;

  constructor(
    private readonly run: RunContext,
    private readonly taskStates: TaskStates,
    private readonly weights: FinalWeights,
    private readonly traffic: TrafficReport,
    private readonly options: RecorderOptions,
    /** Called once with the result (null when no results could be written). */
    private readonly onFinish: (result: RunResult | null) => void,
  ) {
    this.started = run.now();
    this.unsubscribe = weights.subscribe?.(() => this.maybeFinish()) ?? null;
  }

  get phase(): RunPhase {
    return this.phaseNow;
  }

  /** A round closed with these coefficients (kept for the results). */
  roundClosed(coefficients: Record<string, number>): void {
    this.lastWeights = coefficients;
  }

  elapsedSeconds(): number {
    return this.options.elapsedBefore + (this.run.now() - this.started) / 1000;
  }

  /** The last round closed: wait for the final task states. */
  startFinishing(): void {
    if (this.phaseNow !== 'training') return;
    this.phaseNow = 'finishing';
    this.run.log(`coordinator: training done at version ${this.run.totalRounds}; waiting for the final task states`);
    this.armFinalTimer();
    this.maybeFinish();
  }

  /** A task's worker was heard from: while it has not sent its final state, the wait goes on. */
  heardFrom(task: string): void {
    if (this.phaseNow === 'finishing' && !this.taskStates.isFinal(task)) this.armFinalTimer();
  }

  /** A task's complete state was taken: its metrics, and the end of the run once every final state is in. */
  reported(task: string, state: TaskStateMessage): void {
    const m = this.run.metrics;
    m?.taskSparseDensity.set({ task }, state.density ?? 0);
    if (state.evaluation) m?.taskAccuracy.set({ task }, state.evaluation.accuracy ?? 0);
    if (!state.final) return;
    this.run.log(`coordinator: task ${task} final state: accuracy ${(state.evaluation?.accuracy ?? 0).toFixed(4)}, nnz ${state.nnz}`);
    this.maybeFinish();
  }

  /** Finishes once every task's final state is in, and all of W. */
  maybeFinish(): void {
    if (this.phaseNow === 'finishing' && this.run.tasks.every((t) => this.taskStates.isFinal(t)) && this.weights.complete()) this.finish();
  }

  private armFinalTimer(): void {
    if (this.finalTimer) clearTimeout(this.finalTimer);
    this.finalTimer = setTimeout(() => this.finish(), this.options.finalStateTimeoutMs);
    this.finalTimer.unref();
  }

  /** Writes the results (from the states in hand) and reports them. */
  finish(): void {
    if (this.phaseNow === 'finished') return;
    this.phaseNow = 'finished';
    this.stop();
    let result: RunResult | null = null;
    const records = this.run.tasks.map((t) => this.taskStates.get(t));
    const missing = this.run.tasks.filter((_, i) => !records[i]);
    if (missing.length > 0) {
      this.run.log(`coordinator: no state was ever reported for ${missing.join(', ')}; no results written`);
    } else if (!this.weights.complete()) {
      this.run.log('coordinator: the final slices of W never came from every follower shard; no results written (every shard checkpointed them)');
    } else {
      try {
        result = this.write(records as TaskRecord[]);
      } catch (err) {
        this.run.log(`coordinator: writing the results FAILED: ${(err as Error).message} (the last checkpoint holds W and every task state)`);
      }
    }
    this.onFinish(result);
  }

  /** The hybrid model as the coordinator holds it: W and each task's last reported S_t and head. */
  private bundle(): Bundle {
    return { spec: this.run.spec, shared: this.weights.copy(), tasks: this.run.tasks.map((t) => this.taskStates.bundleTask(t)) };
  }

  private write(records: readonly TaskRecord[]): RunResult {
    const bundle = this.bundle();
    const states = records.map((r) => r.state);
    const accuracy = states.map((s) => s.evaluation?.accuracy ?? 0);
    const separate = states.map((s) => s.baseline?.accuracy ?? null);
    const starts = states.map((s) => (s.merged ? { original: s.original ? { accuracy: s.original.accuracy ?? 0 } : null, merged: { accuracy: s.merged.accuracy ?? 0 } } : null));
    const summary = summarise(
      bundle,
      accuracy,
      separate,
      this.elapsedSeconds(),
      starts,
      states.map((s) => s.skipped ?? 0),
    );
    const aggregation = { method: this.run.config.aggregation.method, last_weights: this.lastWeights };
    const result = { ...summary.result, communication: this.traffic.communication(this.run.config.distributed), aggregation };
    if (this.options.outDir) {
      writeRunDirectory(this.options.outDir, { config: this.run.config, result, accounting: summary.accounting, bundle });
      this.run.log(`coordinator: run written to ${this.options.outDir}`);
      const quantize = this.run.config.export.quantize;
      // The coordinator holds no data: `hybrid local` (or `hybrid eval --run`) measures this bundle's accuracy.
      if (quantize !== 'none') {
        const dir = quantizedBundleDir(this.options.outDir, quantize);
        writeBundle(dir, bundle, QUANTIZE_PRESETS[quantize]);
        this.run.log(`coordinator: ${quantize} bundle written to ${dir}`);
      }
    }
    return result;
  }

  stop(): void {
    this.unsubscribe?.();
    if (this.finalTimer) clearTimeout(this.finalTimer);
    this.finalTimer = null;
  }
}
