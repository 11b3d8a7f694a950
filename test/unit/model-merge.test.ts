// model/merge.ts: W from T models of one topology (element-wise mean, median with odd and even counts, an
// anchor model) and each task's sparse start S_t = the budget's largest |theta_t - W|, ties included.
// Pure functions on Float32Arrays, no tensor library.
import { describe, expect, it } from 'vitest';
import { mergeShared, sparseStart } from '../../model/merge.js';
import { Random } from '../../lib/random.js';

const f32 = (...v: number[]) => Float32Array.from(v);

/** T tasks of two tensors (3 and 2 entries), task t's values given per tensor. */
function tasks(...rows: [number[], number[]][]): Float32Array[][] {
  return rows.map(([a, b]) => [f32(...a), f32(...b)]);
}

function randomTasks(count: number, sizes: number[], seed: number): Float32Array[][] {
  return Array.from({ length: count }, (_, t) => sizes.map((n, l) => Random.stream(seed, `merge/${t}/${l}`).fillGaussian(new Float32Array(n), 1)));
}

describe('mergeShared', () => {
  it('mean: the element-wise mean of every tensor over the tasks', () => {
    const w = mergeShared(
      tasks(
        [
          [1, 2, 3],
          [0, -4],
        ],
        [
          [3, 2, -3],
          [2, 4],
        ],
        [
          [5, 5, 0],
          [1, 0.5],
        ],
      ),
      'mean',
    );
    expect(w.map((v) => Array.from(v))).toEqual(
      [
        [3, 3, 0],
        [1, 0.5 / 3],
      ].map((v) => Array.from(f32(...v))),
    );
  });

  it('mean of random tensors: within float32 rounding of the exact mean', () => {
    const ts = randomTasks(5, [40, 7], 3);
    const w = mergeShared(ts, 'mean');
    w.forEach((v, l) =>
      v.forEach((x, i) => {
        const exact = ts.reduce((a, t) => a + t[l][i], 0) / ts.length;
        expect(Math.abs(x - exact)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(exact)));
      }),
    );
  });

  it('median of an odd count: the middle value, whatever the order the tasks come in', () => {
    const ts = tasks(
      [
        [1, -2, 9],
        [0, 7],
      ],
      [
        [3, 5, -9],
        [0, 1],
      ],
      [
        [2, 8, 4],
        [6, -1],
      ],
    );
    const expected = [
      [2, 5, 4],
      [0, 1],
    ];
    expect(mergeShared(ts, 'median').map((v) => Array.from(v))).toEqual(expected);
    expect(mergeShared([ts[2], ts[0], ts[1]], 'median').map((v) => Array.from(v))).toEqual(expected);
  });

  it('median of an even count: the mean of the two middle values (numeric order, negatives too)', () => {
    const ts = tasks(
      [
        [1, -10, 100],
        [0, 3],
      ],
      [
        [4, -2, 2],
        [0, -3],
      ],
      [
        [2, -3, 10],
        [1, 5],
      ],
      [
        [8, 7, 20],
        [1, -5],
      ],
    );
    // Sorted as strings, 100 < 2 and -10 < -2: a lexicographic sort would give other middles.
    expect(mergeShared(ts, 'median').map((v) => Array.from(v))).toEqual([
      [3, -2.5, 15],
      [0.5, 0],
    ]);
  });

  it('median of two is their mean; of one, the tensor itself', () => {
    const ts = randomTasks(2, [9], 4);
    const w = mergeShared(ts, 'median');
    expect(Array.from(w[0])).toEqual(Array.from(ts[0][0], (v, i) => Math.fround((v + ts[1][0][i]) / 2)));
    expect(Array.from(mergeShared([ts[0]], 'median')[0])).toEqual(Array.from(ts[0][0]));
  });

  it('median against a sort-based reference on random tensors', () => {
    for (const count of [3, 4, 5, 6]) {
      const ts = randomTasks(count, [31, 5], count);
      const w = mergeShared(ts, 'median');
      w.forEach((v, l) =>
        v.forEach((x, i) => {
          const col = ts.map((t) => t[l][i]).sort((a, b) => a - b);
          const m = count % 2 ? col[(count - 1) / 2] : (col[count / 2 - 1] + col[count / 2]) / 2;
          expect(x).toBe(Math.fround(m));
        }),
      );
    }
  });

  it('anchor: a copy of that task’s tensors', () => {
    const ts = randomTasks(3, [6, 2], 5);
    const w = mergeShared(ts, { anchor: 1 });
    expect(w.map((v) => Array.from(v))).toEqual(ts[1].map((v) => Array.from(v)));
    w[0][0] = 1234;
    expect(ts[1][0][0]).not.toBe(1234);
    expect(() => mergeShared(ts, { anchor: 3 })).toThrow(/anchor 3 is not a task index \(there are 3 tasks\)/);
  });

  it('refuses no tasks; never changes its inputs', () => {
    expect(() => mergeShared([], 'mean')).toThrow(/no tasks/);
    const ts = randomTasks(4, [8], 6);
    const before = ts.map((t) => t.map((v) => v.slice()));
    mergeShared(ts, 'mean');
    mergeShared(ts, 'median');
    expect(ts).toEqual(before);
  });
});

