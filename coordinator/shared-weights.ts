// The coordinator's copy of W with the optimizer that moves it: one call applies one round (the
// aggregator's coefficients, then one optimizer step); nothing else mutates W. `hybrid train` uses the
// same class, so single-process and distributed training compute the same W.
import type { OptimizerConfig } from '../config/schema.js';
import { Optimizer, type OptimizerState } from '../optim/optimizer.js';
import { checkTerms, type WeightedTerm } from '../optim/weight-arena.js';
import { supportByTensor, type Aggregator, type AggregatorState, type Contribution } from './aggregation.js';
import { HeldBackRounds } from './held-back.js';

export interface SharedWeightsOptions {
  /** The pushes carry only some coordinates each round (TOPK with error feedback): the optimizer's
   *  second moment counts each as the rounds it was held back (coordinator/held-back.ts). */
  heldBack?: boolean;
  /** Buffers to decode pushes into, next to W, read in place by the step. */
  pushBuffers?: number;
  /** A mirror of W as the workers hold it beside W, and W minus it after every round, computed in the
   *  step's pass (a lossy downlink's deltas: coordinator/downlink.ts). */
  mirror?: boolean;
  /** 'js' forces the JavaScript arena (tests compare the two). */
  arena?: 'auto' | 'js';
}

export class SharedWeights {
  private readonly optimizer: Optimizer;
  private readonly heldBack: HeldBackRounds | null;

  constructor(
    initial: readonly Float32Array[],
    config: OptimizerConfig,
    private readonly aggregator: Aggregator,
    options: SharedWeightsOptions = {},
  ) {
    const sizes = initial.map((t) => t.length);
    const heldBack = options.heldBack ?? false;
    this.optimizer = new Optimizer(config, sizes, { pushBuffers: options.pushBuffers, second: heldBack, mirror: options.mirror, arena: options.arena });
    this.optimizer.params.forEach((p, t) => p.set(initial[t]));
    this.heldBack = heldBack ? new HeldBackRounds(sizes) : null;
  }

  /** W, in the optimizer's arena (a copy of the tensors given): read it here, not from those arrays. */
  get tensors(): Float32Array[] {
    return this.optimizer.params;
  }

  /** Buffers next to W to decode pushes into; the step reads them in place. */
  get pushBuffers(): Float32Array[][] {
    return this.optimizer.arena.pushBuffers;
  }

  /** The mirror and W minus it, where the options asked for them (each round's step writes the delta). */
  get mirror(): { tensors: Float32Array[]; delta: Float32Array[] } | null {
    return this.optimizer.arena.mirror;
  }

  /** Whether every entry of `values` is finite (in SIMD for values in the push buffers). */
  allFinite(values: Float32Array): boolean {
    return this.optimizer.arena.allFinite(values);
  }

  /** Aggregates the round's contributions (`round`: the version it closes; `otherShardsGram`: with
   *  shards, the gradients' dot products over the other shards' slices) and steps W. Throws, changing nothing, on a misfit. Returns
   *  the coefficients the aggregator gave the contributions. */
  applyRound(contributions: readonly Contribution[], lrScale: number, round = 0, otherShardsGram?: number[][]): number[] {
    if (contributions.length === 0) throw new Error('applyRound: a round needs at least one contribution');
    const arena = this.optimizer.arena;
    // Shapes first: the aggregator reads the gradients too.
    checkTerms(
      contributions.map((c) => ({ label: `task ${c.task}`, weight: 0, gradient: c.gradient })),
      arena.sizes,
    );
    const coefficients = this.aggregator.coefficients(contributions, round, (vectors) => arena.gram(vectors), otherShardsGram);
    const terms: WeightedTerm[] = contributions.map((c, k) => ({
      label: `task ${c.task}`,
      weight: coefficients[k],
      gradient: c.gradient,
      support: c.support && supportByTensor(c.support, c.gradient.length),
    }));
    if (this.heldBack) this.heldBack.varianceInput(contributions, coefficients, this.optimizer.arena.second!);
    this.optimizer.step(terms, lrScale, this.heldBack !== null);
    return coefficients;
  }

  /** What the aggregator carries from round to round (a loss-based method's weights), or null. */
  aggregatorState(): AggregatorState | null {
    return this.aggregator.state?.() ?? null;
  }

  /** Takes back aggregatorState(); throws on a state of another method. */
  restoreAggregator(state: AggregatorState): void {
    if (!this.aggregator.restore)
      throw new Error(`the checkpoint holds state of aggregation method "${String(state.method)}", this run's ${this.aggregator.name} keeps none: resume with the run config that wrote it`);
    this.aggregator.restore(state);
  }

  optimizerState(): OptimizerState {
    return this.optimizer.state();
  }

  restore(tensors: readonly Float32Array[], optimizer: OptimizerState): void {
    if (tensors.length !== this.tensors.length) throw new Error(`restore: ${tensors.length} tensors, expected ${this.tensors.length}`);
    tensors.forEach((t, i) => {
      if (t.length !== this.tensors[i].length) throw new Error(`restore: tensor ${i} has ${t.length} entries, expected ${this.tensors[i].length}`);
    });
    this.optimizer.restore(optimizer);
    tensors.forEach((t, i) => this.tensors[i].set(t));
    this.heldBack?.reset();
  }
}
