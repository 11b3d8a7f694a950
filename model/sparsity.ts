// The sparse part S_t of the hybrid model, as pure functions on Float32Arrays: the density schedule
// (dense warm-up, gradual magnitude pruning on the cubic schedule, fine-tuning) and the exact top-k
// projection that keeps one budget per task over all its shared tensors together.
import type { SparsityConfig } from '../config/schema.js';

export type SparsePhase = 'warmup' | 'pruning' | 'finetune';

export interface ScheduleBounds {
  /** First pruning step (end of the dense warm-up). */
  start: number;
  /** Step at which the density reaches rho. */
  end: number;
}

export function scheduleBounds(totalSteps: number, cfg: Pick<SparsityConfig, 'warmup' | 'prune_end'>): ScheduleBounds {
  const start = Math.round(cfg.warmup * totalSteps);
  const end = Math.max(start, Math.round(cfg.prune_end * totalSteps));
  return { start, end };
}

export function phaseAt(step: number, bounds: ScheduleBounds): SparsePhase {
  if (step < bounds.start) return 'warmup';
  if (step < bounds.end) return 'pruning';
  return 'finetune';
}

/** d(s) = rho + (1 - rho) (1 - (s - s0)/(s1 - s0))^3 between s0 and s1; 1 before, rho after. */
export function densityAt(step: number, rho: number, bounds: ScheduleBounds): number {
  if (step < bounds.start) return 1;
  if (step >= bounds.end) return rho;
  const progress = (step - bounds.start) / (bounds.end - bounds.start);
  return rho + (1 - rho) * (1 - progress) ** 3;
}

/** The number of non-zeros a task may keep: nnz(S_t) <= rho * |W|. */
export function sparseBudget(sharedSize: number, rho: number): number {
  return Math.floor(rho * sharedSize + 1e-9);
}

/** Whether pruning runs at this step: every `every` steps inside the schedule, and exactly at its end. */
export function isPruneStep(step: number, bounds: ScheduleBounds, every: number): boolean {
  if (step === bounds.end) return true;
  return step >= bounds.start && step < bounds.end && (step - bounds.start) % every === 0;
}

/** k-th largest value (1-based) of `values`; reorders `values` (pass a copy). Hoare quickselect. */
function kthLargest(values: Float32Array, k: number): number {
  let lo = 0;
  let hi = values.length - 1;
  const target = k - 1;
  while (lo < hi) {
    const pivot = values[(lo + hi) >>> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i] > pivot) i++;
      while (values[j] < pivot) j--;
      if (i <= j) {
        const t = values[i];
        values[i] = values[j];
        values[j] = t;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return values[target];
  }
  return values[target];
}

/**
 * Masks keeping exactly min(k, count of non-zero scores) entries with the largest scores over all tensors
 * together; ties at the threshold are broken by position so the budget holds exactly.
 */
export function topKMasks(scores: readonly Float32Array[], k: number): Uint8Array[] {
  const total = scores.reduce((a, s) => a + s.length, 0);
  const masks = scores.map((s) => new Uint8Array(s.length));
  if (k <= 0) return masks;
  if (k >= total) {
    scores.forEach((s, t) => s.forEach((v, i) => (masks[t][i] = v !== 0 ? 1 : 0)));
    return masks;
  }
  const all = new Float32Array(total);
  let o = 0;
  for (const s of scores) {
    all.set(s, o);
    o += s.length;
  }
  const threshold = kthLargest(all, k);
  let kept = 0;
  scores.forEach((s, t) => {
    for (let i = 0; i < s.length; i++) {
      if (s[i] > threshold && s[i] !== 0) {
        masks[t][i] = 1;
        kept++;
      }
    }
  });
  if (threshold === 0) return masks;
  for (let t = 0; t < scores.length && kept < k; t++) {
    const s = scores[t];
    for (let i = 0; i < s.length && kept < k; i++) {
      if (s[i] === threshold) {
        masks[t][i] = 1;
        kept++;
      }
    }
  }
  return masks;
}

