// The loss-based weightings as the coordinator runs them (coordinator/aggregators/loss-methods.ts): the
// coefficient on g_t is lambda_t times the method's weight for the round, computed from the tasks' losses
// as the method modules define it, the state moving after each round; a state taken and restored goes on
// exactly as the original; a state of another method or task count is refused.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aggregatorFor, type Contribution } from '../../coordinator/aggregation.js';
import { DynamicWeightAverage } from '../../coordinator/aggregators/dwa.js';
import { Famo } from '../../coordinator/aggregators/famo.js';
import { UncertaintyWeights } from '../../coordinator/aggregators/uncertainty.js';
import { parseRunConfig } from '../../config/load.js';
import { CheckpointStore } from '../../coordinator/checkpoints.js';
import { RunCheckpoints, type CoordinatorCheckpoint } from '../../coordinator/run-checkpoints.js';
import { runContext } from '../../coordinator/run-context.js';
import { TaskStates } from '../../coordinator/task-states.js';
import { weightSlice } from '../../coordinator/weight-slice.js';
import { taskStateLayout } from '../../model/task-state-layout.js';

const TASKS = ['a', 'b', 'c'];
const LAMBDA = [1, 0.5, 2];
const gradient = [new Float32Array([1, 2])];

/** Round r's contributions: losses that fall at different rates per task. */
function round(r: number, tasks = TASKS): Contribution[] {
  return tasks.map((task) => {
    const t = TASKS.indexOf(task);
    return { task, weight: LAMBDA[t], gradient, loss: (t + 1) * Math.exp(-0.05 * (t + 1) * r) + 0.1 };
  });
}
const losses = (r: number) => round(r).map((c) => c.loss!);