describe('sparseStart', () => {
  it('keeps theta - W on exactly the budget’s largest |differences|, over all tensors together', () => {
    const theta = [f32(1, 2, 3, 4), f32(10, 0)];
    const w = [f32(1.5, 2, 0, 4.25), f32(9, 0.125)];
    // differences: [-0.5, 0, 3, -0.25], [1, -0.125]
    const { sparse, support } = sparseStart(theta, w, 3);
    expect(sparse.map((v) => Array.from(v))).toEqual([
      [-0.5, 0, 3, 0],
      [1, 0],
    ]);
    expect(support.map((m) => Array.from(m))).toEqual([
      [1, 0, 1, 0],
      [1, 0],
    ]);
  });

  it('budget 0: no entry; a budget past the non-zero differences keeps only those', () => {
    const theta = [f32(1, 2, 3)];
    const w = [f32(1, 0, 3)];
    expect(Array.from(sparseStart(theta, w, 0).sparse[0])).toEqual([0, 0, 0]);
    const { sparse, support } = sparseStart(theta, w, 2);
    expect(Array.from(sparse[0])).toEqual([0, 2, 0]);
    expect(Array.from(support[0])).toEqual([0, 1, 0]);
  });

  it('ties at the threshold: exactly the budget, the earliest entries (tensor order, then index) first', () => {
    const theta = [f32(1, -1, 1), f32(-1, 1, 0.5)];
    const w = [new Float32Array(3), new Float32Array(3)];
    const { sparse, support } = sparseStart(theta, w, 4);
    expect(support.map((m) => Array.from(m))).toEqual([
      [1, 1, 1],
      [1, 0, 0],
    ]);
    expect(sparse.map((v) => Array.from(v))).toEqual([
      [1, -1, 1],
      [-1, 0, 0],
    ]);
    // One above the tie and the rest tied: the larger one is always kept.
    const t2 = [f32(0.5, 2, 0.5, 0.5)];
    expect(Array.from(sparseStart(t2, [new Float32Array(4)], 2).support[0])).toEqual([1, 1, 0, 0]);
  });

  it('random tensors: nnz = budget, values theta - W, and every kept |difference| >= every dropped one', () => {
    const [theta, w] = randomTasks(2, [50, 13, 7], 9);
    for (const budget of [1, 7, 35, 69]) {
      const { sparse, support } = sparseStart(theta, w, budget);
      let nnz = 0;
      let smallestKept = Infinity;
      let largestDropped = 0;
      sparse.forEach((v, l) =>
        v.forEach((x, i) => {
          const d = Math.fround(theta[l][i] - w[l][i]);
          expect(support[l][i] === 1).toBe(x !== 0);
          if (support[l][i]) {
            nnz++;
            expect(x).toBe(d);
            smallestKept = Math.min(smallestKept, Math.abs(d));
          } else largestDropped = Math.max(largestDropped, Math.abs(d));
        }),
      );
      expect(nnz).toBe(budget);
      expect(smallestKept).toBeGreaterThanOrEqual(largestDropped);
    }
  });

  it('W + S_t equals theta_t on the support and W off it', () => {
    const [theta, w] = randomTasks(2, [20], 11);
    const { sparse } = sparseStart(theta, w, 5);
    sparse[0].forEach((s, i) => {
      if (s === 0) expect(w[0][i] + s).toBe(w[0][i]);
      else expect(Math.abs(w[0][i] + s - theta[0][i])).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(theta[0][i])));
    });
  });
});
