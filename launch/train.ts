// `hybrid train`: in one process, the T separate dense models (the baseline) and the hybrid model, with
// the same step budget, built from the same task trainer and the same shared-weight rounds as the
// distributed run. No sockets.
import type { RunConfig } from '../config/schema.js';
import { aggregatorFor } from '../coordinator/aggregation.js';
import { SharedWeights } from '../coordinator/shared-weights.js';
import type { TaskData } from '../data/dataset.js';
import { loadTaskData } from '../data/tasks.js';
import type { Bundle } from '../model/bundle.js';
import { quantizedBundleDir, summarise, writeRunDirectory, type RunResult } from '../model/run-output.js';
import { lrScale } from '../model/learning-rate.js';
import { ensureWritableDirectory } from '../lib/writable-directory.js';
import { loadModelFiles } from '../model/definition.js';
import { buildModelSpec, modelFingerprint, totalSize, type ModelSpec } from '../model/spec.js';
import { trainingShared } from '../model/bundle-encodings.js';
import { initialShared } from '../model/starting-point.js';
import { startFromModelFiles, type StartEvaluation } from '../worker/model-start.js';
import { SeparateModel } from '../worker/separate-model.js';
import { TaskTrainer } from '../worker/trainer.js';
import { startProgress, type Log } from './progress.js';
import { logQuantized, quantizedResult } from './quantized-eval.js';

export type { RunResult, TaskResult } from '../model/run-output.js';

export interface TrainOptions {
  /** Run directory: results.json, the config and the compressed bundle. */
  outDir?: string;
  log: Log;
  /** Called after each hybrid round with the seconds `SharedWeights.applyRound` took (the coordinator's
   *  aggregation and optimizer step; bench:mtl times the aggregation methods with it). */
  onRound?: (seconds: number) => void;
}

export async function loadAllTasks(config: RunConfig): Promise<TaskData[]> {
  const data: TaskData[] = [];
  for (const task of config.tasks) data.push(await loadTaskData(task, config.seed));
  const shape = data[0].inputShape;
  for (const d of data) {
    if (d.inputShape.join('x') !== shape.join('x')) {
      throw new Error(`tasks share one backbone, so their inputs must have one shape: "${data[0].name}" has [${shape}] but "${d.name}" has [${d.inputShape}]`);
    }
  }
  return data;
}

/** `steps` steps of `step` (which returns the step's loss), with progress on stderr and, every
 *  train.eval_every steps, the held-out accuracies `evaluate` gives. */
function trainSteps(config: RunConfig, label: string, log: Log, step: (s: number) => number, evaluate: () => Record<string, number>): void {
  const steps = config.train.steps;
  const progress = startProgress(label, steps, log);
  for (let s = 0; s < steps; s++) {
    const fields: Record<string, number> = { loss: step(s) };
    if (config.train.eval_every > 0 && (s + 1) % config.train.eval_every === 0) Object.assign(fields, evaluate());
    progress.update(s + 1, fields);
  }
  progress.stop();
}

/** The hybrid rounds: every task's trainer computes its gradient against W, and W takes the round.
 *  Returns each task's coefficient in the last round's combined gradient. */
function trainHybrid(config: RunConfig, spec: ModelSpec, shared: SharedWeights, trainers: TaskTrainer[], log: Log, onRound?: (seconds: number) => void): Record<string, number> {
  let lastWeights: Record<string, number> = {};
  const round = (step: number): number => {
    const contributions = trainers.map((trainer, i) => {
      const r = trainer.round(step);
      if (!Number.isFinite(r.loss)) throw new Error(`hybrid: task "${trainer.name}" loss is ${r.loss} at step ${step}; lower the learning rate`);
      return { task: trainer.name, weight: config.tasks[i].weight, gradient: r.gradient, loss: r.loss };
    });
    const applyStart = performance.now();
    const coefficients = shared.applyRound(contributions, lrScale(config.train.lr_schedule, step, config.train.steps), step);
    onRound?.((performance.now() - applyStart) / 1000);
    lastWeights = Object.fromEntries(contributions.map((c, k) => [c.task, coefficients[k]]));
    const next = trainingShared(config, step + 1, shared.tensors, spec.shared);
    for (const t of trainers) t.setShared(next);
    return contributions.reduce((a, c) => a + c.loss, 0) / contributions.length;
  };
  trainSteps(config, 'hybrid', log, round, () => Object.fromEntries(trainers.map((t) => [`acc_${t.name}`, t.evaluate().accuracy])));
  return lastWeights;
}