export function absolute(values: readonly Float32Array[]): Float32Array[] {
  return values.map((v) => v.map(Math.abs));
}

/** Zeroes every entry outside the mask, in place. */
export function applyMasks(values: readonly Float32Array[], masks: readonly Uint8Array[]): void {
  values.forEach((v, t) => {
    const m = masks[t];
    for (let i = 0; i < v.length; i++) if (m[i] === 0) v[i] = 0;
  });
}

export function countNonZero(values: readonly (Float32Array | Uint8Array)[]): number {
  let n = 0;
  for (const v of values) for (let i = 0; i < v.length; i++) if (v[i] !== 0) n++;
  return n;
}

/**
 * The budget `k` shared among tensors of `sizes`: per tensor, how many entries it keeps. `global` is not
 * an allocation (one top-k over all); `uniform` gives each the same count; `proportional` each its
 * share by size, at least `floor`; a tensor never gets more than its size, and what one cannot take goes
 * to the others, so the counts add up to min(k, total).
 */
export function allocateBudget(sizes: readonly number[], k: number, allocation: 'uniform' | 'proportional', floor = 0): number[] {
  const total = sizes.reduce((a, n) => a + n, 0);
  const budget = Math.min(Math.max(0, Math.floor(k)), total);
  const weight = (l: number) => (allocation === 'uniform' ? 1 : sizes[l]);
  let lower = sizes.map((n) => (allocation === 'proportional' ? Math.min(n, floor) : 0));
  const lowerTotal = lower.reduce((a, n) => a + n, 0);
  // Floors that pass the budget shrink together.
  if (lowerTotal > budget) lower = lower.map((f) => Math.floor((f * budget) / lowerTotal));
  // Water-filling: shares by weight among the tensors not yet pinned to their floor or their size.
  const share = sizes.map(() => 0);
  const pinned = new Set<number>();
  for (let changed = true; changed;) {
    changed = false;
    const free = sizes.map((_, l) => l).filter((l) => !pinned.has(l));
    const left = budget - [...pinned].reduce((a, l) => a + share[l], 0);
    const sum = free.reduce((a, l) => a + weight(l), 0);
    for (const l of free) {
      share[l] = sum > 0 ? (left * weight(l)) / sum : 0;
      const bound = share[l] < lower[l] ? lower[l] : share[l] > sizes[l] ? sizes[l] : null;
      if (bound === null) continue;
      share[l] = bound;
      pinned.add(l);
      changed = true;
    }
  }
  // Whole entries: each its share rounded down, the rest one by one to the largest fractions with room.
  const counts = share.map((x) => Math.floor(x + 1e-9));
  const fraction = share.map((x, l) => x - counts[l]);
  let rest = budget - counts.reduce((a, n) => a + n, 0);
  const order = sizes.map((_, l) => l).sort((a, b) => fraction[b] - fraction[a] || a - b);
  for (let i = 0; rest > 0 && i < 4 * order.length; i++) {
    const l = order[i % order.length];
    if (counts[l] >= sizes[l]) continue;
    counts[l]++;
    rest--;
  }
  return counts;
}

/** Masks of the largest scores, as `allocation` shares `k` among the tensors (topKMasks over all for global). */
export function budgetMasks(scores: readonly Float32Array[], k: number, allocation: 'global' | 'uniform' | 'proportional', floor = 0): Uint8Array[] {
  if (allocation === 'global') return topKMasks(scores, k);
  const counts = allocateBudget(
    scores.map((s) => s.length),
    k,
    allocation,
    floor,
  );
  return scores.map((s, l) => topKMasks([s], counts[l])[0]);
}

/** Keeps the `k` largest-magnitude entries of `values` (in place) and returns the support. */
export function projectToBudget(values: readonly Float32Array[], k: number): Uint8Array[] {
  const masks = topKMasks(absolute(values), k);
  applyMasks(values, masks);
  return masks;
}
