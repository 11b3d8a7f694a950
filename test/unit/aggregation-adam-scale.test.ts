// Adam after a combined gradient (README, "aggregation"): the coordinator applies each method's
// coefficients as the method gives them, without normalising the combined gradient. Two facts decide
// that, both tested here on the coordinator's own optimizer path (SharedWeights.applyRound):
// - a scale that is the same every round (FAMO's coefficients summing to 1 rather than T, CAGrad's
//   rescale options, lambda_t all doubled) leaves Adam's steps unchanged, up to epsilon: normalising it
//   away would change nothing;
// - a scale that changes from round to round passes into the step only in part: the first moment
//   follows it within about 1 / (1 - beta1) rounds, the second moment within 1 / (1 - beta2), so a round
//   at a times the recent scale moves W by a factor between 1 and a (the closed form below). That is how
//   a method's shrinking output (MGDA's min-norm point near a Pareto-stationary W, uncertainty's exp(-s)
//   as losses fall) slows training, which is the method's intent; normalising per round would remove it.
import { describe, expect, it } from 'vitest';
import type { Aggregator, Contribution } from '../../coordinator/aggregation.js';
import { SharedWeights } from '../../coordinator/shared-weights.js';

const ADAM = { type: 'adam' as const, lr: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };
const N = 4096;

/** A method whose output is `scale(round)` times the plain sum. */
function scaled(scale: (round: number) => number): Aggregator {
  return { name: 'scaled', coefficients: (cs, round = 0) => cs.map((c) => c.weight * scale(round)) };
}

/** The tasks' gradients of round `round`; `steady`: the same every round. */
function gradients(round: number, steady = false): Contribution[] {
  const phase = steady ? 0 : 0.3 * round;
  return ['a', 'b'].map((task, t) => ({ task, weight: 1, gradient: [Float32Array.from({ length: N }, (_, j) => Math.sin(0.01 * j * (t + 1) + phase) + 0.5)] }));
}

function run(aggregator: Aggregator, rounds: number, onRound?: (round: number, before: Float32Array, after: Float32Array) => void, steady = false): Float32Array {
  const w = new SharedWeights([Float32Array.from({ length: N }, (_, j) => Math.cos(j))], ADAM, aggregator);
  for (let r = 0; r < rounds; r++) {
    const before = w.tensors[0].slice();
    w.applyRound(gradients(r, steady), 1, r);
    onRound?.(r, before, w.tensors[0]);
  }
  return w.tensors[0].slice();
}

function distance(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let j = 0; j < a.length; j++) s += (a[j] - b[j]) ** 2;
  return Math.sqrt(s);
}

describe('Adam after a combined gradient', () => {
  it('a constant scale of the combined gradient leaves the steps unchanged (to epsilon): no normalisation needed', () => {
    const plain = run(
      scaled(() => 1),
      40,
    );
    for (const k of [1 / 8, 3, 50]) {
      const other = run(
        scaled(() => k),
        40,
      );
      let worst = 0;
      for (let j = 0; j < N; j++) worst = Math.max(worst, Math.abs(other[j] - plain[j]));
      // Float32 rounding of the scaled sums, and epsilon: W moved about 0.4 per entry.
      expect(worst, `scale ${k}`).toBeLessThan(1e-4);
    }
    // And W moved: the agreement is not that of two untouched starts.
    expect(
      distance(
        plain,
        run(
          scaled(() => 1),
          0,
        ),
      ),
    ).toBeGreaterThan(0.1);
  });

  it('a round at 10x the recent scale moves W by the closed-form factor of Adam, between 1 and 10', () => {
    const jump = 60;
    const moved: number[] = [];
    const a = 10;
    run(
      scaled((r) => (r === jump ? a : 1)),
      jump + 1,
      (r, before, after) => (moved[r] = distance(before, after)),
      true,
    );
    // Per entry, a gradient g every round (k = jump rounds), then a g: with the bias corrections,
    // m-hat = g and v-hat = g^2 before the jump, and after it
    //   m-hat = (b1 (1 - b1^k) + (1 - b1) a) g / (1 - b1^(k+1)),  v-hat = (b2 (1 - b2^k) + (1 - b2) a^2) g^2 / (1 - b2^(k+1)),
    // so every entry's step, and the distance W moves, grows by m-hat / sqrt(v-hat) / 1.
    const { beta1: b1, beta2: b2 } = ADAM;
    const k = jump;
    const m = (b1 * (1 - b1 ** k) + (1 - b1) * a) / (1 - b1 ** (k + 1));
    const v = (b2 * (1 - b2 ** k) + (1 - b2) * a * a) / (1 - b2 ** (k + 1));
    const expected = m / Math.sqrt(v);
    const ratio = moved[jump] / moved[jump - 1];
    expect(ratio).toBeGreaterThan(1);
    expect(ratio).toBeLessThan(a);
    expect(Math.abs(ratio - expected) / expected).toBeLessThan(1e-3);
  });
});
