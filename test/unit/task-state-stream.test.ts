// compression/task-state-stream.ts: a task state (S_t, its support, the head, their optimizer slots) cut
// into parts of at most a chunk of tensor data and put back together, bit for bit, by an assembler that
// checks every tensor against the layout both sides derive from the model, and refuses, naming the part
// and the section, a state that does not fit it.
import { describe, expect, it } from 'vitest';
import { TaskStateAssembler, taskStateParts } from '../../compression/task-state-stream.js';
import { trainSchema } from '../../config/schema.js';
import { Random } from '../../lib/random.js';
import { buildModelSpec, headSpec, type ModelSpec } from '../../model/spec.js';
import { taskStateLayout } from '../../model/task-state-layout.js';
import type { OptimizerState } from '../../optim/optimizer.js';
import { decode, encode, ErrorCode, WireError, type TaskStateMessage, type TensorMessage } from '../../proto/codec.js';
import { fromTaskStateMessage, toTaskStateMessage } from '../../worker/task-state.js';
import type { TrainerState } from '../../worker/trainer.js';

const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const tensorBytes = (t: TensorMessage) => Buffer.from(t.data!.buffer, t.data!.byteOffset, t.data!.byteLength);

/** 32 features, two hidden layers (kernels of 2048 and 2048 entries) with a BatchNormalization between
 *  them (whose moving statistics travel as the task's), 5 classes. */
const SPEC: ModelSpec = buildModelSpec(
  {
    layers: [
      { type: 'Dense', name: 'dense0', units: 64, activation: 'relu' },
      { type: 'BatchNormalization', name: 'bn' },
      { type: 'Dense', name: 'dense1', units: 32, activation: 'relu' },
      { type: 'Dense', name: 'head', units: 5 },
    ],
  },
  [32],
);
const CLASSES = 5;
const ADAM = trainSchema.parse({ optimizer: { type: 'adam', lr: 0.01 } });
const SGD = trainSchema.parse({ optimizer: { type: 'sgd', lr: 0.1, momentum: 0.9 } });

function values(n: number, seed: number, name: string): Float32Array {
  return Random.stream(seed, `test/task-state/${name}`).fillGaussian(new Float32Array(n), 0.3);
}

function slots(type: 'sgd' | 'adam', sizes: readonly number[], seed: number, name: string): OptimizerState {
  const count = type === 'sgd' ? 1 : 2;
  return { type, step: 17, slots: Array.from({ length: count }, (_, s) => sizes.map((n, i) => values(n, seed + s * 10 + i, `${name}/${s}`))) };
}

/** A trainer state of SPEC with random values; `support` adds S_t's support masks (pruned S_t). */
function trainerState(options: { support: boolean; optimizer: 'sgd' | 'adam'; classes?: number; seed?: number }): TrainerState {
  const seed = options.seed ?? 1;
  const heads = headSpec(SPEC, options.classes ?? CLASSES);
  const random = Random.stream(seed, 'test/task-state/mask');
  const support = options.support ? SPEC.shared.map((t) => Uint8Array.from({ length: t.size }, () => (random.uniform() < 0.1 ? 1 : 0))) : null;
  const sparse = SPEC.shared.map((t, i) => {
    const v = values(t.size, seed + i, 'sparse');
    if (support) for (let j = 0; j < v.length; j++) if (!support[i][j]) v[j] = 0;
    return v;
  });
  return {
    step: 42,
    sparse,
    support,
    head: heads.map((h, i) => values(h.size, seed + 100 + i, 'head')),
    headOptimizer: slots(
      options.optimizer,
      heads.map((h) => h.size),
      seed + 200,
      'headOpt',
    ),
    sparseOptimizer: slots(
      options.optimizer,
      SPEC.shared.map((t) => t.size),
      seed + 300,
      'sparseOpt',
    ),
    stats: SPEC.stats.map((t, i) => values(t.size, seed + 400 + i, 'stats')),
    sampler: { epoch: seed % 5, position: 17 + seed },
  };
}

function message(state: TrainerState, classes = CLASSES): TaskStateMessage {
  return toTaskStateMessage('a', SPEC, classes, state, { evaluation: { accuracy: 0.75, loss: 0.5, samples: 128 }, final: true });
}