describe('loss-based aggregation methods', () => {
  it('uncertainty: lambda_t exp(-s_t), s stepped after each round on its losses', () => {
    const agg = aggregatorFor({ method: 'uncertainty', lr: 0.3 }, 0, TASKS);
    const ref = new UncertaintyWeights(3);
    for (let r = 0; r < 6; r++) {
      const want = ref.coefficients().map((w, t) => w * LAMBDA[t]);
      agg.coefficients(round(r)).forEach((c, t) => expect(c).toBeCloseTo(want[t], 12));
      ref.update(losses(r), 0.3);
    }
    // The weights moved away from 1: the loss of task c is the largest, its weight the smallest.
    const last = agg.coefficients(round(6)).map((c, t) => c / LAMBDA[t]);
    expect(last[2]).toBeLessThan(last[0]);
  });

  it('dwa: weights from the last two epochs of `window` rounds, equal until two epochs ended', () => {
    const agg = aggregatorFor({ method: 'dwa', temperature: 2, window: 2 }, 0, TASKS);
    const ref = new DynamicWeightAverage(3, { temperature: 2, window: 2 });
    for (let r = 0; r < 8; r++) {
      const want = ref.coefficients().map((w, t) => w * LAMBDA[t]);
      const got = agg.coefficients(round(r));
      got.forEach((c, t) => expect(c).toBeCloseTo(want[t], 12));
      if (r < 4) expect(got).toEqual(LAMBDA);
      ref.observe(losses(r));
    }
  });

  it('famo: T c_t from the losses, the logits stepped with the losses before and after each step', () => {
    const agg = aggregatorFor({ method: 'famo', lr: 0.5, gamma: 0.001 }, 0, TASKS);
    const ref = new Famo(3, { lr: 0.5, gamma: 0.001 });
    for (let r = 0; r < 6; r++) {
      if (r > 0) ref.update(losses(r - 1), losses(r));
      const want = ref.coefficients(losses(r)).map((c, t) => 3 * c * LAMBDA[t]);
      agg.coefficients(round(r)).forEach((c, t) => expect(c).toBeCloseTo(want[t], 12));
    }
    expect(ref.state().logits.some((x) => Math.abs(x) > 1e-3)).toBe(true);
  });

  it('a round without a task counts it with its last loss; before every task reported, the plain sum', () => {
    const agg = aggregatorFor({ method: 'uncertainty', lr: 0.3 }, 0, TASKS);
    expect(agg.coefficients(round(0, ['a', 'b']))).toEqual([1, 0.5]);
    const ref = new UncertaintyWeights(3);
    agg.coefficients(round(1));
    ref.update(losses(1), 0.3);
    // Round 2 without b: b's loss of round 1 stands in for it in the step.
    const want = ref.coefficients();
    agg.coefficients(round(2, ['a', 'c'])).forEach((c, k) => expect(c).toBeCloseTo(want[[0, 2][k]] * LAMBDA[[0, 2][k]], 12));
    ref.update([losses(2)[0], losses(1)[1], losses(2)[2]], 0.3);
    agg.coefficients(round(3)).forEach((c, t) => expect(c).toBeCloseTo(ref.coefficients()[t] * LAMBDA[t], 12));
  });

  for (const config of [
    { method: 'uncertainty', lr: 0.3 },
    { method: 'dwa', temperature: 2, window: 2 },
    { method: 'famo', lr: 0.5, gamma: 0.001 },
  ] as const) {
    it(`${config.method}: a state taken mid-run and restored into a new aggregator goes on exactly as the original`, () => {
      const original = aggregatorFor(config, 0, TASKS);
      for (let r = 0; r < 5; r++) original.coefficients(round(r));
      // Through JSON: checkpoints hold plain numbers and arrays.
      const state = JSON.parse(JSON.stringify(original.state!())) as Record<string, unknown>;
      const resumed = aggregatorFor(config, 0, TASKS);
      resumed.restore!(state);
      for (let r = 5; r < 9; r++) expect(resumed.coefficients(round(r))).toEqual(original.coefficients(round(r)));
    });
  }

  it('refuses the state of another method or task count, changing nothing', () => {
    const dwa = aggregatorFor({ method: 'dwa', temperature: 2, window: 2 }, 0, TASKS);
    for (let r = 0; r < 3; r++) dwa.coefficients(round(r));
    const uncertainty = aggregatorFor({ method: 'uncertainty', lr: 0.3 }, 0, TASKS);
    expect(() => uncertainty.restore!(dwa.state!())).toThrow(/dwa's or does not fit 3 tasks/);
    const two = aggregatorFor({ method: 'dwa', temperature: 2, window: 2 }, 0, ['a', 'b']);
    expect(() => two.restore!(dwa.state!())).toThrow(/does not fit 2 tasks/);
    expect(two.coefficients(round(0, ['a', 'b']))).toEqual([1, 0.5]);
  });

  it('refuses a push without a finite loss, naming the task', () => {
    const agg = aggregatorFor({ method: 'famo', lr: 0.5, gamma: 0.001 }, 0, TASKS);
    expect(() => agg.coefficients([{ task: 'a', weight: 1, gradient }])).toThrow(/task "a" pushed no finite loss/);
  });

  it('the run config takes them in sync mode with their defaults, and refuses them in async mode', () => {
    const base = {
      model: { arch: 'mlp', hidden: [8] },
      tasks: [
        { name: 'a', dataset: { source: 'synthetic' } },
        { name: 'b', dataset: { source: 'synthetic' } },
      ],
    };
    expect(parseRunConfig({ ...base, aggregation: { method: 'dwa' } }, 't').aggregation).toEqual({ method: 'dwa', temperature: 2, window: 10 });
    expect(parseRunConfig({ ...base, aggregation: { method: 'uncertainty' } }, 't').aggregation).toEqual({ method: 'uncertainty', lr: 0.05 });
    expect(() => parseRunConfig({ ...base, aggregation: { method: 'famo' }, distributed: { mode: 'async' } }, 't')).toThrow(/famo moves its task weights once a round/);
  });
});

describe('a loss-based method across a checkpoint', () => {
  it("the coordinator's checkpoint holds the method's state, and a resumed W slice goes on from it", () => {
    const config = parseRunConfig(
      {
        model: { arch: 'mlp', hidden: [8] },
        tasks: TASKS.map((name, t) => ({ name, weight: LAMBDA[t], dataset: { source: 'synthetic', features: 4, classes: 2 } })),
        aggregation: { method: 'dwa', window: 2 },
      },
      't',
    );
    const run = runContext(config, { log: () => undefined });
    const aggregator = () => aggregatorFor(config.aggregation, config.seed, TASKS);
    const slice = weightSlice(run, aggregator());
    const grads = (r: number): Contribution[] => round(r).map((c) => ({ ...c, gradient: slice.shared.tensors.map((w) => w.map((_, j) => Math.sin(j + r))) }));
    for (let r = 0; r < 5; r++) slice.shared.applyRound(grads(r), 1, r);
    const store = new CheckpointStore<CoordinatorCheckpoint>({ dir: mkdtempSync(join(tmpdir(), 'hybrid-agg-ck-')), warn: () => undefined });
    const states = new TaskStates(run.spec, taskStateLayout(run.spec, config.train), config.tasks);
    expect(new RunCheckpoints(run, store).save(5, slice.shared, states, 0)).toBe(true);
    const ck = new RunCheckpoints(run, store).resume()!;
    expect(ck.aggregation?.method).toBe('dwa');
    const resumed = weightSlice(run, aggregator(), ck);
    expect(resumed.shared.aggregatorState()).toEqual(slice.shared.aggregatorState());
    for (let r = 5; r < 8; r++) expect(resumed.shared.applyRound(grads(r), 1, r)).toEqual(slice.shared.applyRound(grads(r), 1, r));
  });
});
