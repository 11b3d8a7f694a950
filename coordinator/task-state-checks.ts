// What a complete task state must hold beyond its layout (compression/task-state-stream.ts checks the
// tensors' names and shapes as the parts arrive): finite values everywhere, masks of 0 and 1, Adam's
// second moments not negative, the class count the task already has, and metrics within their ranges.
// A state the coordinator keeps goes into every checkpoint and to every later worker of its task, so
// one that breaks any of these would poison the task for good.
import type { TaskStateLayout } from '../compression/task-state-stream.js';
import type { z } from 'zod';
import { preprocessSchema } from '../model/bundle-manifest.js';
import { firstNonFinite } from '../lib/finite.js';
import { ErrorCode, f32Values, u8Values, WireError, type EvaluationMessage, type TaskStateMessage, type TensorMessage } from '../proto/codec.js';

/** The counter labels a task state is refused under (hybrid_task_states_rejected_total{reason}). */
export const TASK_STATE_REFUSAL_LABELS = ['malformed', 'layout', 'non_finite', 'out_of_range', 'classes', 'wrong_task', 'not_lead'] as const;
export type TaskStateRefusalLabel = (typeof TASK_STATE_REFUSAL_LABELS)[number];

/** A refused task state: Error.BAD_TASK_STATE on the wire, counted under `reason`. */
export class TaskStateRefusal extends WireError {
  constructor(
    readonly reason: TaskStateRefusalLabel,
    message: string,
  ) {
    super(ErrorCode.BAD_TASK_STATE, message);
  }
}

/** The refusal label of an error the part assembler threw. */
export function assemblyReason(code: ErrorCode): TaskStateRefusalLabel {
  if (code === ErrorCode.SHAPE) return 'layout';
  if (code === ErrorCode.NON_FINITE) return 'non_finite';
  if (code === ErrorCode.UNKNOWN_TASK) return 'wrong_task';
  return 'malformed';
}

export interface TaskStateExpectations {
  task: string;
  layout: TaskStateLayout;
  /** The task's class count once one state was kept (null before the first). */
  classes: number | null;
  /** Entries of all shared tensors: the most a state's nnz can be. */
  sharedEntries: number;
}

function finite(where: string, t: TensorMessage, shape: readonly number[]): Float32Array {
  const values = f32Values(t, shape);
  const i = firstNonFinite(values);
  if (i >= 0) throw new TaskStateRefusal('non_finite', `${where} "${t.name ?? ''}": value ${values[i]} at index ${i}`);
  return values;
}

function inRange(where: string, value: number | null | undefined, low: number, high: number, integer = false): void {
  const v = value ?? 0;
  if (!Number.isFinite(v) || v < low || v > high || (integer && !Number.isInteger(v))) {
    throw new TaskStateRefusal('out_of_range', `${where} is ${v}; it must be ${integer ? 'an integer ' : ''}in [${low}, ${high}]`);
  }
}

function evaluation(where: string, e: EvaluationMessage | null | undefined): void {
  if (!e) return;
  inRange(`${where} accuracy`, e.accuracy, 0, 1);
  inRange(`${where} loss`, e.loss, 0, Number.MAX_VALUE);
  inRange(`${where} samples`, e.samples, 0, Number.MAX_SAFE_INTEGER, true);
}

/** A state's preprocessing (JSON), validated; a TaskStateRefusal when it is not one. */
export function parsePreprocess(json: string): z.infer<typeof preprocessSchema> {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new TaskStateRefusal('malformed', "the state's preprocessing is not JSON");
  }
  const parsed = preprocessSchema.safeParse(value);
  if (!parsed.success) throw new TaskStateRefusal('malformed', `the state's preprocessing is not a standardisation: ${parsed.error.issues[0].message}`);
  return parsed.data;
}

/** Throws TaskStateRefusal for the first thing in `state` (complete, of a valid layout) that breaks a rule. */
export function checkTaskState(state: TaskStateMessage, expect: TaskStateExpectations): void {
  const { task, layout } = expect;
  const classes = state.classes ?? 0;
  if (expect.classes !== null && classes !== expect.classes) {
    throw new TaskStateRefusal('classes', `task ${task}: the state's head has ${classes} classes; the task has ${expect.classes}`);
  }
  inRange(`task ${task}: step`, state.step, 0, Number.MAX_SAFE_INTEGER, true);
  inRange(`task ${task}: nnz`, state.nnz, 0, expect.sharedEntries, true);
  inRange(`task ${task}: density`, state.density, 0, 1);
  evaluation(`task ${task}: evaluation`, state.evaluation);
  evaluation(`task ${task}: baseline`, state.baseline);
  evaluation(`task ${task}: original`, state.original);
  evaluation(`task ${task}: merged`, state.merged);
  const names = state.classNames ?? [];
  if (names.length > 0 && names.length !== classes) throw new TaskStateRefusal('classes', `task ${task}: the state names ${names.length} classes, its head has ${classes}`);
  if (state.preprocessJson) parsePreprocess(state.preprocessJson);
  const head = layout.head(classes);
  layout.shared.forEach((t, i) => finite(`task ${task}: sparse`, state.sparse![i], t.shape));
  head.forEach((t, i) => finite(`task ${task}: head`, state.head![i], t.shape));
  layout.stats.forEach((t, i) => {
    const values = finite(`task ${task}: statistics`, state.stats![i], t.shape);
    // A moving variance is a mean of squares; the forward pass takes its square root.
    const negative = t.name.endsWith('/moving_variance') ? values.findIndex((v) => v < 0) : -1;
    if (negative >= 0) throw new TaskStateRefusal('out_of_range', `task ${task}: statistic "${t.name}" is ${values[negative]} at index ${negative}; a variance cannot be negative`);
  });
  (state.support ?? []).forEach((mask, i) => {
    const bits = u8Values(
      mask,
      layout.shared[i].shape.reduce((a, b) => a * b, 1),
    );
    const bad = bits.findIndex((b) => b > 1);
    if (bad >= 0) throw new TaskStateRefusal('out_of_range', `task ${task}: support "${mask.name ?? ''}" holds ${bits[bad]} at index ${bad}; a mask holds 0 and 1 only`);
  });
  for (const [section, tensors] of [
    ['head optimizer', head],
    ['sparse optimizer', layout.shared],
  ] as const) {
    const slots = (section === 'head optimizer' ? state.headOptimizer : state.sparseOptimizer) ?? {};
    inRange(`task ${task}: ${section} step`, slots.step, 0, Number.MAX_SAFE_INTEGER, true);
    // Slot-major: slot k of tensor i is entry k * tensors.length + i. With two slots (Adam) the second
    // is the second moment, which must not be negative (its square root divides the step).
    (slots.slots ?? []).forEach((t, j) => {
      const values = finite(`task ${task}: ${section} slot`, t, tensors[j % tensors.length].shape);
      if (layout.slots === 2 && j >= tensors.length) {
        const negative = values.findIndex((v) => v < 0);
        if (negative >= 0)
          throw new TaskStateRefusal('out_of_range', `task ${task}: ${section} second moment "${t.name ?? ''}" is ${values[negative]} at index ${negative}; it cannot be negative`);
      }
    });
  }
}
