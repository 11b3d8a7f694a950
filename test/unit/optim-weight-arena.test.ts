// The round (weighted sum and optimizer step) must give W and the optimizer slots bit for bit as the
// JavaScript did before the fused path, in both weight arenas (optim/weight-arena.ts): the WebAssembly
// one (one SIMD pass) and the JavaScript one. The distributed run is checked against `hybrid train`, and
// earlier results must stay valid. The reference below is a copy of that JavaScript (aggregation and
// optimizer before the fused path), kept here on purpose.
import { describe, expect, it } from 'vitest';
import type { OptimizerConfig } from '../../config/schema.js';
import { weightedSum, type Aggregator, type Contribution } from '../../coordinator/aggregation.js';
import { GradientSlots } from '../../coordinator/gradient-slots.js';
import { SharedWeights } from '../../coordinator/shared-weights.js';
import { Optimizer } from '../../optim/optimizer.js';
import { createWeightArena } from '../../optim/weight-arena.js';

// ---- reference: the implementation before the fused path, verbatim in its arithmetic ----

function refAggregate(contributions: readonly Contribution[], out: Float32Array[]): void {
  for (let t = 0; t < out.length; t++) {
    const o = out[t];
    contributions.forEach((c, k) => {
      const g = c.gradient[t];
      const w = c.weight * (c.scale ?? 1);
      if (k === 0) for (let i = 0; i < o.length; i++) o[i] = w * g[i];
      else for (let i = 0; i < o.length; i++) o[i] += w * g[i];
    });
  }
}

class RefOptimizer {
  readonly slots: Float32Array[][];
  steps = 0;
  constructor(
    readonly config: OptimizerConfig,
    sizes: readonly number[],
  ) {
    this.slots = Array.from({ length: config.type === 'sgd' ? 1 : 2 }, () => sizes.map((n) => new Float32Array(n)));
  }
  step(params: readonly Float32Array[], grads: readonly Float32Array[], lrScale: number): void {
    const c = this.config;
    if (c.type === 'sgd') {
      const lr = c.lr * lrScale;
      const mu = c.momentum;
      params.forEach((p, t) => {
        const g = grads[t];
        const m = this.slots[0][t];
        for (let i = 0; i < p.length; i++) {
          const mi = Math.fround(mu * m[i] + g[i]);
          m[i] = mi;
          p[i] -= lr * mi;
        }
      });
      this.steps++;
      return;
    }
    const { beta1, beta2, epsilon } = c;
    this.steps++;
    const lr = (c.lr * lrScale * Math.sqrt(1 - beta2 ** this.steps)) / (1 - beta1 ** this.steps);
    params.forEach((p, t) => {
      const g = grads[t];
      const m = this.slots[0][t];
      const v = this.slots[1][t];
      const c1 = 1 - beta1;
      const c2 = 1 - beta2;
      for (let i = 0; i < p.length; i++) {
        const gi = g[i];
        const mi = Math.fround(beta1 * m[i] + c1 * gi);
        const vi = Math.fround(beta2 * v[i] + c2 * gi * gi);
        m[i] = mi;
        v[i] = vi;
        p[i] -= (lr * mi) / (Math.sqrt(vi) + epsilon);
      }
    });
  }
}

class RefShared {
  private readonly combined: Float32Array[];
  constructor(
    readonly tensors: Float32Array[],
    readonly optimizer: RefOptimizer,
  ) {
    this.combined = tensors.map((t) => new Float32Array(t.length));
  }
  applyRound(contributions: readonly Contribution[], lrScale: number): void {
    refAggregate(contributions, this.combined);
    this.optimizer.step(this.tensors, this.combined, lrScale);
  }
}

// ---- data ----

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let x = Math.imul(s ^ (s >>> 15), 1 | s);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Mostly gradient-sized values, with zeros, -0, subnormals, tiny, huge and non-finite entries mixed in. */
function values(n: number, seed: number, special = true): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(n);
  const odd = [0, -0, 1e-45, -3e-39, 1e-30, 1e30, -3e38, 1, -1, 65504, Infinity, -Infinity, NaN];
  for (let i = 0; i < n; i++) {
    const u = r();
    if (special && u < 0.08) out[i] = odd[Math.floor(r() * odd.length)];
    else if (u < 0.2) out[i] = (r() - 0.5) * 10 ** Math.floor(r() * 16 - 12);
    else out[i] = (r() - 0.5) * 0.02;
  }
  return out;
}

