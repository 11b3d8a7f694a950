// The worker's own Prometheus metrics; lib/probe-server.ts serves them.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class WorkerMetrics {
  readonly registry = new Registry();
  readonly stepDuration: Histogram<'task' | 'replica'>;
  readonly samples: Counter<'task' | 'replica'>;
  readonly skipped: Gauge<'task'>;

  /** `task`: the task this worker trains, and its replica slot, whose series exist from the start. */
  constructor(task: string, replica = 0) {
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
    const labels = { task, replica: String(replica) };
    this.samples.inc(labels, 0);
    this.skipped.set({ task }, 0);
    this.stepDuration.zero(labels);
  }
}
