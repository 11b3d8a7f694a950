// Dynamic Weight Average: weights from the rate at which each task's loss falls.
// Liu, Johns, Davison 2019, "End-to-End Multi-Task Learning with Attention" (CVPR; arXiv:1803.10704).
//
// w_t(k) = T exp(r_t(k-1) / temp) / sum_j exp(r_j(k-1) / temp), r_t(k-1) = L_t(k-1) / L_t(k-2), and
// w_t = 1 until two epochs have ended. The paper's L_t(k) is epoch k's mean training loss; the
// coordinator has no epochs, so an "epoch" here is `window` consecutive observed rounds, whose mean loss
// stands for it (window 1: every round is one, noisy as single batches are). A task whose loss fell
// least (largest ratio) gets the largest weight; temp -> infinity gives equal weights. The weights sum
// to T, so the step keeps the scale of the plain sum.

export interface DwaOptions {
  /** temp (default 2, the paper's). */
  temperature?: number;
  /** Rounds whose mean loss counts as one epoch's (default 1). */
  window?: number;
}

export interface DwaState {
  /** The last two completed epochs' mean losses, older first (fewer at the start). */
  epochs: number[][];
  /** The running sum of the losses of the epoch under way, and how many rounds it holds. */
  sum: number[];
  count: number;
}

export class DynamicWeightAverage {
  readonly temperature: number;
  readonly window: number;
  private epochs: number[][] = [];
  private sum: number[];
  private count = 0;

  constructor(
    readonly tasks: number,
    options: DwaOptions = {},
  ) {
    if (!Number.isInteger(tasks) || tasks < 0) throw new RangeError(`DynamicWeightAverage: tasks must be a non-negative integer, got ${tasks}`);
    this.temperature = options.temperature ?? 2;
    this.window = options.window ?? 1;
    if (!Number.isFinite(this.temperature) || this.temperature <= 0) throw new RangeError(`DynamicWeightAverage: temperature must be positive and finite, got ${this.temperature}`);
    if (!Number.isInteger(this.window) || this.window < 1) throw new RangeError(`DynamicWeightAverage: window must be a positive integer, got ${this.window}`);
    this.sum = new Array<number>(tasks).fill(0);
  }

  /** One round's losses, one per task. */
  observe(losses: readonly number[]): void {
    if (losses.length !== this.tasks) throw new RangeError(`DynamicWeightAverage.observe: ${losses.length} losses for ${this.tasks} tasks`);
    for (let t = 0; t < this.tasks; t++) {
      if (!Number.isFinite(losses[t]) || losses[t] < 0) throw new RangeError(`DynamicWeightAverage.observe: task ${t}'s loss is ${losses[t]}, expected finite and >= 0`);
    }
    for (let t = 0; t < this.tasks; t++) this.sum[t] += losses[t];
    if (++this.count < this.window) return;
    this.epochs.push(this.sum.map((s) => s / this.count));
    if (this.epochs.length > 2) this.epochs.shift();
    this.sum.fill(0);
    this.count = 0;
  }

  /** w_t for the rounds until the next epoch ends. */
  coefficients(): number[] {
    if (this.epochs.length < 2) return new Array<number>(this.tasks).fill(1);
    const [older, last] = this.epochs;
    // A loss of 0 two epochs back: a task that stayed at 0 did not change (ratio 1); one that rose from it
    // rose without bound, and such tasks share the whole weight.
    const scaled = last.map((l, t) => (older[t] > 0 ? l / older[t] : l > 0 ? Infinity : 1) / this.temperature);
    // Shifting by the largest keeps exp finite; softmax is unchanged by it.
    const top = Math.max(...scaled);
    const e = scaled.map((x) => (x === top ? 1 : Math.exp(x - top)));
    const total = e.reduce((a, b) => a + b, 0);
    return e.map((x) => (this.tasks * x) / total);
  }

  state(): DwaState {
    return { epochs: this.epochs.map((e) => [...e]), sum: [...this.sum], count: this.count };
  }

  restore(state: DwaState): void {
    const okVector = (v: readonly number[]): boolean => v.length === this.tasks && v.every((x) => Number.isFinite(x) && x >= 0);
    if (state.epochs.length > 2 || !state.epochs.every(okVector) || !okVector(state.sum) || !Number.isInteger(state.count) || state.count < 0 || state.count >= this.window) {
      throw new RangeError(`DynamicWeightAverage.restore: the state does not fit ${this.tasks} tasks and a window of ${this.window}`);
    }
    this.epochs = state.epochs.map((e) => [...e]);
    this.sum = [...state.sum];
    this.count = state.count;
  }
}
