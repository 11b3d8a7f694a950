// Whether a model, its heads and a batch can be allocated at all, checked before anything is. The
// config schema bounds each field alone; the products (inputs x units, batch x input) depend on the
// data's shape, which only the spec knows. Past the limit the run would otherwise fail far from the
// config: V8's "Invalid typed array length" in a worker, or the process killed for memory.
import { totalmem } from 'node:os';
import { MAX_ARRAY_ENTRIES, MAX_ARRAY_ENTRIES_TEXT, type RunConfig, type TaskConfig } from '../config/schema.js';
import { MAX_IMPLIED_CLASSES } from '../config/user-datasets.js';
import { activationSizes, type ModelSpec, type TensorSpec } from './spec.js';

/** Bytes per entry: every tensor is float32. */
const F32_BYTES = 4;
/** Every training process holds at least W and a gradient of the same size (besides optimizer slots, S_t,
 *  push buffers...), so 2 copies of the shared parameters is a lower bound on its memory. */
const MIN_COPIES = 2;

/** A model or batch that cannot be allocated; the message lists every problem with its arithmetic. */
export class ModelLimitError extends Error {
  constructor(readonly problems: string[]) {
    super(`the model cannot be allocated:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ModelLimitError';
  }
}

export interface AllocationOptions {
  /** The memory a process may use, in bytes (default: this machine's, os.totalmem()). */
  memoryBytes?: number;
}

/** Throws a ModelLimitError unless every shared tensor of `spec` fits one array. buildModelSpec calls it,
 *  so no spec past the limit exists. */
export function checkSpecAllocatable(spec: ModelSpec): void {
  const problems = specProblems(spec);
  if (problems.length > 0) throw new ModelLimitError(problems);
}

/**
 * Throws a ModelLimitError unless the run can be allocated: every shared tensor and every head fits one
 * array, a batch's input and each of its activations fit one tensor, and the shared parameters (at least
 * W and a gradient) fit the memory. For every process that trains or serves the run (the coordinator, a
 * worker, `hybrid train`), after building the spec.
 */
export function checkAllocatable(spec: ModelSpec, config: Pick<RunConfig, 'train' | 'tasks'>, options: AllocationOptions = {}): void {
  const problems = [...specProblems(spec), ...batchProblems(spec, config.train.batch_size), ...headProblems(spec, config.tasks), ...memoryProblems(spec, options.memoryBytes ?? totalmem())];
  if (problems.length > 0) throw new ModelLimitError(problems);
}

/** The shared tensors past one array's limit, each named by the config field that sized it. */
export function specProblems(spec: ModelSpec): string[] {
  return spec.shared.filter((t) => t.size > MAX_ARRAY_ENTRIES).map((t) => tensorProblem(spec, t));
}

function tensorProblem(spec: ModelSpec, t: TensorSpec): string {
  const arithmetic = `${t.shape.join(' x ')} = ${sci(t.size)} parameters, ${bytes(t.size * F32_BYTES)} as float32; one tensor holds at most ${MAX_ARRAY_ENTRIES_TEXT}`;
  const layer = spec.name === 'mlp' ? /^dense(\d+)\/kernel$/.exec(t.name) : null;
  if (layer !== null && t.shape.length === 2) {
    const [inputs, units] = t.shape;
    const i = Number(layer[1]);
    const from = i === 0 ? `the ${inputs} input entries of [${spec.inputShape.join(', ')}]` : `the ${inputs} units of model.hidden[${i - 1}]`;
    return `model.hidden[${i}] = ${units}: hidden layer ${i + 1} takes ${from}, so its kernel is ${arithmetic}; use at most ${Math.floor(MAX_ARRAY_ENTRIES / inputs)} units`;
  }
  return `model (${spec.name}) on inputs [${spec.inputShape.join(', ')}]: tensor ${t.name} is ${arithmetic}; use smaller inputs or a smaller model`;
}

/** A batch makes one tensor of batch x (entries per example) of the input and of every activation. */
function batchProblems(spec: ModelSpec, batchSize: number): string[] {
  const activations = activationSizes(spec);
  const widest = Math.max(...activations);
  if (batchSize * widest <= MAX_ARRAY_ENTRIES) return [];
  const which = activations.indexOf(widest) === 0 ? `a batch's input [${spec.inputShape.join(', ')}]` : `a batch's widest activation in the ${spec.name} model`;
  return [
    `train.batch_size = ${batchSize}: ${which} is ${batchSize} x ${widest} = ${sci(batchSize * widest)} entries, ${bytes(batchSize * widest * F32_BYTES)} as float32; one tensor holds at most ${MAX_ARRAY_ENTRIES_TEXT}; use a batch_size of at most ${Math.floor(MAX_ARRAY_ENTRIES / widest)}`,
  ];
}

/** Each task's head kernel is features x classes, where the config says the classes. */
function headProblems(spec: ModelSpec, tasks: readonly TaskConfig[]): string[] {
  const problems: string[] = [];
  tasks.forEach((task, i) => {
    const classes = configuredClasses(task);
    if (classes === undefined || spec.featureSize * classes <= MAX_ARRAY_ENTRIES) return;
    const n = spec.featureSize * classes;
    problems.push(
      `tasks[${i}] (${task.name}): its head's kernel is ${spec.featureSize} features x ${classes} classes = ${sci(n)} parameters, ${bytes(n * F32_BYTES)} as float32; one tensor holds at most ${MAX_ARRAY_ENTRIES_TEXT}; use fewer classes`,
    );
  });
  return problems;
}

/** The task's class count as its config states it (a label_map's max + 1, a synthetic set's `classes`, MNIST's
 *  10, a configured class list); undefined where the count comes from the data's labels. */
export function configuredClasses(task: TaskConfig): number | undefined {
  const maps = task.transforms.filter((t) => t.type === 'label_map');
  if (maps.length > 0) return Math.max(...maps[maps.length - 1].map) + 1;
  const ds = task.dataset;
  if (ds.source === 'synthetic') return ds.classes;
  if (ds.source === 'mnist') return 10;
  return 'classes' in ds && Array.isArray(ds.classes) ? ds.classes.length : undefined;
}

/** IDX labels are bytes: at most 256 classes. */
const IDX_MAX_CLASSES = 256;

/** The most classes a head of `task` can have: what a peer's task state may declare, bounded before
 *  anything is allocated for it. */
export function classesBound(task: TaskConfig): number {
  return configuredClasses(task) ?? (task.dataset.source === 'idx' ? IDX_MAX_CLASSES : MAX_IMPLIED_CLASSES);
}

function memoryProblems(spec: ModelSpec, memoryBytes: number): string[] {
  const params = spec.shared.reduce((a, t) => a + t.size, 0);
  const need = params * F32_BYTES * MIN_COPIES;
  if (need <= memoryBytes) return [];
  return [
    `model (${spec.name}) on inputs [${spec.inputShape.join(', ')}]: its ${sci(params)} shared parameters need at least ${sci(params)} x ${F32_BYTES} bytes x ${MIN_COPIES} (W and a gradient) = ${bytes(need)}, more than the ${bytes(memoryBytes)} of memory here; use a smaller model`,
  ];
}

/** 784000000000 -> "7.84e+11"; small counts stay whole. */
function sci(n: number): string {
  return n < 1e6 ? String(n) : n.toExponential(2);
}

/** Bytes in the largest binary unit that keeps the number at least 1. */
function bytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return i === 0 ? `${n} bytes` : `${n.toFixed(1)} ${units[i]}`;
}
