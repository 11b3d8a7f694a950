// A trainer's state as the wire's TaskState message and back: S_t, its support, the head and the
// optimizer slots, named so the coordinator can read S_t and the head without knowing the trainer.
import type { OptimizerState } from '../optim/optimizer.js';
import type { ModelSpec } from '../model/spec.js';
import { headSpec } from '../model/spec.js';
import { f32Tensor, f32Values, u8Tensor, u8Values, type TaskStateMessage, type TensorMessage } from '../proto/codec.js';
import type { Evaluation, TrainerState } from './trainer.js';

function slots(prefix: string, state: OptimizerState, shapes: readonly (readonly number[])[]): TensorMessage[] {
  return state.slots.flatMap((slot, s) => slot.map((v, i) => f32Tensor(`opt/${prefix}/${s}/${i}`, shapes[i], v)));
}

export function toTaskStateMessage(
  task: string,
  spec: ModelSpec,
  classes: number,
  state: TrainerState,
  extra: { evaluation?: Evaluation; final?: boolean },
): TaskStateMessage {
  const heads = headSpec(spec, classes);
  const tensors: TensorMessage[] = [
    ...state.sparse.map((v, i) => f32Tensor(`sparse/${spec.shared[i].name}`, spec.shared[i].shape, v)),
    ...(state.support ?? []).map((m, i) => u8Tensor(`support/${spec.shared[i].name}`, spec.shared[i].shape, m)),
    ...state.head.map((v, i) => f32Tensor(heads[i].name, heads[i].shape, v)),
    ...slots('head', state.headOptimizer, heads.map((h) => h.shape)),
    ...(state.sparseOptimizer ? slots('sparse', state.sparseOptimizer, spec.shared.map((t) => t.shape)) : []),
  ];
  const nnz = state.sparse.reduce((a, v) => a + v.reduce((n, x) => n + (x !== 0 ? 1 : 0), 0), 0);
  const sharedSize = spec.shared.reduce((a, t) => a + t.size, 0);
  return {
    task,
    step: state.step,
    tensors,
    headOptimizerStep: state.headOptimizer.step,
    sparseOptimizerStep: state.sparseOptimizer?.step ?? 0,
    nnz,
    density: nnz / sharedSize,
    evaluation: extra.evaluation ? { accuracy: extra.evaluation.accuracy, loss: extra.evaluation.loss, samples: extra.evaluation.samples } : null,
    final: extra.final ?? false,
  };
}

function readSlots(byName: Map<string, TensorMessage>, prefix: string, type: OptimizerState['type'], step: number, shapes: readonly (readonly number[])[]): OptimizerState {
  const count = type === 'sgd' ? 1 : 2;
  return {
    type,
    step,
    slots: Array.from({ length: count }, (_, s) =>
      shapes.map((shape, i) => {
        const t = byName.get(`opt/${prefix}/${s}/${i}`);
        if (!t) throw new Error(`task state lacks optimizer slot opt/${prefix}/${s}/${i}`);
        return f32Values(t, shape).slice();
      }),
    ),
  };
}

/** The trainer state inside a TaskState message (copies, so the frame can go). */
export function fromTaskStateMessage(msg: TaskStateMessage, spec: ModelSpec, classes: number, optimizer: OptimizerState['type'], sparse: boolean): TrainerState {
  const byName = new Map((msg.tensors ?? []).map((t) => [t.name ?? '', t]));
  const heads = headSpec(spec, classes);
  const need = (name: string) => {
    const t = byName.get(name);
    if (!t) throw new Error(`task state lacks tensor "${name}"`);
    return t;
  };
  const hasSupport = spec.shared.every((t) => byName.has(`support/${t.name}`));
  return {
    step: msg.step ?? 0,
    sparse: sparse ? spec.shared.map((t) => f32Values(need(`sparse/${t.name}`), t.shape).slice()) : [],
    support: sparse && hasSupport ? spec.shared.map((t) => u8Values(need(`support/${t.name}`), t.size).slice()) : null,
    head: heads.map((h) => f32Values(need(h.name), h.shape).slice()),
    headOptimizer: readSlots(byName, 'head', optimizer, msg.headOptimizerStep ?? 0, heads.map((h) => h.shape)),
    sparseOptimizer: sparse ? readSlots(byName, 'sparse', optimizer, msg.sparseOptimizerStep ?? 0, spec.shared.map((t) => t.shape)) : null,
  };
}
