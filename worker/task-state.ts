// A trainer's state as the wire's TaskState message and back: S_t, its support, the head and their
// optimizer slots and the task's statistics in typed sections (hybrid.proto), so the coordinator reads S_t and the head without
// knowing the trainer.
import type { ModelSpec } from '../model/spec.js';
import { headSpec } from '../model/spec.js';
import { slotCount, type OptimizerState } from '../optim/optimizer.js';
import { ErrorCode, f32Tensor, f32Values, u8Tensor, u8Values, WireError, type EvaluationMessage, type OptimizerSlotsMessage, type TaskStateMessage } from '../proto/codec.js';
import type { TaskData } from '../data/dataset.js';
import type { StartEvaluation } from './model-start.js';
import type { Evaluation } from './trainer.js';
import type { TrainerState } from './trainer-state.js';

/** What the task's data says about itself, for predictions from the bundle and the results. */
export type DataFacts = Pick<TaskData, 'classNames' | 'preprocess' | 'skipped'>;

interface Shaped {
  name: string;
  shape: readonly number[];
}

function slotsMessage(state: OptimizerState, tensors: readonly Shaped[]): OptimizerSlotsMessage {
  return { step: state.step, slots: state.slots.flatMap((slot) => slot.map((v, i) => f32Tensor(tensors[i].name, tensors[i].shape, v))) };
}

function evaluationMessage(e: Evaluation): EvaluationMessage {
  return { accuracy: e.accuracy, loss: e.loss, samples: e.samples };
}

export function toTaskStateMessage(
  task: string,
  spec: ModelSpec,
  classes: number,
  state: TrainerState,
  extra: { evaluation?: Evaluation; baseline?: Evaluation; final?: boolean; data?: DataFacts; start?: StartEvaluation | null },
): TaskStateMessage {
  const heads = headSpec(spec, classes);
  const nnz = state.sparse.reduce((a, v) => a + v.reduce((n, x) => n + (x !== 0 ? 1 : 0), 0), 0);
  const sharedSize = spec.shared.reduce((a, t) => a + t.size, 0);
  return {
    task,
    step: state.step,
    classes,
    sparse: state.sparse.map((v, i) => f32Tensor(spec.shared[i].name, spec.shared[i].shape, v)),
    support: (state.support ?? []).map((m, i) => u8Tensor(spec.shared[i].name, spec.shared[i].shape, m)),
    head: state.head.map((v, i) => f32Tensor(heads[i].name, heads[i].shape, v)),
    headOptimizer: slotsMessage(state.headOptimizer, heads),
    sparseOptimizer: state.sparseOptimizer ? slotsMessage(state.sparseOptimizer, spec.shared) : null,
    stats: state.stats.map((v, i) => f32Tensor(spec.stats[i].name, spec.stats[i].shape, v)),
    nnz,
    density: nnz / sharedSize,
    evaluation: extra.evaluation ? evaluationMessage(extra.evaluation) : null,
    baseline: extra.baseline ? evaluationMessage(extra.baseline) : null,
    final: extra.final ?? false,
    classNames: extra.data?.classNames ?? [],
    preprocessJson: extra.data?.preprocess ? JSON.stringify(extra.data.preprocess) : '',
    skipped: extra.data?.skipped ?? 0,
    original: extra.start?.original ? evaluationMessage(extra.start.original) : null,
    merged: extra.start ? evaluationMessage(extra.start.merged) : null,
    hasSampler: state.sampler !== null,
    samplerEpoch: state.sampler?.epoch ?? 0,
    samplerPosition: state.sampler?.position ?? 0,
  };
}

function readSlots(message: OptimizerSlotsMessage | null | undefined, what: string, type: OptimizerState['type'], tensors: readonly Shaped[]): OptimizerState {
  const slots = message?.slots ?? [];
  const count = slotCount(type);
  if (slots.length !== count * tensors.length)
    throw new WireError(ErrorCode.SHAPE, `task state: ${what} has ${slots.length} optimizer slot tensors, expected ${count * tensors.length} (${type})`);
  return { type, step: message?.step ?? 0, slots: Array.from({ length: count }, (_, s) => tensors.map((t, i) => f32Values(slots[s * tensors.length + i], t.shape).slice())) };
}

/** The trainer state inside a whole TaskState message (copies, so the frame can go). A message that does not
 *  fit the model and `classes` is a WireError. */
export function fromTaskStateMessage(msg: TaskStateMessage, spec: ModelSpec, classes: number, optimizer: OptimizerState['type'], sparse: boolean): TrainerState {
  const heads = headSpec(spec, classes);
  const section = (tensors: readonly unknown[] | null | undefined, what: string, expected: number): void => {
    if ((tensors?.length ?? 0) !== expected) throw new WireError(ErrorCode.SHAPE, `task state: ${what} has ${tensors?.length ?? 0} tensors, expected ${expected}`);
  };
  section(msg.head, 'the head', heads.length);
  section(msg.stats, "the task's statistics", spec.stats.length);
  if (sparse) section(msg.sparse, 'S_t', spec.shared.length);
  const support = msg.support ?? [];
  if (support.length > 0) section(support, "S_t's support", spec.shared.length);
  return {
    step: msg.step ?? 0,
    sparse: sparse ? spec.shared.map((t, i) => f32Values(msg.sparse![i], t.shape).slice()) : [],
    support: sparse && support.length > 0 ? spec.shared.map((t, i) => u8Values(support[i], t.size).slice()) : null,
    head: heads.map((h, i) => f32Values(msg.head![i], h.shape).slice()),
    headOptimizer: readSlots(msg.headOptimizer, 'the head', optimizer, heads),
    sparseOptimizer: sparse ? readSlots(msg.sparseOptimizer, 'S_t', optimizer, spec.shared) : null,
    stats: spec.stats.map((t, i) => f32Values(msg.stats![i], t.shape).slice()),
    sampler: msg.hasSampler ? { epoch: msg.samplerEpoch ?? 0, position: msg.samplerPosition ?? 0 } : null,
  };
}
