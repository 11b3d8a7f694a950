// A small distributed run config the wire tests share: an MLP on synthetic tasks a, b, c (32 features),
// Adam, pruning inside a few dozen rounds.
import { parseRunConfig } from '../../config/load.js';
import type { RunConfig } from '../../config/schema.js';

export interface SyntheticRunOptions {
  /** How many of the tasks a, b, c. */
  tasks: number;
  steps: number;
  /** Added to the distributed section (round_timeout_seconds 60 and report_every 10 otherwise). */
  distributed?: object;
  optimizer?: object;
}

export function syntheticRunConfig(options: SyntheticRunOptions, what: string): RunConfig {
  return parseRunConfig(
    {
      seed: 5,
      model: { arch: 'mlp', hidden: [128] },
      tasks: [
        { name: 'a', dataset: { source: 'synthetic', features: 32, classes: 5, train: 512, test: 128, task_seed: 1 } },
        { name: 'b', dataset: { source: 'synthetic', features: 32, classes: 3, train: 512, test: 128, task_seed: 2 } },
        { name: 'c', dataset: { source: 'synthetic', features: 32, classes: 4, train: 512, test: 128, task_seed: 3 } },
      ].slice(0, options.tasks),
      train: { steps: options.steps, batch_size: 32, optimizer: options.optimizer ?? { type: 'adam', lr: 0.01 }, baseline: false },
      sparsity: { rho: 0.05, warmup: 0.2, prune_end: 0.6, prune_every: 3 },
      distributed: { round_timeout_seconds: 60, report_every: 10, ...options.distributed },
    },
    what,
  );
}

export interface TwoTaskRunOptions {
  seed: number;
  /** Task b's classes (task a has 4). */
  bClasses: number;
  /** Training and test samples of each task. */
  samples: { train: number; test: number };
  /** The whole distributed section. */
  distributed: object;
}

/** A tiny distributed run config: an MLP of 16 on synthetic tasks a and b (8 features), 10 steps of Adam, pruning every 2. */
export function twoTaskRunConfig(options: TwoTaskRunOptions, what: string): RunConfig {
  const { train, test } = options.samples;
  return parseRunConfig(
    {
      seed: options.seed,
      model: { arch: 'mlp', hidden: [16] },
      tasks: [
        { name: 'a', dataset: { source: 'synthetic', features: 8, classes: 4, hidden: 8, train, test, task_seed: 1 } },
        { name: 'b', dataset: { source: 'synthetic', features: 8, classes: options.bClasses, hidden: 8, train, test, task_seed: 2 } },
      ],
      train: { steps: 10, batch_size: 16, optimizer: { type: 'adam', lr: 0.01 }, baseline: false },
      sparsity: { rho: 0.1, warmup: 0.2, prune_end: 0.6, prune_every: 2 },
      distributed: options.distributed,
    },
    what,
  );
}