/** Tensor sizes around the kernels' stride (4) and staging block (16384), and an empty one. */
const SIZES = [1, 3, 0, 4, 5, 16384, 40003, 7];

function contributions(round: number, tasks: number, special: boolean): Contribution[] {
  const weights = [1, 0.5, 0.3333333333333333, 2.5, 1e-3];
  const scales = [undefined, 0.5, 1 / 3, undefined, 0.25];
  return Array.from({ length: tasks }, (_, k) => ({
    task: `task${k}`,
    weight: weights[k],
    scale: round % 2 === 0 ? scales[k] : undefined,
    gradient: SIZES.map((n, t) => values(n, 1000 * round + 100 * k + t, special)),
  }));
}

function expectIdentical(actual: readonly Float32Array[], expected: readonly Float32Array[], what: string): void {
  expect(actual.length, what).toBe(expected.length);
  actual.forEach((a, t) => {
    expect(a.length, `${what} tensor ${t}`).toBe(expected[t].length);
    for (let i = 0; i < a.length; i++) {
      if (!Object.is(a[i], expected[t][i])) {
        // Only NaN may differ in its bits (both are NaN, which Object.is treats as equal).
        throw new Error(`${what}: tensor ${t} entry ${i} is ${a[i]}, expected ${expected[t][i]}`);
      }
    }
  });
}

