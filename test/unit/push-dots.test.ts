// A follower's PushArrived (coordinator/push-dots.ts): with a gradient method, the new push's dot
// products with itself and each push held before it equal the Gram matrix's entries over the same
// slices, sparse (TOPK) pushes read at their supports; without one, no dot products.
import { describe, expect, it } from 'vitest';
import { supportByTensor } from '../../coordinator/aggregation.js';
import { gramOf } from '../../coordinator/aggregators/gram.js';
import { pushArrived } from '../../coordinator/push-dots.js';
import type { CompletePush } from '../../coordinator/push-receiver.js';
import { Random } from '../../lib/random.js';

const SIZES = [300, 7, 64];

function push(task: string, seed: number, sparse: boolean): CompletePush {
  const random = Random.stream(seed, 'test/push-dots');
  const gradient = SIZES.map((n) => random.fillGaussian(new Float32Array(n)));
  if (!sparse) return { task, baseVersion: 4, gradient, loss: 1, samples: 32, evaluation: null };
  // Every third entry sent; the rest zero, as a decoded TOPK push holds them.
  const support = SIZES.map((n, tensor) => ({ tensor, indices: Uint32Array.from({ length: Math.ceil(n / 3) }, (_, i) => 3 * i) }));
  gradient.forEach((g) => g.forEach((_, x) => x % 3 !== 0 && (g[x] = 0)));
  return { task, baseVersion: 4, gradient, loss: 1, samples: 32, evaluation: null, support };
}

describe('pushArrived', () => {
  it("reports the new push's row of the Gram matrix: itself, then each push held before it", () => {
    const held = [push('a', 1, false), push('b', 2, true), push('c', 3, false)];
    const fresh = push('d', 4, true);
    const report = pushArrived(fresh, [...held, fresh], true);
    const all = [fresh, ...held];
    const gram = gramOf(
      all.map((p) => p.gradient),
      all.map((p) => p.support && supportByTensor(p.support, p.gradient.length)),
    );
    expect(report.task).toBe('d');
    expect(report.dots?.map((d) => [d.task, d.baseVersion])).toEqual(all.map((p) => [p.task, 4]));
    report.dots?.forEach((d, i) => expect(d.value, `d . ${d.task}`).toBeCloseTo(gram[0][i], 9));
    expect(gram[0][0]).toBeGreaterThan(0);
  });

  it('reports no dot products where the aggregation needs none', () => {
    expect(pushArrived(push('a', 1, false), [push('b', 2, false)], false)).toEqual({ task: 'a', baseVersion: 4 });
  });
});
