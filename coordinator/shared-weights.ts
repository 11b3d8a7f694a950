// The coordinator's copy of W: the tensors, their version counter and the optimizer that moves them.
// One call applies one round; nothing else mutates W.
import type { Aggregator, Contribution } from './aggregation.js';
import type { Optimizer, OptimizerState } from './optimizer.js';

export class SharedWeights {
  private readonly combined: Float32Array[];
  private _version = 0;

  constructor(
    readonly tensors: Float32Array[],
    private readonly optimizer: Optimizer,
    private readonly aggregator: Aggregator,
  ) {
    this.combined = tensors.map((t) => new Float32Array(t.length));
  }

  get version(): number {
    return this._version;
  }

  /** Aggregates the round's contributions, steps the optimizer and advances the version. */
  applyRound(contributions: readonly Contribution[], lrScale: number): number {
    if (contributions.length === 0) throw new Error('applyRound: a round needs at least one contribution');
    this.aggregator.aggregate(contributions, this.combined);
    this.optimizer.step(this.tensors, this.combined, lrScale);
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
    this._version = version;
  }
}
