// The coordinator's Prometheus metrics (names listed in docs/architecture.md); lib/probe-server.ts serves
// them with the health and readiness probes.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { PUSH_REFUSAL_LABELS } from './refusals.js';
import { TASK_STATE_REFUSAL_LABELS } from './task-state-checks.js';

export class CoordinatorMetrics {
  readonly registry = new Registry();
  readonly roundsTotal: Counter;
  readonly roundDuration: Histogram;
  readonly sharedVersion: Gauge;
  readonly workersConnected: Gauge;
  readonly taskLoss: Gauge<'task'>;
  readonly taskAccuracy: Gauge<'task'>;
  readonly taskWeight: Gauge<'task'>;
  readonly taskSamples: Counter<'task'>;
  readonly bytesReceived: Counter;
  readonly bytesSent: Counter;
  readonly pushStaleness: Histogram;
  readonly pushesRejected: Counter<'reason'>;
  readonly stragglers: Counter<'task'>;
  readonly checkpointLastSuccess: Gauge;
  readonly checkpointDuration: Histogram;
  readonly checkpointsDamaged: Counter;
  readonly taskSparseDensity: Gauge<'task'>;
  readonly connectionsRejected: Counter<'reason'>;
  readonly taskStatesRejected: Counter<'reason'>;
  readonly taskReplicas: Gauge<'task'>;
  readonly taskReplicasConfigured: Gauge<'task'>;
  readonly shardLinkUp: Gauge<'follower'>;

  /** W is at `version` as this process starts (or a shard restores, which is a restart in place): the
   *  rounds counted are those applied since, so a round done again after a restore is not counted twice
   *  (a resumed process counts from 0 too: Prometheus reads the drop as a counter reset). */
  startAt(version: number): void {
    this.sharedVersion.set(version);
    this.roundsTotal.reset();
  }

  /** `tasks`: the run's task names, whose series exist from the start (counters at 0, gauges NaN until reported). */
  constructor(tasks: readonly string[]) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.roundsTotal = new Counter({
      name: 'hybrid_rounds_total',
      help: 'Rounds applied to the shared weights W since this process started or last restored (a resume counts from 0).',
      registers,
    });
    this.roundDuration = new Histogram({
      name: 'hybrid_round_duration_seconds',
      help: 'Time from a round opening to its update being applied, in seconds.',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    });
    this.sharedVersion = new Gauge({ name: 'hybrid_shared_version', help: 'Version of the shared weights W (rounds applied since the run began).', registers });
    this.workersConnected = new Gauge({ name: 'hybrid_workers_connected', help: 'Workers currently connected and welcomed.', registers });
    this.taskLoss = new Gauge({ name: 'hybrid_task_loss', help: 'Latest training loss reported by each task.', labelNames: ['task'], registers });
    this.taskAccuracy = new Gauge({ name: 'hybrid_task_accuracy', help: 'Latest accuracy reported by each task, as a fraction in [0, 1].', labelNames: ['task'], registers });
    this.taskWeight = new Gauge({
      name: 'hybrid_task_weight',
      help: "Each task's coefficient in the last round's combined gradient for W, as the aggregation method chose it (lambda_t under weighted_sum).",
      labelNames: ['task'],
      registers,
    });
    this.taskSamples = new Counter({ name: 'hybrid_task_samples_total', help: 'Training samples behind the gradients each task pushed.', labelNames: ['task'], registers });
    this.bytesReceived = new Counter({ name: 'hybrid_bytes_received_total', help: 'Bytes received from workers (WebSocket frame payloads).', registers });
    this.bytesSent = new Counter({ name: 'hybrid_bytes_sent_total', help: 'Bytes sent to workers (WebSocket frame payloads).', registers });
    this.pushStaleness = new Histogram({
      name: 'hybrid_push_staleness',
      help: 'Staleness of accepted gradient pushes: current version minus the push base version, in rounds.',
      buckets: [0, 1, 2, 3, 4, 6, 8, 16, 32],
      registers,
    });
    this.pushesRejected = new Counter({ name: 'hybrid_pushes_rejected_total', help: 'Gradient pushes refused, by reason.', labelNames: ['reason'], registers });
    this.stragglers = new Counter({ name: 'hybrid_stragglers_total', help: 'Rounds that closed at their deadline without this task.', labelNames: ['task'], registers });
    this.checkpointLastSuccess = new Gauge({
      name: 'hybrid_checkpoint_last_success_timestamp_seconds',
      help: 'Unix time of the last checkpoint written successfully, in seconds (0: none yet).',
      registers,
    });
    this.checkpointDuration = new Histogram({
      name: 'hybrid_checkpoint_duration_seconds',
      help: 'Time to write one checkpoint (serialise, fsync, rename), in seconds.',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.checkpointsDamaged = new Counter({
      name: 'hybrid_checkpoints_damaged_total',
      help: 'Checkpoint files found damaged (truncated, bad checksum, another format) and moved into <checkpoint-dir>/damaged.',
      registers,
    });
    this.taskSparseDensity = new Gauge({
      name: 'hybrid_task_sparse_density',
      help: "Density of each task's sparse tensors S_t: non-zeros over shared parameters.",
      labelNames: ['task'],
      registers,
    });
    this.connectionsRejected = new Counter({
      name: 'hybrid_connections_rejected_total',
      help: 'Connections or frames refused before reaching a round, by reason (bad frame, auth, protocol, refused task).',
      labelNames: ['reason'],
      registers,
    });

    this.taskStatesRejected = new Counter({
      name: 'hybrid_task_states_rejected_total',
      help: 'Task states refused (the stored state kept), by reason: malformed parts, layout, non-finite values, values out of range, class count, wrong task.',
      labelNames: ['reason'],
      registers,
    });

    this.taskReplicas = new Gauge({ name: 'hybrid_task_replicas', help: 'Workers connected to each task (its replicas, training or joining).', labelNames: ['task'], registers });
    this.taskReplicasConfigured = new Gauge({
      name: 'hybrid_task_replicas_configured',
      help: "Replicas each task's run config asks for (tasks[].replicas); a task below it trains on fewer GPUs than planned.",
      labelNames: ['task'],
      registers,
    });

    this.shardLinkUp = new Gauge({
      name: 'hybrid_shard_link_up',
      help: 'On the lead shard: 1 while its link to each follower shard is open (docs/shards.md); no round closes while one is 0.',
      labelNames: ['follower'],
      registers,
    });

    // Each reason's series exists from the start at 0: a labelled counter is otherwise absent from
    // /metrics until its first refusal, and increase() over the scrape that creates it sees nothing.
    for (const reason of PUSH_REFUSAL_LABELS) this.pushesRejected.inc({ reason }, 0);
    for (const reason of TASK_STATE_REFUSAL_LABELS) this.taskStatesRejected.inc({ reason }, 0);
    for (const task of tasks) {
      this.taskSamples.inc({ task }, 0);
      this.stragglers.inc({ task }, 0);
      this.taskLoss.set({ task }, NaN);
      this.taskAccuracy.set({ task }, NaN);
      this.taskWeight.set({ task }, NaN);
      this.taskSparseDensity.set({ task }, NaN);
      this.taskReplicas.set({ task }, 0);
    }
  }
}
