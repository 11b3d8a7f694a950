// The coordinator's copy of W: the tensors, their version counter and the optimizer that moves them.
// One call applies one round; nothing else mutates W.
import { weightedSum, type Aggregator, type Contribution } from './aggregation.js';
import { HeldBackRounds } from './held-back.js';
import type { Colocated, Optimizer, OptimizerState } from './optimizer.js';

export interface SharedWeightsOptions {
  /** The pushes carry only some coordinates each round (TOPK with error feedback): the optimizer's
   *  second moment counts each as the rounds it was held back (coordinator/held-back.ts). */
  heldBack?: boolean;
  /** Push buffers to make next to W where the round is one fused pass (pushBuffers). */
  pushBuffers?: number;
}

export class SharedWeights {
  /** W. With the default weighted sum, views on the optimizer's wasm memory (a copy of the tensors
   *  given), so that a round is one fused pass there; read them here, not from the arrays passed in. */
  readonly tensors: Float32Array[];
  /** The aggregate, for aggregators the optimizer cannot fuse with; made on first need. */
  private combined: Float32Array[] | null = null;
  /** The optimizer's fused sum-and-step, when the aggregator is the weighted sum it fuses. */
  private readonly stepSum: NonNullable<Optimizer['stepSum']> | null;
  private readonly heldBack: { rounds: HeldBackRounds; second: Float32Array[] } | null;
  /** Where pushes can be decoded so that the round reads them in place, with their finite check; null
   *  where the round is not one fused pass (then any arrays serve). */
  readonly pushBuffers: Omit<Colocated, 'params'> | null;
  private _version = 0;

  constructor(
    tensors: Float32Array[],
    private readonly optimizer: Optimizer,
    private readonly aggregator: Aggregator,
    options: SharedWeightsOptions = {},
  ) {
    this.stepSum = aggregator === weightedSum && optimizer.stepSum ? optimizer.stepSum.bind(optimizer) : null;
    const heldBack = options.heldBack ?? false;
    const colocated = this.stepSum ? (optimizer.colocate?.(tensors, options.pushBuffers ?? 0, heldBack) ?? null) : null;
    this.tensors = colocated?.params ?? tensors;
    this.pushBuffers = colocated;
    // The second moment's input goes where the fused step reads it, when there is one.
    this.heldBack = heldBack ? { rounds: new HeldBackRounds(tensors.map((t) => t.length)), second: colocated?.second ?? tensors.map((t) => new Float32Array(t.length)) } : null;
  }

  get version(): number {
    return this._version;
  }

  /** Aggregates the round's contributions, steps the optimizer and advances the version. */
  applyRound(contributions: readonly Contribution[], lrScale: number): number {
    if (contributions.length === 0) throw new Error('applyRound: a round needs at least one contribution');
    if (this.heldBack) this.heldBack.rounds.varianceInput(contributions, this.heldBack.second);
    if (this.stepSum) {
      this.stepSum(this.tensors, contributions, lrScale, this.heldBack?.second);
    } else {
      this.combined ??= this.tensors.map((t) => new Float32Array(t.length));
      this.aggregator.aggregate(contributions, this.combined);
      this.optimizer.step(this.tensors, this.combined, lrScale, this.heldBack?.second);
    }
    return ++this._version;
  }

  optimizerState(): OptimizerState {
    return this.optimizer.state();
  }

  restore(version: number, tensors: readonly Float32Array[], optimizer: OptimizerState): void {
    if (tensors.length !== this.tensors.length) throw new Error(`restore: ${tensors.length} tensors, expected ${this.tensors.length}`);
    tensors.forEach((t, i) => {
      if (t.length !== this.tensors[i].length) throw new Error(`restore: tensor ${i} has ${t.length} entries, expected ${this.tensors[i].length}`);
      this.tensors[i].set(t);
    });
    this.optimizer.restore(optimizer);
    this.heldBack?.rounds.reset();
    this._version = version;
  }
}
