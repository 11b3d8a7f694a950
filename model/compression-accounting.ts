// Compression accounting: the hybrid artifact against T separate dense float32 models of the same
// architecture, in parameters and in bytes with the sparse indices counted (docs/architecture.md section 1).

/** Bytes per stored index of a sparse tensor: indices are local to their tensor, so a tensor of at most
 *  65,536 entries needs only 16-bit indices. */
export function indexWidth(tensorSize: number): 2 | 4 {
  return tensorSize <= 0x10000 ? 2 : 4;
}

export const VALUE_BYTES = 4;

export interface CompressionInput {
  /** Size of every shared tensor. */
  sharedSizes: readonly number[];
  /** Per task: its own dense entries, the head's parameters and its statistics (BatchNormalization's). */
  headSizes: readonly number[];
  /** Per task, per shared tensor: nnz(S_t,l). */
  nnz: readonly (readonly number[])[];
}

export interface Compression {
  separate_params: number;
  hybrid_params: number;
  params_ratio: number;
  separate_bytes: number;
  hybrid_bytes: number;
  bytes_ratio: number;
}

export function sparseBytes(sharedSizes: readonly number[], nnz: readonly number[]): number {
  return nnz.reduce((a, n, l) => a + n * (VALUE_BYTES + indexWidth(sharedSizes[l])), 0);
}

export function compression(input: CompressionInput): Compression {
  const { sharedSizes, headSizes, nnz } = input;
  if (headSizes.length !== nnz.length) throw new Error(`compression: ${headSizes.length} heads but ${nnz.length} sparse sets`);
  nnz.forEach((perTask, t) => {
    if (perTask.length !== sharedSizes.length) throw new Error(`compression: task ${t} has ${perTask.length} sparse tensors, expected ${sharedSizes.length}`);
  });
  const shared = sharedSizes.reduce((a, b) => a + b, 0);
  const heads = headSizes.reduce((a, b) => a + b, 0);
  const tasks = headSizes.length;
  const separateParams = tasks * shared + heads;
  const hybridParams = shared + heads + nnz.reduce((a, perTask) => a + perTask.reduce((x, y) => x + y, 0), 0);
  const separateBytes = VALUE_BYTES * separateParams;
  const hybridBytes = VALUE_BYTES * (shared + heads) + nnz.reduce((a, perTask) => a + sparseBytes(sharedSizes, perTask), 0);
  return {
    separate_params: separateParams,
    hybrid_params: hybridParams,
    params_ratio: separateParams / hybridParams,
    separate_bytes: separateBytes,
    hybrid_bytes: hybridBytes,
    bytes_ratio: separateBytes / hybridBytes,
  };
}
