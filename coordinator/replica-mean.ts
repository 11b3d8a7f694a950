// The replicas of a task as one: their pushes' gradients for W, their vectors for the task's own
// parameters and their losses, each the mean weighted by the samples behind it. One replica's loss is
// the mean over its batch, so the weighted mean of their gradients is the gradient over all their
// batches together: a task's weight lambda_t means the same on one replica or eight.
import type { CompletePush } from './push-receiver.js';

export interface ReplicaPush {
  push: CompletePush;
  /** Its gradient for the task's own parameters (worker/replica-vector.ts). */
  vector: Float32Array;
  samples: number;
  /** From the task's lead (whose evaluation the task reports). */
  lead: boolean;
}

/** Each replica's share: its samples over all of theirs (equal shares when none says any). */
export function sampleShares(samples: readonly number[]): number[] {
  const total = samples.reduce((a, n) => a + n, 0);
  return total > 0 ? samples.map((n) => n / total) : samples.map(() => 1 / samples.length);
}

/** into = sum_r share_r * parts[r], entry by entry; `into` may be parts[0]. */
export function weightedMean(into: Float32Array, parts: readonly Float32Array[], shares: readonly number[]): void {
  for (const p of parts) if (p.length !== into.length) throw new Error(`weightedMean: a part of ${p.length} entries, expected ${into.length}`);
  for (let i = 0; i < into.length; i++) {
    let sum = 0;
    for (let r = 0; r < parts.length; r++) sum += shares[r] * parts[r][i];
    into[i] = sum;
  }
}

/**
 * The task's push from its replicas' (at least one): the first replica's gradient buffers take the
 * mean, the others' go back through `release`. Vectors of different lengths mean the replicas' states
 * differ: an Error.
 */
export function combinePushes(replicas: readonly ReplicaPush[], release: (gradient: Float32Array[]) => void): { push: CompletePush; vector: Float32Array } {
  if (replicas.length === 0) throw new Error('combinePushes: no push');
  const length = replicas[0].vector.length;
  const odd = replicas.find((r) => r.vector.length !== length);
  if (odd) throw new Error(`the replicas' vectors differ in length (${odd.vector.length} against ${length}): their task states differ`);
  const shares = sampleShares(replicas.map((r) => r.samples));
  const first = replicas[0].push;
  if (replicas.length > 1)
    first.gradient.forEach((g, t) =>
      weightedMean(
        g,
        replicas.map((r) => r.push.gradient[t]),
        shares,
      ),
    );
  for (const r of replicas.slice(1)) release(r.push.gradient);
  const vector = new Float32Array(length);
  weightedMean(
    vector,
    replicas.map((r) => r.vector),
    shares,
  );
  const samples = replicas.reduce((a, r) => a + r.push.samples, 0);
  const loss = replicas.reduce((a, r, k) => a + shares[k] * r.push.loss, 0);
  const evaluation = (replicas.find((r) => r.lead) ?? replicas.find((r) => r.push.evaluation))?.push.evaluation ?? null;
  // The mean's non-zeros are the union of the replicas' supports: left to a dense read.
  const support = replicas.length === 1 ? first.support : undefined;
  return { push: { ...first, samples, loss, evaluation, support }, vector };
}
