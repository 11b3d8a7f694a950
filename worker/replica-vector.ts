// A replica's round for its task's own parameters as one flat vector, the ReplicaGradient the
// coordinator averages over the task's replicas without reading it: S_t's gradient at the positions the
// update needs (every entry while S_t is dense or its support is re-selected, else the support's, which
// every replica holds the same), then the head's gradient, then the statistics' new values. Replicas
// hold the same state, so they cut the same layout; the mean of their vectors is the vector of their
// batches together, and unpacks into the update each of them then applies.

export interface VectorLayout {
  /** Per shared tensor: the mask of the positions carried, or null for every entry. */
  positions: readonly (Uint8Array | null)[];
  sharedSizes: readonly number[];
  headSizes: readonly number[];
  statsSizes: readonly number[];
}

export interface ReplicaParts {
  /** S_t's gradient per shared tensor, full size (zero where the layout carries nothing). */
  shared: Float32Array[];
  head: Float32Array[];
  stats: Float32Array[];
}

/** A round's layout: S_t's gradient at the positions of `support` (null: every entry), the head's, the
 *  statistics'. A dense model (no S_t) has no `shared`. */
export function replicaLayout(shared: readonly { size: number }[], head: readonly { size: number }[], stats: readonly { size: number }[], support: readonly Uint8Array[] | null): VectorLayout {
  const sizes = (tensors: readonly { size: number }[]) => tensors.map((t) => t.size);
  return { positions: shared.map((_, i) => support?.[i] ?? null), sharedSizes: sizes(shared), headSizes: sizes(head), statsSizes: sizes(stats) };
}

function carried(layout: VectorLayout, i: number): number {
  const mask = layout.positions[i];
  if (mask === null) return layout.sharedSizes[i];
  let n = 0;
  for (let k = 0; k < mask.length; k++) n += mask[k];
  return n;
}

export function vectorLength(layout: VectorLayout): number {
  const sum = (sizes: readonly number[]) => sizes.reduce((a, n) => a + n, 0);
  return layout.sharedSizes.reduce((a, _, i) => a + carried(layout, i), 0) + sum(layout.headSizes) + sum(layout.statsSizes);
}

export function packReplicaVector(layout: VectorLayout, parts: ReplicaParts): Float32Array {
  const out = new Float32Array(vectorLength(layout));
  let at = 0;
  parts.shared.forEach((g, i) => {
    const mask = layout.positions[i];
    if (mask === null) {
      out.set(g, at);
      at += g.length;
      return;
    }
    for (let k = 0; k < g.length; k++) if (mask[k]) out[at++] = g[k];
  });
  for (const v of [...parts.head, ...parts.stats]) {
    out.set(v, at);
    at += v.length;
  }
  return out;
}

export function unpackReplicaVector(layout: VectorLayout, vector: Float32Array): ReplicaParts {
  const expected = vectorLength(layout);
  if (vector.length !== expected) throw new Error(`the task step has ${vector.length} values; this replica's state expects ${expected} (the replicas' states differ)`);
  let at = 0;
  const shared = layout.sharedSizes.map((size, i) => {
    const mask = layout.positions[i];
    if (mask === null) {
      at += size;
      return vector.slice(at - size, at);
    }
    const g = new Float32Array(size);
    for (let k = 0; k < size; k++) if (mask[k]) g[k] = vector[at++];
    return g;
  });
  const take = (sizes: readonly number[]) =>
    sizes.map((n) => {
      at += n;
      return vector.slice(at - n, at);
    });
  const head = take(layout.headSizes);
  const stats = take(layout.statsSizes);
  return { shared, head, stats };
}