/** The parts as they travel: each encoded into a frame and decoded from it. */
function wireParts(state: TaskStateMessage, chunk: number): TaskStateMessage[] {
  return taskStateParts(state, chunk).map((part) => {
    const msg = decode(encode('taskState', part));
    if (msg.kind !== 'taskState') throw new Error(`a taskState expected, got ${msg.kind}`);
    return msg.body;
  });
}

/** Feeds every part; returns the whole state the last one completes (null parts before it). */
function assemble(parts: readonly TaskStateMessage[], train = ADAM): TaskStateMessage {
  const assembler = new TaskStateAssembler('task state', taskStateLayout(SPEC, train));
  let whole: TaskStateMessage | null = null;
  parts.forEach((part, i) => {
    whole = assembler.accept(part);
    if (i < parts.length - 1) {
      expect(whole, `part ${i}`).toBeNull();
      expect(assembler.open).toBe(true);
      expect(assembler.waitingFor).toBe(i + 1);
    }
  });
  expect(whole).not.toBeNull();
  expect(assembler.open).toBe(false);
  return whole!;
}

/** What the assembler throws on the sequence of parts (the last one must throw). */
function refusal(parts: readonly TaskStateMessage[], train = ADAM): WireError {
  const assembler = new TaskStateAssembler('task state', taskStateLayout(SPEC, train));
  for (let i = 0; i < parts.length; i++) {
    try {
      assembler.accept(parts[i]);
    } catch (err) {
      expect(err).toBeInstanceOf(WireError);
      expect(i, `refused at part ${i} of the ${parts.length} fed: ${(err as Error).message}`).toBe(parts.length - 1);
      return err as WireError;
    }
  }
  throw new Error('expected a WireError, every part was taken');
}

/** The sections' tensors (all pieces) of a part. */
function tensorsIn(part: TaskStateMessage): TensorMessage[] {
  return [...(part.sparse ?? []), ...(part.support ?? []), ...(part.head ?? []), ...(part.headOptimizer?.slots ?? []), ...(part.sparseOptimizer?.slots ?? [])];
}

/** The whole state equals the original: every tensor bit for bit, the scalars, the trainer state back. */
function expectSameState(whole: TaskStateMessage, original: TaskStateMessage, state: TrainerState, optimizer: 'sgd' | 'adam'): void {
  expect(whole.part ?? null).toBeNull();
  expect(whole.parts ?? null).toBeNull();
  expect({ task: whole.task, step: whole.step, classes: whole.classes, nnz: whole.nnz, density: whole.density, final: whole.final }).toEqual({
    task: original.task,
    step: original.step,
    classes: original.classes,
    nnz: original.nnz,
    density: original.density,
    final: original.final,
  });
  expect(whole.evaluation).toMatchObject({ accuracy: 0.75, loss: 0.5, samples: 128 });
  expect(whole.headOptimizer?.step).toBe(17);
  expect(whole.sparseOptimizer?.step).toBe(17);
  const sections: [string, TensorMessage[] | null | undefined, TensorMessage[] | null | undefined][] = [
    ['sparse', whole.sparse, original.sparse],
    ['support', whole.support, original.support],
    ['head', whole.head, original.head],
    ['headOptimizer', whole.headOptimizer?.slots, original.headOptimizer?.slots],
    ['sparseOptimizer', whole.sparseOptimizer?.slots, original.sparseOptimizer?.slots],
  ];
  for (const [section, got, want] of sections) {
    expect((got ?? []).length, section).toBe((want ?? []).length);
    (want ?? []).forEach((t, i) => {
      expect(got![i].name, `${section} ${i}`).toBe(t.name);
      expect(got![i].shape, `${section} ${i}`).toEqual(t.shape);
      expect(got![i].encoding ?? 0, `${section} ${i}`).toBe(t.encoding ?? 0);
      expect(tensorBytes(got![i]).equals(tensorBytes(t)), `${section} ${i}: bytes`).toBe(true);
    });
  }
  // And the trainer takes it back as it was.
  const back = fromTaskStateMessage(whole, SPEC, CLASSES, optimizer, true);
  expect(back.step).toBe(state.step);
  // Where the batch order stands travels too (a state from before it did has none).
  expect(back.sampler).toEqual(state.sampler);
  back.sparse.forEach((v, i) => expect(bits(v).equals(bits(state.sparse[i]))).toBe(true));
  back.head.forEach((v, i) => expect(bits(v).equals(bits(state.head[i]))).toBe(true));
  if (state.support) back.support!.forEach((m, i) => expect(Buffer.from(m).equals(Buffer.from(state.support![i]))).toBe(true));
  else expect(back.support).toBeNull();
  for (const [got, want] of [
    [back.headOptimizer, state.headOptimizer],
    [back.sparseOptimizer!, state.sparseOptimizer!],
  ] as const) {
    expect(got.step).toBe(want.step);
    got.slots.forEach((slot, s) => slot.forEach((v, i) => expect(bits(v).equals(bits(want.slots[s][i]))).toBe(true)));
  }
}