const CONFIGS: OptimizerConfig[] = [
  { type: 'adam', lr: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
  { type: 'adam', lr: 0.05, beta1: 0.5, beta2: 0.9, epsilon: 1e-3 },
  { type: 'sgd', lr: 0.01, momentum: 0.9 },
  { type: 'sgd', lr: 0.3, momentum: 0 },
];

describe('fused round (weighted sum + optimizer step) against the JavaScript reference', () => {
  it('puts W next to the slots in one wasm memory', () => {
    expect(createWeightArena([5, 3], { slots: 2 }).kind).toBe('wasm');
    const init = [values(5, 1, false), values(3, 2, false)];
    const shared = new SharedWeights(init, CONFIGS[0], weightedSum);
    expect(shared.tensors[0]).not.toBe(init[0]);
    expect(shared.tensors[0].buffer).toBe(shared.tensors[1].buffer);
    expectIdentical(shared.tensors, init, 'W in the arena');
  });

  for (const config of CONFIGS) {
    for (const tasks of [1, 2, 3, 5]) {
      for (const special of [false, true]) {
        it(`${config.type} (lr ${config.lr}), ${tasks} task(s)${special ? ', with zeros, subnormals, huge and non-finite values' : ''}: W and slots identical every round`, () => {
          const init = SIZES.map((n, t) => values(n, 7 + t, special));
          const ref = new RefShared(
            init.map((x) => x.slice()),
            new RefOptimizer(config, SIZES),
          );
          const fused = new SharedWeights(
            init.map((x) => x.slice()),
            config,
            weightedSum,
          );
          // The same round in the JavaScript arena.
          const js = new SharedWeights(
            init.map((x) => x.slice()),
            config,
            weightedSum,
            { arena: 'js' },
          );
          // Every other task's gradient decoded into the arena's push buffers, read there in place.
          const inPlace = new SharedWeights(
            init.map((x) => x.slice()),
            config,
            weightedSum,
            { pushBuffers: tasks },
          );
          for (let round = 0; round < 4; round++) {
            const cs = contributions(round, tasks, special);
            const lrScale = [1, 0.75, 0.3, 1e-3][round];
            ref.applyRound(cs, lrScale);
            expect(fused.applyRound(cs, lrScale)).toEqual(weightedSum.coefficients(cs));
            js.applyRound(cs, lrScale);
            const buffers = inPlace.pushBuffers;
            inPlace.applyRound(
              cs.map((c, k) => (k % 2 === 1 ? c : { ...c, gradient: c.gradient.map((g, t) => (buffers[k][t].set(g), buffers[k][t])) })),
              lrScale,
            );
            expectIdentical(fused.tensors, ref.tensors, `round ${round} W`);
            expectIdentical(inPlace.tensors, ref.tensors, `round ${round} W (push buffers in place)`);
            expectIdentical(js.tensors, ref.tensors, `round ${round} W (JavaScript arena)`);
            const state = fused.optimizerState();
            expect(state.step).toBe(ref.optimizer.steps);
            state.slots.forEach((slot, s) => expectIdentical(slot, ref.optimizer.slots[s], `round ${round} slot ${s}`));
            js.optimizerState().slots.forEach((slot, s) => expectIdentical(slot, ref.optimizer.slots[s], `round ${round} slot ${s} (JavaScript arena)`));
          }
        });
      }
    }
  }

  it('gives the same W as the unfused path on ordinary data over many rounds', () => {
    const config = CONFIGS[0];
    const sizes = [50000, 9];
    const init = sizes.map((n, t) => values(n, 70 + t, false));
    const ref = new RefShared(
      init.map((x) => x.slice()),
      new RefOptimizer(config, sizes),
    );
    const fused = new SharedWeights(
      init.map((x) => x.slice()),
      config,
      weightedSum,
    );
    for (let round = 0; round < 30; round++) {
      const cs = [0, 1, 2].map((k) => ({
        task: `t${k}`,
        weight: 1 / (k + 1),
        scale: k === 2 ? 1 / (1 + (round % 3)) : undefined,
        gradient: sizes.map((n, t) => values(n, 5000 + 10 * round + 3 * k + t, false)),
      }));
      ref.applyRound(cs, 1 - round / 30);
      fused.applyRound(cs, 1 - round / 30);
    }
    expectIdentical(fused.tensors, ref.tensors, 'W after 30 rounds');
    expect(fused.tensors[0].some((x, i) => x !== init[0][i])).toBe(true);
  });
});

describe('fused round: state, restore, errors and other aggregators', () => {
  it("state() returns copies; restore() writes into the arena's slots and continues identically", () => {
    const config = CONFIGS[0];
    const a = new SharedWeights(
      SIZES.map((n, t) => values(n, 30 + t, false)),
      config,
      weightedSum,
    );
    a.applyRound(contributions(0, 3, false), 1);
    const saved = a.optimizerState();
    const savedW = a.tensors.map((t) => t.slice());
    saved.slots[0][6][0] = 12345;
    expect(a.optimizerState().slots[0][6][0]).not.toBe(12345);
    saved.slots[0][6][0] = a.optimizerState().slots[0][6][0];

    const b = new SharedWeights(
      SIZES.map((n) => new Float32Array(n)),
      config,
      weightedSum,
    );
    const home = b.tensors;
    b.restore(savedW, saved);
    expect(b.tensors).toBe(home);
    expect(b.optimizerState().step).toBe(1);
    for (let round = 1; round < 3; round++) {
      a.applyRound(contributions(round, 3, false), 0.5);
      b.applyRound(contributions(round, 3, false), 0.5);
    }
    expectIdentical(b.tensors, a.tensors, 'W after restore');
    a.optimizerState().slots.forEach((slot, s) => expectIdentical(b.optimizerState().slots[s], slot, `slot ${s} after restore`));
  });

  it('restore() refuses state of the wrong type or shape, naming what differs', () => {
    const opt = new Optimizer(CONFIGS[0], [3, 2]);
    expect(() => opt.restore({ type: 'sgd', step: 1, slots: [[new Float32Array(3), new Float32Array(2)]] })).toThrow(/cannot restore sgd state into adam/);
    expect(() => opt.restore({ type: 'adam', step: 1, slots: [[new Float32Array(3), new Float32Array(2)]] })).toThrow(/1 slots, expected 2/);
    expect(() =>
      opt.restore({
        type: 'adam',
        step: 1,
        slots: [
          [new Float32Array(3), new Float32Array(2)],
          [new Float32Array(3), new Float32Array(4)],
        ],
      }),
    ).toThrow(/slot 1 tensor 1 has 4 entries, expected 2/);
  });

  it('refuses a contribution of the wrong shape before touching W, naming the task', () => {
    const shared = new SharedWeights([new Float32Array([1, 2, 3])], CONFIGS[0], weightedSum);
    const before = shared.tensors[0].slice();
    const good = { task: 'a', weight: 1, gradient: [new Float32Array([1, 1, 1])] };
    expect(() => shared.applyRound([good, { task: 'b', weight: 1, gradient: [new Float32Array(2)] }], 1)).toThrow(/task b tensor 0 has 2 entries, expected 3/);
    expect(() => shared.applyRound([good, { task: 'c', weight: 1, gradient: [] }], 1)).toThrow(/task c sent 0 tensors, expected 1/);
    expect(Array.from(shared.tensors[0])).toEqual(Array.from(before));
    expect(shared.optimizerState().step).toBe(0);
  });

  it('makes a WebAssembly arena where it can, a JavaScript one on request, zeroed and laid out as asked', () => {
    for (const kind of ['auto', 'js'] as const) {
      const arena = createWeightArena([3, 0, 5], { slots: 2, pushBuffers: 3, second: true, kind });
      expect(arena.kind).toBe(kind === 'auto' ? 'wasm' : 'js');
      expect(arena.params.map((p) => p.length)).toEqual([3, 0, 5]);
      expect(arena.slots.map((slot) => slot.map((x) => x.length))).toEqual([
        [3, 0, 5],
        [3, 0, 5],
      ]);
      expect(arena.pushBuffers.map((b) => b.map((x) => x.length))).toEqual([
        [3, 0, 5],
        [3, 0, 5],
        [3, 0, 5],
      ]);
      expect(arena.second?.map((x) => x.length)).toEqual([3, 0, 5]);
      for (const x of [...arena.params, ...arena.slots.flat(), ...arena.pushBuffers.flat(), ...arena.second!]) expect(x.every((v) => v === 0)).toBe(true);
    }
    expect(createWeightArena([4], { slots: 1 }).second).toBeNull();
  });

  it('with a mirror, every step leaves W minus the mirror in the delta, the same bits in both arenas', () => {
    const arenas = (['auto', 'js'] as const).map(
      (arena) =>
        new SharedWeights(
          SIZES.map((n, t) => values(n, 70 + t, false)),
          CONFIGS[0],
          weightedSum,
          { mirror: true, arena },
        ),
    );
    expect(arenas.map((a) => a.mirror?.tensors.map((m) => m.length))).toEqual([SIZES, SIZES]);
    for (let round = 0; round < 3; round++) {
      for (const shared of arenas) {
        // The mirror lags W by whatever the downlink kept back: here, a different fraction each round.
        shared.mirror!.tensors.forEach((m, t) => m.set(shared.tensors[t].map((w, i) => (i % (round + 2) === 0 ? w : w * 0.75))));
        shared.applyRound(contributions(round, 2, false), 1);
      }
      const [wasm, js] = arenas;
      expectIdentical(wasm.tensors, js.tensors, `W, round ${round}`);
      expectIdentical(wasm.mirror!.delta, js.mirror!.delta, `delta, round ${round}`);
      const expected = wasm.tensors.map((w, t) => w.map((x, i) => x - wasm.mirror!.tensors[t][i]));
      expectIdentical(wasm.mirror!.delta, expected, `delta against W - mirror, round ${round}`);
    }
    expect(new SharedWeights([values(4, 1, false)], CONFIGS[0], weightedSum).mirror).toBeNull();
  });

  it('terms with supports (TOPK pushes) step W as their dense gradients do, in both arenas, blocks and odd sizes included', () => {
    const r = rng(5);
    const sparseContributions = (round: number): Contribution[] =>
      [1, 0.5, 0.25].map((weight, k) => {
        const gradient = SIZES.map((n) => Float32Array.from({ length: n }, () => (r() < 0.03 ? (r() - 0.5) * 0.1 : 0)));
        // Two pieces per tensor, as a stream cut at a chunk boundary sends them.
        const support = gradient.flatMap((g, tensor) => {
          const cut = Math.floor(g.length / 3);
          const at = (from: number, to: number) => Uint32Array.from([...Array(to - from).keys()].map((i) => i + from).filter((i) => g[i] !== 0));
          return [
            { tensor, indices: at(0, cut) },
            { tensor, indices: at(cut, g.length) },
          ];
        });
        return { task: `t${k}`, weight, gradient, support, scale: round === 1 ? 0.5 : undefined };
      });
    for (const config of [CONFIGS[0], CONFIGS[2]]) {
      const make = (arena: 'auto' | 'js') =>
        new SharedWeights(
          SIZES.map((n, t) => values(n, 90 + t, false)),
          config,
          weightedSum,
          { arena },
        );
      const [sparseWasm, sparseJs, dense] = [make('auto'), make('js'), make('js')];
      for (let round = 0; round < 4; round++) {
        const cs = sparseContributions(round);
        sparseWasm.applyRound(cs, 1);
        sparseJs.applyRound(cs, 1);
        dense.applyRound(
          cs.map((c) => ({ ...c, support: undefined })),
          1,
        );
        expectIdentical(sparseWasm.tensors, dense.tensors, `${config.type} W (wasm, sparse), round ${round}`);
        expectIdentical(sparseJs.tensors, dense.tensors, `${config.type} W (js, sparse), round ${round}`);
        expectIdentical(sparseWasm.optimizerState().slots.flat(), dense.optimizerState().slots.flat(), `${config.type} slots, round ${round}`);
      }
    }
  });

  it('dot products: the same bits in both arenas, for operands in the arena and staged from JavaScript', () => {
    const wasm = createWeightArena(SIZES, { slots: 1, pushBuffers: 2 });
    const js = createWeightArena(SIZES, { slots: 1, pushBuffers: 2, kind: 'js' });
    expect(wasm.kind).toBe('wasm');
    SIZES.forEach((n, t) => {
      const a = values(n, 300 + t, false);
      const b = values(n, 400 + t, false);
      wasm.pushBuffers[0][t].set(a);
      wasm.pushBuffers[1][t].set(b);
      const inArena = wasm.dot(wasm.pushBuffers[0][t], wasm.pushBuffers[1][t]);
      const staged = wasm.dot(a, b);
      const reference = js.dot(a, b);
      expect(Object.is(inArena, reference), `tensor ${t} (${n} entries): ${inArena} vs ${reference}`).toBe(true);
      expect(Object.is(staged, reference), `tensor ${t} staged`).toBe(true);
      // And it is the dot product, to float32 products' precision.
      let exact = 0;
      for (let i = 0; i < n; i++) exact += a[i] * b[i];
      expect(Math.abs(reference - exact)).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(exact)));
    });
    expect(() => js.dot(new Float32Array(3), new Float32Array(4))).toThrow(/dot: 3 entries against 4/);
  });

  it("a Gram matrix is every pair's dot product, bit for bit, in both arenas and whether operands lie in the arena or not", () => {
    const n = 40003;
    const wasm = createWeightArena([n], { slots: 1, pushBuffers: 3 });
    const js = createWeightArena([n], { slots: 1, kind: 'js' });
    const vectors = [0, 1, 2].map((k) => values(n, 500 + k, false));
    vectors.forEach((v, k) => wasm.pushBuffers[k][0].set(v));
    const inArena = wasm.gram(wasm.pushBuffers.map((b) => b[0]));
    for (const gram of [inArena, wasm.gram(vectors), js.gram(vectors)]) {
      for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) expect(Object.is(gram[i][j], js.dot(vectors[i], vectors[j])), `[${i}][${j}]`).toBe(true);
    }
    expect(js.gram([])).toEqual([]);
  });

  it("another aggregator's coefficients drive the same step", () => {
    const firstOnly: Aggregator = { name: 'first-only', coefficients: (cs) => cs.map((_, k) => (k === 0 ? 1 : 0)) };
    const init = [values(9, 3, false)];
    const shared = new SharedWeights(init, CONFIGS[2], firstOnly);
    const ref = new RefOptimizer(CONFIGS[2], [9]);
    const expected = [values(9, 3, false)];
    const cs = [
      { task: 'a', weight: 1, gradient: [values(9, 4, false)] },
      { task: 'b', weight: 2, gradient: [values(9, 5, false)] },
    ];
    shared.applyRound(cs, 1);
    ref.step(expected, [cs[0].gradient[0]], 1);
    expectIdentical(shared.tensors, expected, 'W with another aggregator');
  });
});

