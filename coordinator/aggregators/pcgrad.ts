// PCGrad: Yu et al. 2020, "Gradient Surgery for Multi-Task Learning" (NeurIPS), arXiv:2001.06782.
//
// Each projected gradient g_i' stays a combination of the original g's, so it is kept as its coefficient
// row A_i (g_i' = sum_k A_ik g_k) and every inner product comes from the Gram matrix:
// g_i' . g_j = sum_k A_ik G_kj. Projections are against the ORIGINAL g_j, as in the paper's Algorithm 1
// and in LibMTL, not against g_j's own projected version; d is the sum of the projected gradients, so
// c_j = sum_i A_ij. The shuffle of the paper is the caller's `order`, seeded so that a run is repeatable
// and every shard of W applies the same projections.
import { Random } from '../../lib/random.js';
import { checkGram, type Gram } from './gram.js';

/**
 * PCGrad's coefficients c (d = sum_j c_j g_j) from the tasks' Gram matrix. `order(i)` is the order in
 * which task i is projected against the others: a permutation of every task but i (see seededOrders).
 * A task with a zero gradient is never projected against (it has no direction to conflict with).
 */
export function pcgradCoefficients(gram: Gram, order: (i: number) => number[]): number[] {
  const T = gram.length;
  checkGram(gram, T);
  const c = new Array<number>(T).fill(0);
  const row = new Array<number>(T);
  for (let i = 0; i < T; i++) {
    const others = order(i);
    checkOrder(others, i, T);
    row.fill(0);
    row[i] = 1;
    for (const j of others) {
      const normSq = gram[j][j];
      if (normSq === 0) continue;
      let dot = 0;
      for (let k = 0; k < T; k++) dot += row[k] * gram[k][j];
      // Strictly negative, as in the paper: orthogonal gradients do not conflict.
      if (dot < 0) row[j] -= dot / normSq;
    }
    for (let k = 0; k < T; k++) c[k] += row[k];
  }
  return c;
}

function checkOrder(others: readonly number[], i: number, T: number): void {
  const seen = new Array<boolean>(T).fill(false);
  for (const j of others) {
    if (!Number.isInteger(j) || j < 0 || j >= T) throw new Error(`PCGrad order for task ${i} names task ${j}, not one of 0..${T - 1}`);
    if (j === i) throw new Error(`PCGrad order for task ${i} includes task ${i} itself`);
    if (seen[j]) throw new Error(`PCGrad order for task ${i} names task ${j} twice`);
    seen[j] = true;
  }
  if (others.length !== T - 1) throw new Error(`PCGrad order for task ${i} names ${others.length} tasks, expected all ${T - 1} others`);
}

/**
 * For each task i, a random permutation of the other tasks, fixed by `seed` and `round` (the project's
 * seeded streams, lib/random.ts): the same (T, seed, round) gives the same orders on every process. All T permutations are drawn up front from one stream, so they do not
 * depend on the order in which order(i) is called.
 */
export function seededOrders(T: number, seed: number, round = 0): (i: number) => number[] {
  if (!Number.isInteger(T) || T < 1) throw new Error(`seededOrders: T must be a positive integer, got ${T}`);
  if (!Number.isSafeInteger(seed)) throw new Error(`seededOrders: seed must be a safe integer, got ${seed}`);
  const random = Random.stream(seed, `pcgrad order, round ${round}`);
  const next = (): number => random.uniform();
  const orders: number[][] = [];
  for (let i = 0; i < T; i++) {
    const others: number[] = [];
    for (let j = 0; j < T; j++) if (j !== i) others.push(j);
    // Fisher-Yates.
    for (let k = others.length - 1; k > 0; k--) {
      const r = Math.floor(next() * (k + 1));
      [others[k], others[r]] = [others[r], others[k]];
    }
    orders.push(others);
  }
  return (i: number) => {
    if (!Number.isInteger(i) || i < 0 || i >= T) throw new Error(`seededOrders: task ${i} is not one of 0..${T - 1}`);
    // A copy: a caller that reorders it must not change the next round's order.
    return orders[i].slice();
  };
}