/** The model files' worth before training, per task. */
function logStarts(starts: readonly (StartEvaluation | null)[], trainers: readonly TaskTrainer[], log: Log): void {
  starts.forEach((s, i) => {
    if (!s) return;
    const original = s.original ? `its own model ${s.original.accuracy.toFixed(4)}, ` : '';
    log(`start ${trainers[i].name}: ${original}merged before training (W + S_t) ${s.merged.accuracy.toFixed(4)}`);
  });
}

export async function runTrain(config: RunConfig, options: TrainOptions): Promise<RunResult> {
  const started = performance.now();
  const { log } = options;
  // Before the data is read and anything trained: a run directory that cannot be written is found now.
  if (options.outDir) ensureWritableDirectory(options.outDir, '--out');
  const data = await loadAllTasks(config);
  await loadModelFiles(config.model);
  const spec = buildModelSpec(config.model, data[0].inputShape);
  const sharedSize = totalSize(spec.shared);
  log(
    `model ${spec.name} (fingerprint ${modelFingerprint(spec)}): ${sharedSize} shared parameters; ${data.length} tasks: ${data.map((d) => `${d.name} (${d.train.count} train / ${d.test.count} test, ${d.classes} classes)`).join(', ')}`,
  );

  const separate: (number | null)[] = data.map(() => null);
  if (config.train.baseline) {
    data.forEach((d, i) => {
      const model = new SeparateModel(config, spec, d);
      try {
        trainSteps(
          config,
          `separate ${d.name}`,
          log,
          (s) => model.step(s),
          () => ({ [`acc_${d.name}`]: model.evaluate().accuracy }),
        );
        const accuracy = model.evaluate().accuracy;
        separate[i] = accuracy;
        log(`separate ${d.name}: test accuracy ${accuracy.toFixed(4)}`);
      } finally {
        model.dispose();
      }
    });
  }

  // A task of N replicas trains on N batches a round (its replicas' together), as the distributed run does.
  const trainOf = (replicas: number) => (replicas === 1 ? config.train : { ...config.train, batch_size: replicas * config.train.batch_size });
  const trainers = data.map((d, i) => new TaskTrainer({ spec, data: d, weight: config.tasks[i].weight, train: trainOf(config.tasks[i].replicas), sparsity: config.sparsity, seed: config.seed }));
  try {
    const shared = new SharedWeights(
      initialShared(config, spec),
      config.train.optimizer,
      aggregatorFor(
        config.aggregation,
        config.seed,
        config.tasks.map((t) => t.name),
      ),
    );
    for (const t of trainers) t.setShared(trainingShared(config, 0, shared.tensors, spec.shared));
    const starts = trainers.map((t, i) => startFromModelFiles(t, config, spec, i, data[i], shared.tensors));
    logStarts(starts, trainers, log);
    const lastWeights = trainHybrid(config, spec, shared, trainers, log, options.onRound);
    const bundle: Bundle = {
      spec,
      shared: shared.tensors,
      tasks: trainers.map((t, i) => ({
        name: t.name,
        classes: t.classes,
        sparse: t.sparseValues(),
        head: t.headValues(),
        stats: t.statsValues(),
        ...(data[i].classNames ? { classNames: data[i].classNames } : {}),
        ...(data[i].preprocess ? { preprocess: data[i].preprocess } : {}),
      })),
    };
    const accuracy = trainers.map((t) => t.evaluate().accuracy);
    const skipped = data.map((d) => d.skipped ?? 0);
    const summary = summarise(bundle, accuracy, separate, (performance.now() - started) / 1000, starts, skipped);
    const { accounting } = summary;
    const quantize = config.export.quantize;
    const quantized = quantize === 'none' ? undefined : quantizedResult(bundle, quantize, data, options.outDir && quantizedBundleDir(options.outDir, quantize));
    if (quantized) logQuantized(quantized, log);
    const result = { ...summary.result, aggregation: { method: config.aggregation.method, last_weights: lastWeights }, ...(quantized ? { quantized } : {}) };
    for (const t of result.tasks) log(`hybrid ${t.name}: test accuracy ${t.hybrid_accuracy.toFixed(4)}, nnz(S) ${t.nnz} (${(100 * t.density).toFixed(2)}% of W)`);
    if (options.outDir) {
      writeRunDirectory(options.outDir, { config, result, accounting, bundle });
      log(`run written to ${options.outDir}`);
    }
    return result;
  } finally {
    for (const t of trainers) t.dispose();
  }
}
