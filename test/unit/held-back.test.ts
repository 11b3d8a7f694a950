import { describe, expect, it } from 'vitest';
import { HeldBackRounds, holdsBack } from '../../coordinator/held-back.js';
import { SharedWeights } from '../../coordinator/shared-weights.js';
import { weightedSum, type Contribution } from '../../coordinator/aggregation.js';
import { syntheticRunConfig } from '../support/synthetic-run.js';

const adam = { type: 'adam' as const, lr: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };

/** The second-moment input of a round of pushes under the weighted sum. */
const input = (held: HeldBackRounds, cs: Contribution[], out: Float32Array[]): void => held.varianceInput(cs, weightedSum.coefficients(cs), out);

function push(task: string, values: number[], weight = 1): Contribution {
  return { task, weight, gradient: [Float32Array.from(values)] };
}

describe('second moment of held-back coordinates', () => {
  it("divides each sent value by the square root of the task's own pushes it was held back", () => {
    const held = new HeldBackRounds([3]);
    const out = [new Float32Array(3)];
    // a's push 0: a task's first push has held nothing back.
    input(held, [push('a', [1, 0, 2])], out);
    expect(Array.from(out[0])).toEqual([1, 0, 2]);
    // a's push 1 sends entry 1 for the first time (held back over 2 pushes); b is new (nothing held).
    input(held, [push('a', [0, 4, 0]), push('b', [3, 0, 0], 2)], out);
    expect(out[0][0]).toBeCloseTo(6, 6);
    expect(out[0][1]).toBeCloseTo(4 / Math.sqrt(2), 6);
    expect(out[0][2]).toBe(0);
    // Two rounds without entry 0, then a's push 4 (last sent it in push 0: 4 pushes) and b's push 3
    // (last in push 0: 3 pushes).
    input(held, [push('a', [0, 1, 0]), push('b', [0, 1, 0])], out);
    input(held, [push('a', [0, 1, 0]), push('b', [0, 1, 0])], out);
    input(held, [push('a', [8, 0, 0]), push('b', [9, 0, 0])], out);
    expect(out[0][0]).toBeCloseTo(8 / 2 + 9 / Math.sqrt(3), 5);
  });

  it("counts each task's own pushes (async rounds hold one push; the version moves on with every task)", () => {
    const held = new HeldBackRounds([1]);
    const out = [new Float32Array(1)];
    // Three tasks pushing in turn, each sending the entry every time: nothing is held back.
    for (let k = 0; k < 9; k++) {
      input(held, [push(['a', 'b', 'c'][k % 3], [2])], out);
      expect(out[0][0]).toBe(2);
    }
  });

  it('matches an entry-by-entry reference on sparse data with -0, subnormals, odd lengths and offsets', () => {
    const sizes = [1, 2, 7, 64, 1001];
    const rng = (seed: number) => () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const r = rng(3);
    const odd = [-0, 1e-45, -1e-45, 3e38, 1e-7];
    const value = (): number => (r() < 0.7 ? (r() < 0.5 ? 0 : -0) : r() < 0.3 ? odd[Math.floor(r() * odd.length)] : r() - 0.5);
    // Gradients that start 4 bytes into their buffer, so the scan cannot pair entries.
    const gradient = (shifted: boolean): Float32Array[] => sizes.map((n) => (shifted ? new Float32Array(n + 1).subarray(1) : new Float32Array(n)).map(() => value()));
    const held = new HeldBackRounds(sizes);
    const out = sizes.map((n) => new Float32Array(n));
    const last = new Map<string, number[][]>();
    const pushes = new Map<string, number>();
    for (let round = 0; round < 6; round++) {
      const cs = ['a', 'b'].map((task, k) => ({ task, weight: k + 0.5, gradient: gradient((round + k) % 2 === 1) }));
      input(held, cs, out);
      const expected = sizes.map((n) => new Float32Array(n));
      for (const c of cs) {
        const push = pushes.get(c.task) ?? 0;
        pushes.set(c.task, push + 1);
        if (!last.has(c.task))
          last.set(
            c.task,
            sizes.map((n) => new Array<number>(n).fill(-1)),
          );
        c.gradient.forEach((g, t) =>
          g.forEach((gi, i) => {
            if (gi === 0) return;
            expected[t][i] += (c.weight * gi) / Math.sqrt(push - last.get(c.task)![t][i]);
            last.get(c.task)![t][i] = push;
          }),
        );
      }
      out.forEach((o, t) => o.forEach((x, i) => expect(Object.is(x, expected[t][i]), `round ${round} tensor ${t} entry ${i}: ${x} vs ${expected[t][i]}`).toBe(true)));
    }
  });

  it('reads a sparse push at its support alone, bit for bit as the dense scan, across sparse and dense rounds', () => {
    const sizes = [37, 5000, 1];
    const rng = (seed: number) => () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const r = rng(11);
    // A TOPK-like push: ~3 % of entries, in two pieces per tensor (the support lists each piece's).
    const sparsePush = (task: string, weight: number): Contribution => {
      const gradient = sizes.map((n) => Float32Array.from({ length: n }, () => (r() < 0.03 ? r() - 0.5 : 0)));
      const support = gradient.flatMap((g, tensor) => {
        const cut = Math.floor(g.length / 2);
        const at = (from: number, to: number) => Uint32Array.from(Array.from(g.subarray(from, to).keys(), (i) => i + from).filter((i) => g[i] !== 0));
        return [
          { tensor, indices: at(0, cut) },
          { tensor, indices: at(cut, g.length) },
        ];
      });
      return { task, weight, gradient, support };
    };
    const dense = new HeldBackRounds(sizes);
    const sparse = new HeldBackRounds(sizes);
    const outDense = sizes.map((n) => new Float32Array(n));
    const outSparse = sizes.map((n) => new Float32Array(n));
    for (let round = 0; round < 12; round++) {
      const cs = [sparsePush('a', 1), sparsePush('b', 0.5)];
      // Rounds 4 and 9 carry a push without a support (a replica mean, say): the next round zeroes all.
      const withSupport = round === 4 || round === 9 ? [cs[0], { ...cs[1], support: undefined }] : cs;
      input(
        dense,
        cs.map((c) => ({ ...c, support: undefined })),
        outDense,
      );
      input(sparse, withSupport, outSparse);
      outSparse.forEach((o, t) => expect(Buffer.from(o.buffer).equals(Buffer.from(outDense[t].buffer)), `round ${round} tensor ${t}`).toBe(true));
    }
  });

  it('is the plain gradient when every coordinate is sent every round', () => {
    const held = new HeldBackRounds([4]);
    const out = [new Float32Array(4)];
    for (let round = 0; round < 5; round++) {
      const a = push('a', [1 + round, -2, 3, 0.5]);
      const b = push('b', [-1, 2 + round, 0.25, 7], 0.5);
      input(held, [a, b], out);
      // Every entry sent every round: the input is the weighted sum itself.
      for (let i = 0; i < 4; i++) expect(out[0][i]).toBeCloseTo(a.gradient[0][i] + 0.5 * b.gradient[0][i], 6);
    }
  });

  it('restarts the ages after reset', () => {
    const held = new HeldBackRounds([1]);
    const out = [new Float32Array(1)];
    input(held, [push('a', [1])], out);
    input(held, [push('a', [0])], out);
    held.reset();
    input(held, [push('a', [3])], out);
    expect(out[0][0]).toBe(3);
  });

  it('lets Adam move a coordinate sent every a rounds about as far as dense pushes move it', () => {
    // One worker, a constant gradient g; sparse: the coordinate goes out every 16 rounds as 16 g.
    const g = 0.5;
    const every = 16;
    const rounds = 800;
    const run = (sparse: boolean, heldBack: boolean): number => {
      const w = new SharedWeights([new Float32Array(1)], adam, weightedSum, { heldBack });
      for (let r = 0; r < rounds; r++) {
        const value = !sparse ? g : (r + 1) % every === 0 ? g * every : 0;
        w.applyRound([push('a', [value])], 1);
      }
      return -w.tensors[0][0];
    };
    const dense = run(false, false);
    const corrected = run(true, true);
    const uncorrected = run(true, false);
    expect(dense).toBeGreaterThan(0);
    // Uncorrected, the bursts inflate v by ~every and the coordinate moves ~sqrt(every) = 4 times less.
    expect(uncorrected / dense).toBeLessThan(0.35);
    expect(corrected / dense).toBeGreaterThan(0.85);
    expect(corrected / dense).toBeLessThan(1.15);
  });

  it('runs in the fused wasm step bit for bit as in the JavaScript one', () => {
    const sizes = [5, 16384 + 3, 0, 40003];
    const rng = (seed: number) => () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const r = rng(7);
    // Sparse pushes, as TOPK with error feedback sends them: ~2 % of entries, bursts of varied size.
    const sparse = (n: number): Float32Array => Float32Array.from({ length: n }, () => (r() < 0.02 ? (r() - 0.5) * 10 ** (r() * 4 - 3) : 0));
    const init = sizes.map((n) => Float32Array.from({ length: n }, () => r() - 0.5));
    // Same arithmetic in the JavaScript arena.
    const fused = new SharedWeights(
      init.map((x) => x.slice()),
      adam,
      weightedSum,
      { heldBack: true, pushBuffers: 2 },
    );
    const plain = new SharedWeights(
      init.map((x) => x.slice()),
      adam,
      weightedSum,
      { heldBack: true, arena: 'js' },
    );
    expect(fused.tensors[0].buffer).toBe(fused.pushBuffers[0][0].buffer);
    expect(fused.tensors[0].buffer).not.toBe(plain.tensors[0].buffer);
    expect(plain.pushBuffers).toEqual([]);
    for (let round = 0; round < 12; round++) {
      const cs = ['a', 'b', 'c'].map((task, k) => ({ task, weight: [1, 0.5, 2][k], gradient: sizes.map(sparse) }));
      fused.applyRound(cs, 1);
      plain.applyRound(cs, 1);
      fused.tensors.forEach((w, t) => {
        for (let i = 0; i < w.length; i++) if (!Object.is(w[i], plain.tensors[t][i])) throw new Error(`round ${round}: tensor ${t} entry ${i} is ${w[i]}, JavaScript ${plain.tensors[t][i]}`);
      });
    }
    const [fusedState, plainState] = [fused.optimizerState(), plain.optimizerState()];
    fusedState.slots.forEach((slot, s) => slot.forEach((x, t) => expect(Array.from(x)).toEqual(Array.from(plainState.slots[s][t]))));
  });

  it('is on for TOPK with error feedback only', () => {
    const uplink = (u: object) => syntheticRunConfig({ tasks: 1, steps: 10, distributed: { uplink: u } }, 'test').distributed.uplink;
    expect(holdsBack(uplink({ encoding: 'topk' }))).toBe(true);
    for (const encoding of ['f32', 'f16', 'bf16', 'int8']) expect(holdsBack(uplink({ encoding }))).toBe(false);
    expect(holdsBack(uplink({ encoding: 'topk', error_feedback: false }))).toBe(false);
    expect(holdsBack(uplink({ encoding: 'topk', variance_correction: false }))).toBe(false);
  });
});
