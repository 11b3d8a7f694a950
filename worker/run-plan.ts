// What the first welcome says the run is, for this worker: the run config (parsed with the schema, as a
// config file is), its task's config, the model (from the config alone; the data, once loaded, must give
// the same model), and what the coordinator may send of it: the layouts of W and of a task state, and
// the largest frame. A welcome this worker cannot work with is refused in one line.
import type { TaskStateLayout } from '../compression/task-state-stream.js';
import { ConfigError, jsonErrorWithLocation, parseRunConfig } from '../config/load.js';
import type { RunConfig, TaskConfig } from '../config/schema.js';
import type { TaskData } from '../data/dataset.js';
import { taskInputShape } from '../data/shapes.js';
import { loadTaskData } from '../data/tasks.js';
import { checkAllocatable, classesBound, ModelLimitError } from '../model/limits.js';
import { loadModelFiles } from '../model/definition.js';
import { planFromBounds, planShards, sliceLayout, type ShardPlan } from '../model/shard-plan.js';
import { buildModelSpec, modelFingerprint, type ModelSpec } from '../model/spec.js';
import { taskStateLayout } from '../model/task-state-layout.js';
import { ErrorCode, PROTOCOL_VERSION, WireError, type Welcome } from '../proto/codec.js';
import { maxFrameBytes } from './wire-limits.js';
import { WorkerError } from './worker-error.js';

export interface RunShards {
  plan: ShardPlan;
  addresses: readonly string[];
  layouts: readonly (readonly { name: string; shape: readonly number[] }[])[];
}

/** The shards a welcome names, checked against the model's W. */
function shardsOf(welcome: Welcome, spec: ModelSpec, source: string): RunShards {
  const addresses = welcome.shardAddresses ?? [];
  const sizes = spec.shared.map((t) => t.size);
  if (addresses.length <= 1) return { plan: planShards(sizes, 1), addresses: [], layouts: [spec.shared] };
  let plan: ShardPlan;
  try {
    plan = planFromBounds(sizes, welcome.shardBounds ?? []);
  } catch (err) {
    throw new WorkerError(`the coordinator at ${source} names ${addresses.length} shards, but ${(err as Error).message}`);
  }
  if (plan.shards !== addresses.length) throw new WorkerError(`the coordinator at ${source} names ${addresses.length} shard addresses for a cut into ${plan.shards}`);
  return { plan, addresses, layouts: plan.slices.map((slices) => sliceLayout(spec.shared, slices)) };
}

export interface RunPlan {
  config: RunConfig;
  task: TaskConfig;
  spec: ModelSpec;
  fingerprint: string;
  /** W's tensors as the lead's welcome and updates carry them (its slices, with shards). */
  shared: readonly { name: string; shape: readonly number[] }[];
  /** W over the coordinator shards (docs/shards.md): the cut, every shard's address (the lead's first;
   *  none for one coordinator) and the tensors each shard's updates carry. */
  shards: RunShards;
  /** A task state's tensors; a head of more classes than this task can have is refused (WireError). */
  stateLayout: TaskStateLayout;
  /** Frames from the coordinator above this are refused. */
  maxFrameBytes: number;
}

/** The plan of the run `welcome` describes; `previous` (from an earlier welcome) must be the same model. */
export function planRun(welcome: Welcome, task: string, source: string, previous: RunPlan | null): RunPlan {
  if ((welcome.protocolVersion ?? 0) !== PROTOCOL_VERSION) {
    throw new WorkerError(
      `the coordinator at ${source} welcomed this worker in protocol version ${welcome.protocolVersion ?? 0}; this worker speaks ${PROTOCOL_VERSION}: run the same hybrid release on both`,
    );
  }
  if (previous) {
    if (welcome.modelFingerprint !== previous.fingerprint)
      throw new WorkerError(`the coordinator at ${source} now has model ${welcome.modelFingerprint}, this worker trains ${previous.fingerprint}`);
    return previous;
  }
  const configJson = welcome.configJson ?? '';
  // The schema bounds chunk_bytes (1 KiB to 64 MiB), so a welcome's chunk size is checked there.
  const config = welcomeConfig(configJson, source);
  const taskConfig = config.tasks.find((t) => t.name === task);
  if (!taskConfig) throw new WorkerError(`the run at ${source} has no task "${task}" (its tasks: ${config.tasks.map((t) => t.name).join(', ')})`);
  let spec: ModelSpec;
  try {
    spec = buildModelSpec(config.model, taskInputShape(taskConfig));
  } catch (err) {
    const why = err instanceof ModelLimitError ? err.problems.join('; ') : (err as Error).message;
    throw new WorkerError(`the coordinator's welcome config (from ${source}) gives no model this worker can build: ${why}`);
  }
  try {
    checkAllocatable(spec, config);
  } catch (err) {
    if (!(err instanceof ModelLimitError)) throw err;
    throw new WorkerError(`the coordinator at ${source} describes a model this machine cannot train: ${err.problems.join('; ')}`);
  }
  const classes = classesBound(taskConfig);
  const shards = shardsOf(welcome, spec, source);
  return {
    config,
    task: taskConfig,
    spec,
    fingerprint: modelFingerprint(spec),
    shared: shards.layouts[0],
    shards,
    stateLayout: boundedHeads(taskStateLayout(spec, config.train), classes, task),
    maxFrameBytes: maxFrameBytes(config, spec, classes, Buffer.byteLength(configJson)),
  };
}

/** The task's data, which must give the model the welcome describes (a WorkerError otherwise). */
export async function loadPlannedData(plan: RunPlan, welcome: Welcome): Promise<TaskData> {
  const data = await loadTaskData(plan.task, plan.config.seed);
  const fingerprint = modelFingerprint(buildModelSpec(plan.config.model, data.inputShape));
  if (fingerprint !== welcome.modelFingerprint) {
    throw new WorkerError(`model mismatch: this worker's data (input [${data.inputShape.join(', ')}]) gives model ${fingerprint}, the coordinator has model ${welcome.modelFingerprint}`);
  }
  return data;
}

/** Reads the model files the welcome's config names (`model.from`); none for other models. The worker
 *  reads them from the same paths as the coordinator (shared storage, like the data). */
export async function loadWelcomeModelFiles(welcome: Welcome, source: string): Promise<void> {
  const config = welcomeConfig(welcome.configJson ?? '', source);
  try {
    await loadModelFiles(config.model);
  } catch (err) {
    throw new WorkerError(`the run at ${source} starts from model files this worker cannot read: ${(err as Error).message}`);
  }
}

/** The welcome's run config, validated by the schema; its problems in one line. */
function welcomeConfig(text: string, source: string): RunConfig {
  if (text.trim() === '') throw new WorkerError(`the coordinator's welcome (from ${source}) carries no run config`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new WorkerError(`the coordinator's welcome config (from ${source}) is not valid JSON: ${jsonErrorWithLocation((err as Error).message, text)}`);
  }
  try {
    return parseRunConfig(value, `the coordinator's welcome config (from ${source})`);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw new WorkerError(`the coordinator's welcome config (from ${source}) is invalid: ${err.problems.join('; ')}`);
  }
}

/** The layout, refusing a state whose head has more classes than the task's data can have, before any
 *  of its tensors is allocated. */
function boundedHeads(layout: TaskStateLayout, most: number, task: string): TaskStateLayout {
  return {
    ...layout,
    head: (classes) => {
      if (classes > most) throw new WireError(ErrorCode.SHAPE, `a task state whose head has ${classes} classes; task "${task}" has at most ${most}`);
      return layout.head(classes);
    },
  };
}