describe('task state round trip', () => {
  const chunks: [string, number][] = [
    ['one frame (default chunk size)', 4 << 20],
    ['a small chunk size', 4096],
    ['the smallest chunk size (many parts)', 1024],
  ];
  for (const [what, chunk] of chunks) {
    for (const support of [true, false]) {
      for (const optimizer of ['adam', 'sgd'] as const) {
        it(`${what}, ${support ? 'with' : 'without'} support masks, ${optimizer}: bit for bit`, () => {
          const state = trainerState({ support, optimizer });
          const original = message(state);
          const parts = wireParts(original, chunk);
          if (chunk === 4 << 20) expect(parts).toHaveLength(1);
          else expect(parts.length).toBeGreaterThan(chunk === 1024 ? 20 : 5);
          parts.forEach((p, i) => {
            if (parts.length > 1) expect({ part: p.part, parts: p.parts }).toEqual({ part: i, parts: parts.length });
            // No part carries more than a chunk of tensor data, and every part carries the scalars.
            expect(tensorsIn(p).reduce((a, t) => a + (t.data?.byteLength ?? 0), 0)).toBeLessThanOrEqual(chunk);
            expect(p.classes).toBe(CLASSES);
          });
          const whole = assemble(parts, optimizer === 'adam' ? ADAM : SGD);
          expectSameState(whole, original, state, optimizer);
        });
      }
    }
  }

  it('cuts tensors into pieces that stay within their section, in order', () => {
    const original = message(trainerState({ support: true, optimizer: 'adam' }));
    const parts = taskStateParts(original, 1024);
    // Each section's pieces, concatenated over the parts, cover its tensors in order.
    const order = (pick: (p: TaskStateMessage) => TensorMessage[] | null | undefined) => parts.flatMap((p) => (pick(p) ?? []).map((t) => `${t.name}@${t.offset ?? 0}`));
    const sparse = order((p) => p.sparse);
    expect(sparse[0]).toBe('dense0/kernel@0');
    expect(sparse.filter((s) => s.startsWith('dense0/kernel')).length).toBe(Math.ceil((32 * 64) / 256));
    // A part may carry the end of one section and the start of the next; never a section out of order.
    const sectionOrder = parts.map((p) =>
      ['sparse', 'support', 'head', 'headOptimizer', 'sparseOptimizer'].filter((s) => {
        const t =
          s === 'headOptimizer' || s === 'sparseOptimizer' ? (p as Record<string, { slots?: TensorMessage[] } | undefined>)[s]?.slots : (p as Record<string, TensorMessage[] | undefined>)[s];
        return (t ?? []).length > 0;
      }),
    );
    const flat = sectionOrder.flat();
    const firstIndex = (s: string) => flat.indexOf(s);
    expect(firstIndex('sparse')).toBeLessThan(firstIndex('support'));
    expect(firstIndex('support')).toBeLessThan(firstIndex('head'));
    expect(firstIndex('head')).toBeLessThan(firstIndex('headOptimizer'));
    expect(firstIndex('headOptimizer')).toBeLessThan(firstIndex('sparseOptimizer'));
  });
});

