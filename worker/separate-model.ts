// A task's separate dense model (no S_t: its own W), trained with the same step budget as the hybrid
// one: the baseline the compression is measured against (train.baseline). `hybrid train` trains one per
// task before the hybrid model; a distributed worker trains its task's after the hybrid rounds.
import type { RunConfig } from '../config/schema.js';
import type { TaskData } from '../data/dataset.js';
import { lrScale } from '../model/learning-rate.js';
import { initTensors, type ModelSpec } from '../model/spec.js';
import { Optimizer } from '../optim/optimizer.js';
import { TaskTrainer, type Evaluation } from './trainer.js';

export class SeparateModel {
  private readonly trainer: TaskTrainer;
  private readonly optimizer: Optimizer;
  private readonly weight: number;

  constructor(
    private readonly config: RunConfig,
    spec: ModelSpec,
    data: TaskData,
  ) {
    // The head follows the task's own loss; W's gradient carries lambda_t, as the hybrid rounds weigh it.
    this.trainer = new TaskTrainer({ spec, data, weight: 1, train: config.train, sparsity: null, seed: config.seed });
    this.weight = config.tasks.find((t) => t.name === data.name)?.weight ?? 1;
    this.optimizer = new Optimizer(
      config.train.optimizer,
      spec.shared.map((t) => t.size),
    );
    initTensors(spec.shared, config.seed, 'shared').forEach((w, i) => this.optimizer.params[i].set(w));
    this.trainer.setShared(this.optimizer.params);
  }

  get name(): string {
    return this.trainer.name;
  }

  /** One training step (round `step` of train.steps); returns its loss. */
  step(step: number): number {
    const r = this.trainer.round(step);
    if (!Number.isFinite(r.loss)) throw new Error(`separate ${this.name}: loss is ${r.loss} at step ${step}; lower the learning rate`);
    this.optimizer.step([{ label: `task ${this.name}`, weight: this.weight, gradient: r.gradient }], lrScale(this.config.train.lr_schedule, step, this.config.train.steps));
    this.trainer.setShared(this.optimizer.params);
    return r.loss;
  }

  /** Held-out accuracy and loss. */
  evaluate(): Evaluation {
    return this.trainer.evaluate();
  }

  dispose(): void {
    this.trainer.dispose();
  }
}
