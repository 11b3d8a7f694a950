// The loss-based weightings as aggregators of a round's contributions: uncertainty (Kendall et al.
// 2018), DWA (Liu et al. 2019) and FAMO (Liu et al. 2023), each in its own module. They read each task's
// loss (every push carries it) and nothing of the gradients, so a round costs O(T) here whatever the
// size of W. The coefficient on g_t is lambda_t w_t, with the method's weights w scaled as the papers
// scale them against a plain sum (uncertainty's exp(-s_t); DWA's sum to T; FAMO's c_t, which sum to 1,
// times T), so that with every lambda_t = 1 and equal weights the step is the plain sum's.
//
// The weights are a function of the rounds so far: the state moves after each round's coefficients
// are taken (uncertainty's and FAMO's step, DWA's epoch means), and checkpoints hold it, so a resumed
// run goes on with the same weights. A task missing from a round (a deadline) counts with its last loss.
import type { AggregationConfig } from '../../config/aggregation-schema.js';
import type { Aggregator, AggregatorState, Contribution } from '../aggregation.js';
import { DynamicWeightAverage } from './dwa.js';
import { Famo } from './famo.js';
import { UncertaintyWeights } from './uncertainty.js';

type LossConfig = Extract<AggregationConfig, { method: 'uncertainty' | 'dwa' | 'famo' }>;

/** The method itself, over the tasks' losses of this round and the round before (null at first). */
interface Weighting {
  /** The weights for this round (FAMO first steps its logits with the losses before and after the last step of W). */
  weights(losses: readonly number[], previous: readonly number[] | null): number[];
  /** The state's step on this round's losses, once its weights are taken. */
  after(losses: readonly number[]): void;
  state(): Record<string, unknown>;
  restore(state: Record<string, unknown>): void;
}

function weighting(config: LossConfig, tasks: number): Weighting {
  switch (config.method) {
    case 'uncertainty': {
      const u = new UncertaintyWeights(tasks);
      return { weights: () => u.coefficients(), after: (losses) => u.update(losses, config.lr), state: () => ({ ...u.state() }), restore: (s) => u.restore(s as never) };
    }
    case 'dwa': {
      const d = new DynamicWeightAverage(tasks, { temperature: config.temperature, window: config.window });
      return { weights: () => d.coefficients(), after: (losses) => d.observe(losses), state: () => ({ ...d.state() }), restore: (s) => d.restore(s as never) };
    }
    case 'famo': {
      const f = new Famo(tasks, { lr: config.lr, gamma: config.gamma });
      // The loss "after" round v - 1's step is the one each task reports in round v (docs in famo.ts).
      const weights = (losses: readonly number[], previous: readonly number[] | null): number[] => {
        if (previous) f.update(previous, losses);
        return f.coefficients(losses).map((c) => c * tasks);
      };
      return { weights, after: () => undefined, state: () => ({ ...f.state() }), restore: (s) => f.restore(s as never) };
    }
  }
}

/** The aggregator of a loss-based method over the run's `tasks` (their names, in the config's order). */
export function lossMethod(config: LossConfig, tasks: readonly string[]): Aggregator {
  const method = weighting(config, tasks.length);
  /** Each task's last loss (NaN until it reported one), and the vector of the round before. */
  let latest = tasks.map(() => Number.NaN);
  let previous: number[] | null = null;
  const index = new Map(tasks.map((t, i) => [t, i]));
  return {
    name: config.method,
    coefficients(contributions: readonly Contribution[]): number[] {
      for (const c of contributions) {
        const i = index.get(c.task);
        if (i === undefined) throw new RangeError(`aggregation ${config.method}: task "${c.task}" is not one of this run's (${tasks.join(', ')})`);
        if (!Number.isFinite(c.loss ?? Number.NaN)) throw new RangeError(`aggregation ${config.method}: task "${c.task}" pushed no finite loss`);
        latest[i] = c.loss!;
      }
      // Until every task has reported a loss, the plain sum.
      if (latest.some((l) => !Number.isFinite(l))) return contributions.map((c) => c.weight * (c.scale ?? 1));
      const losses = [...latest];
      const w = method.weights(losses, previous);
      method.after(losses);
      previous = losses;
      return contributions.map((c) => c.weight * (c.scale ?? 1) * w[index.get(c.task)!]);
    },
    state(): AggregatorState {
      return { method: config.method, latest: [...latest], previous: previous && [...previous], weighting: method.state() };
    },
    restore(state: AggregatorState): void {
      const s = state as { method?: unknown; latest?: unknown; previous?: unknown; weighting?: unknown };
      const vector = (v: unknown): v is number[] => Array.isArray(v) && v.length === tasks.length && v.every((x) => typeof x === 'number');
      if (s.method !== config.method || !vector(s.latest) || !(s.previous === null || vector(s.previous)) || typeof s.weighting !== 'object' || s.weighting === null) {
        throw new RangeError(
          `aggregation ${config.method}: the checkpoint's aggregation state is ${String(s.method)}'s or does not fit ${tasks.length} tasks: resume with the run config that wrote it`,
        );
      }
      method.restore(s.weighting as Record<string, unknown>);
      latest = [...s.latest];
      previous = s.previous === null ? null : [...s.previous];
    },
  };
}