describe('the assembler refuses a state that does not fit the layout', () => {
  const parts = () => wireParts(message(trainerState({ support: true, optimizer: 'adam' })), 1024);

  it('a missing part', () => {
    const p = parts();
    const err = refusal([p[0], p[1], p[3]]);
    expect(err.code).toBe(ErrorCode.MALFORMED);
    expect(err.message).toMatch(new RegExp(`^task state, sparse: part 3 of ${p.length} arrived, part 2 expected \\(a part is missing\\)`));
  });

  it('parts out of order', () => {
    const p = parts();
    // Part 2 right after part 0 (part 1 would have come after it).
    const swapped = refusal([p[0], p[2]]);
    expect(swapped.code).toBe(ErrorCode.MALFORMED);
    expect(swapped.message).toMatch(/^task state, sparse: part 2 of \d+ arrived, part 1 expected/);
    const first = refusal([p[1]]);
    expect(first.code).toBe(ErrorCode.MALFORMED);
    expect(first.message).toMatch(/^task state: part 1 arrived first \(part 0 is missing\)/);
  });

  it('a part that repeats', () => {
    const p = parts();
    const err = refusal([p[0], p[1], p[1]]);
    expect(err.message).toMatch(/part 1 of \d+ arrived, part 2 expected/);
  });

  it('a part count that changes', () => {
    const p = parts();
    const err = refusal([p[0], { ...p[1], parts: p.length + 1 }]);
    expect(err.code).toBe(ErrorCode.MALFORMED);
    expect(err.message).toMatch(new RegExp(`^task state, sparse: part 1 says ${p.length + 1} parts, part 0 said ${p.length}`));
  });

  it('a head tensor of the wrong shape', () => {
    const p = parts();
    const at = p.findIndex((x) => (x.head ?? []).length > 0);
    expect(at).toBeGreaterThan(0);
    const head = p[at].head!.map((t, i) => (i === 0 ? { ...t, shape: [32, CLASSES + 1] } : t));
    const err = refusal([...p.slice(0, at), { ...p[at], head }]);
    expect(err.code).toBe(ErrorCode.SHAPE);
    expect(err.message).toMatch(new RegExp(`^task state, head: part ${at}, tensor "head/kernel": shape \\[32, ${CLASSES + 1}\\], expected \\[32, ${CLASSES}\\]`));
  });

  it('a tensor of the wrong name in a section', () => {
    const p = parts();
    const sparse = p[0].sparse!.map((t, i) => (i === 0 ? { ...t, name: 'dense9/kernel' } : t));
    const err = refusal([{ ...p[0], sparse }]);
    expect(err.code).toBe(ErrorCode.SHAPE);
    expect(err.message).toMatch(/^task state, sparse: part 0: tensor 0 is "dense9\/kernel", expected "dense0\/kernel"/);
  });

  it('a tensor in the wrong section (a head tensor among the sparse optimizer slots)', () => {
    const p = parts();
    const at = p.findIndex((x) => (x.sparseOptimizer?.slots ?? []).length > 0);
    const head = message(trainerState({ support: true, optimizer: 'adam' })).head![1];
    const bad = { ...p[at], sparseOptimizer: { step: 17, slots: [head, ...p[at].sparseOptimizer!.slots!] } };
    const err = refusal([...p.slice(0, at), bad]);
    expect(err.code).toBe(ErrorCode.SHAPE);
    expect(err.message).toMatch(new RegExp(`^task state, sparseOptimizer: part ${at}: tensor \\d+ is "head/bias", expected "dense`));
  });

  it('a piece whose bytes do not match its entries', () => {
    const p = parts();
    const first = p[0].sparse![0];
    const err = refusal([{ ...p[0], sparse: [{ ...first, data: first.data!.subarray(0, first.data!.byteLength - 4) }, ...p[0].sparse!.slice(1)] }]);
    expect(err.code).toBe(ErrorCode.SHAPE);
    expect(err.message).toMatch(/tensor "dense0\/kernel": \d+ bytes for 256 entries/);
  });

  it('a missing section: no head optimizer slots', () => {
    const original = message(trainerState({ support: false, optimizer: 'adam' }));
    const noSlots = { ...original, headOptimizer: { step: 17, slots: [] } };
    // In one frame...
    const one = refusal(wireParts(noSlots, 4 << 20));
    expect(one.code).toBe(ErrorCode.SHAPE);
    expect(one.message).toMatch(/^task state, headOptimizer: the message ends after 0 of the 4 tensors: tensor "head\/kernel" is incomplete/);
    // ...and in parts: refused at the last one, with the other sections complete.
    const many = wireParts(noSlots, 1024);
    expect(many.length).toBeGreaterThan(5);
    const err = refusal(many);
    expect(err.message).toMatch(/^task state, headOptimizer: the message ends after 0 of the 4 tensors/);
  });

  it('a missing section: no optimizer slots of S_t', () => {
    const state = { ...trainerState({ support: false, optimizer: 'adam' }), sparseOptimizer: null };
    const err = refusal(wireParts(message(state), 1024));
    expect(err.code).toBe(ErrorCode.SHAPE);
    expect(err.message).toMatch(/^task state, sparseOptimizer: the message ends after 0 of the 12 tensors: tensor "dense0\/kernel" is incomplete/);
  });

  it('a section cut short: the head kernel without its bias', () => {
    const original = message(trainerState({ support: false, optimizer: 'adam' }));
    const err = refusal(wireParts({ ...original, head: original.head!.slice(0, 1) }, 4 << 20));
    expect(err.code).toBe(ErrorCode.SHAPE);
    expect(err.message).toMatch(/^task state, head: the message ends after 1 of the 2 tensors: tensor "head\/bias" is incomplete/);
  });

  it('slots of the wrong optimizer (SGD state for an Adam layout)', () => {
    const sgd = message(trainerState({ support: false, optimizer: 'sgd' }));
    const err = refusal(wireParts(sgd, 4 << 20), ADAM);
    expect(err.code).toBe(ErrorCode.SHAPE);
    expect(err.message).toMatch(/^task state, headOptimizer: the message ends after 2 of the 4 tensors/);
    const adam = message(trainerState({ support: false, optimizer: 'adam' }));
    const extra = refusal(wireParts(adam, 4 << 20), SGD);
    expect(extra.code).toBe(ErrorCode.SHAPE);
    expect(extra.message).toMatch(/^task state, headOptimizer: part 0, tensor "head\/kernel": more tensors than the model's 2/);
  });

  it('classes 0 (a state with no head)', () => {
    const p = parts();
    const err = refusal([{ ...p[0], classes: 0 }]);
    expect(err.code).toBe(ErrorCode.SHAPE);
    expect(err.message).toBe('task state: the state has no head (classes 0)');
    const absent = refusal([{ ...p[0], classes: null }]);
    expect(absent.message).toMatch(/no head \(classes 0\)/);
  });

  it('classes changing between parts', () => {
    const p = parts();
    const err = refusal([p[0], p[1], { ...p[2], classes: CLASSES - 1 }]);
    expect(err.code).toBe(ErrorCode.MALFORMED);
    expect(err.message).toBe(`task state: part 2 says ${CLASSES - 1} classes, part 0 said ${CLASSES}`);
  });

  it("a state of another class count is taken against that count's head", () => {
    // Not a refusal: the layout follows the classes the state names (a task of 3 classes).
    const state = trainerState({ support: true, optimizer: 'adam', classes: 3 });
    const original = message(state, 3);
    const whole = assemble(wireParts(original, 1024));
    expect(whole.head!.map((t) => t.shape)).toEqual([[32, 3], [3]]);
    // ...and a head of 5 classes in a state that says 3 is refused.
    const wrong = wireParts({ ...message(trainerState({ support: true, optimizer: 'adam' })), classes: 3 }, 1024);
    const err = refusal(wrong.slice(0, wrong.findIndex((x) => (x.head ?? []).length > 0) + 1));
    expect(err.code).toBe(ErrorCode.SHAPE);
    expect(err.message).toMatch(/^task state, head: part \d+, tensor "head\/kernel": shape \[32, 5\], expected \[32, 3\]/);
  });
});