describe('push buffers next to W', () => {
  it('tells finite from non-finite values in SIMD, wherever in a vector or the tail the bad one sits', () => {
    const heap = createWeightArena([1000], { slots: 2, pushBuffers: 1 });
    expect(heap.kind).toBe('wasm');
    const buffer = heap.pushBuffers[0][0];
    const special = [0, -0, 1e-45, -1e-45, 3.4028234663852886e38, -3.4028234663852886e38, 1e-30, 65504];
    for (const n of [0, 1, 7, 8, 9, 31, 32, 33, 1000]) {
      for (const from of [0, 1, 5]) {
        if (from > n) continue;
        const view = buffer.subarray(from, n);
        view.forEach((_, i) => (view[i] = special[i % special.length] * (i % 3 === 0 ? -1 : 1)));
        expect(heap.allFinite(view), `n ${n} from ${from}`).toBe(true);
        for (const bad of [NaN, Infinity, -Infinity]) {
          for (const at of new Set([0, 3, 4, 7, 8, view.length - 1].filter((i) => i >= 0 && i < view.length))) {
            const keep = view[at];
            view[at] = bad;
            expect(heap.allFinite(view), `n ${n} from ${from}: ${bad} at ${at}`).toBe(false);
            view[at] = keep;
          }
        }
      }
    }
    // Arrays outside the heap get the JavaScript answer.
    expect(heap.allFinite(Float32Array.from([1, 2, 3]))).toBe(true);
    expect(heap.allFinite(Float32Array.from([1, NaN, 3]))).toBe(false);
  });

  it('the coordinator hands out the push buffers first and always takes them back', () => {
    const heap = createWeightArena([3, 2], { slots: 2, pushBuffers: 2 });
    const slots = new GradientSlots([3, 2], 0, heap.pushBuffers);
    const a = slots.acquire().slot;
    const b = slots.acquire().slot;
    expect(new Set([a, b])).toEqual(new Set(heap.pushBuffers));
    const c = slots.acquire().slot;
    expect(heap.pushBuffers).not.toContain(c);
    expect(c.map((x) => x.length)).toEqual([3, 2]);
    slots.release(c);
    slots.release(a);
    slots.release(b);
    // keep = 0 drops the plain slot; both push buffers come back, before any new array.
    expect(new Set([slots.acquire().slot, slots.acquire().slot])).toEqual(new Set(heap.pushBuffers));
    expect(heap.pushBuffers).not.toContain(slots.acquire().slot);
  });

  it('a slot given back with its support is zeroed there alone and handed out as zeroed; without one it is not', () => {
    const slots = new GradientSlots([6, 3], 2);
    const first = slots.acquire();
    // A new slot is all zeros.
    expect(first.zeroed).toBe(true);
    first.slot[0].set([0, 5, 0, 0, 7, 0]);
    first.slot[1].set([0, 0, 9]);
    slots.release(first.slot, [
      { tensor: 0, indices: Uint32Array.from([1, 4]) },
      { tensor: 1, indices: Uint32Array.from([2]) },
    ]);
    const again = slots.acquire();
    expect(again.slot).toBe(first.slot);
    expect(again.zeroed).toBe(true);
    expect(again.slot.map((t) => Array.from(t))).toEqual([
      [0, 0, 0, 0, 0, 0],
      [0, 0, 0],
    ]);
    // A dense push leaves values anywhere: given back without a support, the slot is not zeroed.
    again.slot[0].fill(3);
    slots.release(again.slot);
    const dense = slots.acquire();
    expect(dense.slot).toBe(first.slot);
    expect(dense.zeroed).toBe(false);
    expect(dense.slot[0][0]).toBe(3);
    // The arena's push buffers start zeroed.
    const heap = createWeightArena([4], { slots: 1, pushBuffers: 1 });
    expect(new GradientSlots([4], 0, heap.pushBuffers).acquire().zeroed).toBe(true);
  });
});
