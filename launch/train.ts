// `hybrid train`: in one process, the T separate dense models (the baseline) and the hybrid model, with
// the same step budget, built from the same task trainer and the same shared-weight rounds as the
// distributed run. No sockets.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunConfig, TaskConfig } from '../config/schema.js';
import { weightedSum } from '../coordinator/aggregation.js';
import { createOptimizer } from '../coordinator/optimizer.js';
import { SharedWeights } from '../coordinator/shared-weights.js';
import type { TaskData } from '../data/dataset.js';
import { loadTaskData } from '../data/tasks.js';
import { writeBundle } from '../model/bundle.js';
import { compression } from '../model/compression.js';
import { lrScale } from '../model/learning-rate.js';
import { buildModelSpec, initTensors, modelFingerprint, totalSize, type ModelSpec } from '../model/spec.js';
import { TaskTrainer } from '../worker/trainer.js';
import { startProgress, type Log } from './progress.js';

export interface TaskResult {
  name: string;
  separate_accuracy: number | null;
  hybrid_accuracy: number;
  nnz: number;
  density: number;
}

export interface RunResult {
  tasks: TaskResult[];
  compression: { params_ratio: number; bytes_ratio: number };
  wall_seconds: number;
}

export interface TrainOptions {
  /** Run directory: results.json, the config and the compressed bundle. */
  outDir?: string;
  log: Log;
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

/** Trains W (and each trainer's own S_t and head) for `config.train.steps` rounds. */
function trainRounds(config: RunConfig, spec: ModelSpec, trainers: TaskTrainer[], tasks: readonly TaskConfig[], label: string, log: Log): SharedWeights {
  const shared = new SharedWeights(
    initTensors(spec.shared, config.seed, 'shared'),
    createOptimizer(config.train.optimizer, spec.shared.map((t) => t.size)),
    weightedSum,
  );
  const steps = config.train.steps;
  const progress = startProgress(label, steps, log);
  for (const t of trainers) t.setShared(shared.tensors);
  for (let step = 0; step < steps; step++) {
    const contributions = trainers.map((trainer, i) => {
      const r = trainer.round(step);
      if (!Number.isFinite(r.loss)) throw new Error(`${label}: task "${trainer.name}" loss is ${r.loss} at step ${step}; lower the learning rate`);
      return { task: trainer.name, weight: tasks[i].weight, gradient: r.gradient, loss: r.loss };
    });
    shared.applyRound(contributions, lrScale(config.train.lr_schedule, step, steps));
    for (const t of trainers) t.setShared(shared.tensors);
    const fields: Record<string, number> = { loss: contributions.reduce((a, c) => a + c.loss, 0) / contributions.length };
    if (config.train.eval_every > 0 && (step + 1) % config.train.eval_every === 0) {
      trainers.forEach((t) => (fields[`acc_${t.name}`] = t.evaluate().accuracy));
    }
    progress.update(step + 1, fields);
  }
  progress.stop();
  return shared;
}

export async function runTrain(config: RunConfig, options: TrainOptions): Promise<RunResult> {
  const started = performance.now();
  const { log } = options;
  const data = await loadAllTasks(config);
  const spec = buildModelSpec(config.model, data[0].inputShape);
  const sharedSize = totalSize(spec.shared);
  log(`model ${spec.arch} (fingerprint ${modelFingerprint(spec)}): ${sharedSize} shared parameters; ${data.length} tasks: ${data.map((d) => `${d.name} (${d.train.count} train / ${d.test.count} test, ${d.classes} classes)`).join(', ')}`);

  const separate: (number | null)[] = data.map(() => null);
  if (config.train.baseline) {
    data.forEach((d, i) => {
      const trainer = new TaskTrainer({ spec, data: d, weight: 1, train: config.train, sparsity: null, seed: config.seed });
      try {
        trainRounds(config, spec, [trainer], [config.tasks[i]], `separate ${d.name}`, log);
        separate[i] = trainer.evaluate().accuracy;
        log(`separate ${d.name}: test accuracy ${separate[i]!.toFixed(4)}`);
      } finally {
        trainer.dispose();
      }
    });
  }

  const trainers = data.map((d, i) => new TaskTrainer({ spec, data: d, weight: config.tasks[i].weight, train: config.train, sparsity: config.sparsity, seed: config.seed }));
  try {
    const shared = trainRounds(config, spec, trainers, config.tasks, 'hybrid', log);
    const nnz = trainers.map((t) => t.nonZeros());
    const tasks: TaskResult[] = trainers.map((t, i) => {
      const accuracy = t.evaluate().accuracy;
      const n = nnz[i].reduce((a, b) => a + b, 0);
      log(`hybrid ${t.name}: test accuracy ${accuracy.toFixed(4)}, nnz(S) ${n} (${((100 * n) / sharedSize).toFixed(2)}% of W)`);
      return { name: t.name, separate_accuracy: separate[i], hybrid_accuracy: accuracy, nnz: n, density: n / sharedSize };
    });
    const ratio = compression({
      sharedSizes: spec.shared.map((t) => t.size),
      headSizes: trainers.map((t) => t.headValues().reduce((a, h) => a + h.length, 0)),
      nnz,
    });
    const result: RunResult = {
      tasks,
      compression: { params_ratio: ratio.params_ratio, bytes_ratio: ratio.bytes_ratio },
      wall_seconds: (performance.now() - started) / 1000,
    };
    if (options.outDir) {
      mkdirSync(options.outDir, { recursive: true });
      writeBundle(join(options.outDir, 'bundle'), {
        spec,
        shared: shared.tensors,
        tasks: trainers.map((t) => ({ name: t.name, classes: t.classes, sparse: t.sparseValues(), head: t.headValues() })),
      });
      writeJsonAtomic(join(options.outDir, 'config.json'), config);
      writeJsonAtomic(join(options.outDir, 'results.json'), { ...result, compression: ratio });
      log(`run written to ${options.outDir}`);
    }
    return result;
  } finally {
    for (const t of trainers) t.dispose();
  }
}

function writeJsonAtomic(path: string, value: unknown): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(tmp, path);
}
