// The multi-task gradient methods as aggregators of a round's contributions. Each sees the tasks'
// weighted gradients lambda_t scale_t g_t through their Gram matrix (so a task's lambda_t keeps its
// meaning under every method, and all tasks at lambda 1 is the papers' setting), asks its method for
// coefficients a_t on those, and returns a_t lambda_t scale_t as the coefficient on g_t. The Gram matrix
// of TOPK pushes is computed on their supports alone (gram.ts).
import type { AggregationConfig } from '../../config/aggregation-schema.js';
import { supportByTensor, type Aggregator, type Contribution } from '../aggregation.js';
import { cagradCoefficients } from './cagrad.js';
import { addGram, gramOf, type Gram } from './gram.js';
import { imtlgCoefficients } from './imtl-g.js';
import { mgdaCoefficients } from './mgda.js';
import { nashMtlCoefficients } from './nash-mtl.js';
import { pcgradCoefficients, seededOrders } from './pcgrad.js';

type GradientConfig = Extract<AggregationConfig, { method: 'pcgrad' | 'cagrad' | 'mgda' | 'imtl_g' | 'nash_mtl' }>;

/** The Gram matrix of the contributions' weighted gradients, and those weights; `dense` for the dense ones. */
export function weightedGram(contributions: readonly Contribution[], dense?: (vectors: readonly Float32Array[]) => number[][], others?: Gram): { gram: Gram; weights: number[] } {
  const weights = contributions.map((c) => c.weight * (c.scale ?? 1));
  const gram = gramOf(
    contributions.map((c) => c.gradient),
    contributions.map((c) => c.support && supportByTensor(c.support, c.gradient.length)),
    dense,
  );
  if (others) addGram(gram, others);
  return { gram: gram.map((row, i) => row.map((x, j) => x * weights[i] * weights[j])), weights };
}

/** The aggregator of a gradient method; `seed` is the run's (PCGrad's order is drawn from it and the round). */
export function gradientMethod(config: GradientConfig, seed: number): Aggregator {
  let lastNash: { tasks: string; alpha: number[] } | null = null;
  const solve = (gram: Gram, contributions: readonly Contribution[], round: number): number[] => {
    switch (config.method) {
      case 'pcgrad':
        return pcgradCoefficients(gram, seededOrders(gram.length, seed, round));
      case 'cagrad':
        return cagradCoefficients(gram, { c: config.c, rescale: config.rescale });
      case 'mgda':
        return mgdaCoefficients(gram, { normalize: config.normalize, losses: contributions.map((c) => c.loss ?? Number.NaN) });
      case 'imtl_g':
        return imtlgCoefficients(gram);
      case 'nash_mtl': {
        // The answer does not depend on where Newton starts; last round's alpha only saves steps.
        const tasks = contributions.map((c) => c.task).join('\n');
        const initial = lastNash?.tasks === tasks ? lastNash.alpha : undefined;
        const { coefficients } = nashMtlCoefficients(gram, { maxNorm: config.max_norm, initial });
        if (coefficients.every((a) => a > 0)) lastNash = { tasks, alpha: coefficients };
        return coefficients;
      }
    }
  };
  return {
    name: config.method,
    coefficients(contributions, round, dense, others) {
      const { gram, weights } = weightedGram(contributions, dense, others);
      return solve(gram, contributions, round ?? 0).map((a, t) => a * weights[t]);
    },
  };
}
