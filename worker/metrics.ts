// The worker's own Prometheus metrics; lib/probe-server.ts serves them.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class WorkerMetrics {
  readonly registry = new Registry();
  readonly stepDuration: Histogram<'task' | 'replica'>;
  readonly samples: Counter<'task' | 'replica'>;
  readonly skipped: Gauge<'task'>;

  /** The replica slot of the series (`replica` label). */
  private replica: string;

  /** `task`: the task this worker trains, and its replica slot, whose series exist from the start. */
  constructor(
    private readonly task: string,
    replica = 0,
  ) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.stepDuration = new Histogram({
      name: 'hybrid_worker_step_duration_seconds',
      help: 'Time of one local training step (forward, backward, local update of S_t and H_t), in seconds.',
      labelNames: ['task', 'replica'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.samples = new Counter({ name: 'hybrid_worker_samples_total', help: 'Training samples processed by this worker.', labelNames: ['task', 'replica'], registers });
    this.skipped = new Gauge({
      name: 'hybrid_worker_examples_skipped',
      help: 'Examples of the task\'s data skipped as bad when it was loaded (dataset on_bad: "skip").',
      labelNames: ['task'],
      registers,
    });
    this.replica = String(replica);
    const labels = { task, replica: this.replica };
    this.samples.inc(labels, 0);
    this.skipped.set({ task }, 0);
    this.stepDuration.zero(labels);
  }

  /** The slot the coordinator gave (a worker that claimed none learns it in the welcome): the series
   *  made at 0 for another slot go, and this slot's start at 0. */
  assignReplica(replica: number): void {
    const next = String(replica);
    if (next === this.replica) return;
    const old = { task: this.task, replica: this.replica };
    this.samples.remove(old);
    this.stepDuration.remove(old);
    this.replica = next;
    this.samples.inc({ task: this.task, replica: next }, 0);
    this.stepDuration.zero({ task: this.task, replica: next });
  }
}
