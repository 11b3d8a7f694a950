// The metric names of docs/architecture.md section 7 with the TYPE each must carry, kept once for the metrics tests
// and the deploy suites (test/e2e/deploy-files checks this table against docs/architecture.md and the code).

export type MetricType = 'counter' | 'gauge' | 'histogram';

/** docs/architecture.md section 7, coordinator side. */
export const COORDINATOR_METRICS: Readonly<Record<string, MetricType>> = {
  hybrid_rounds_total: 'counter',
  hybrid_round_duration_seconds: 'histogram',
  hybrid_shared_version: 'gauge',
  hybrid_workers_connected: 'gauge',
  hybrid_task_loss: 'gauge',
  hybrid_task_accuracy: 'gauge',
  hybrid_task_samples_total: 'counter',
  hybrid_bytes_received_total: 'counter',
  hybrid_bytes_sent_total: 'counter',
  hybrid_push_staleness: 'histogram',
  hybrid_pushes_rejected_total: 'counter',
  hybrid_stragglers_total: 'counter',
  hybrid_checkpoint_last_success_timestamp_seconds: 'gauge',
  hybrid_checkpoint_duration_seconds: 'histogram',
  hybrid_task_sparse_density: 'gauge',
  hybrid_task_replicas: 'gauge',
  hybrid_task_replicas_configured: 'gauge',
  hybrid_task_weight: 'gauge',
  hybrid_shard_link_up: 'gauge',
};

/**
 * docs/architecture.md section 7, worker side. hybrid_worker_step_duration_seconds is taken to be a histogram
 * (dashboards query it through _sum and _count only, which a summary has too).
 */
export const WORKER_METRICS: Readonly<Record<string, MetricType>> = {
  hybrid_worker_step_duration_seconds: 'histogram',
  hybrid_worker_samples_total: 'counter',
  hybrid_worker_examples_skipped: 'gauge',
};

/** Not in section 7, but exported by the coordinator all the same. */
export const EXTRA_COORDINATOR_METRICS: Readonly<Record<string, MetricType>> = {
  hybrid_connections_rejected_total: 'counter',
  hybrid_task_states_rejected_total: 'counter',
  hybrid_checkpoints_damaged_total: 'counter',
};
