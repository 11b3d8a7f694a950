// What the coordinator moved over the wire: every frame's bytes into the byte counters, and by message
// kind for the run's communication report (the traffic the encodings act on: pushes in, updates out).
import type { RunConfig } from '../config/schema.js';
import type { Communication, ShardCommunication } from '../model/run-output.js';
import type { MessageKind, ShardTraffic } from '../proto/codec.js';
import type { CoordinatorMetrics } from './metrics.js';

/** What the run's results report as its communication. */
export interface TrafficReport {
  communication(distributed: RunConfig['distributed']): Communication;
}

export class Traffic implements TrafficReport {
  private readonly received = new Map<string, number>();
  private readonly sent = new Map<string, number>();
  private rounds = 0;

  constructor(private readonly metrics: CoordinatorMetrics | undefined) {}

  /** A frame arrived (counted before decoding: bytes that never decode were received all the same). */
  frameIn(bytes: number): void {
    this.metrics?.bytesReceived.inc(bytes);
  }

  /** A frame that decoded as `kind`. */
  messageIn(kind: MessageKind, bytes: number): void {
    this.received.set(kind, (this.received.get(kind) ?? 0) + bytes);
  }

  /** A frame of `kind` sent. */
  messageOut(kind: MessageKind, bytes: number): void {
    this.metrics?.bytesSent.inc(bytes);
    this.sent.set(kind, (this.sent.get(kind) ?? 0) + bytes);
  }

  roundClosed(): void {
    this.rounds++;
  }

  /** The traffic so far, by message kind, and the round traffic (pushes in, updates out). */
  communication(distributed: RunConfig['distributed']): Communication {
    const roundBytes = (this.received.get('push') ?? 0) + (this.sent.get('update') ?? 0);
    return {
      uplink_encoding: distributed.uplink.encoding,
      downlink_encoding: distributed.downlink.encoding,
      rounds: this.rounds,
      round_bytes: roundBytes,
      round_bytes_per_round: this.rounds > 0 ? Math.round(roundBytes / this.rounds) : 0,
      bytes_received: Object.fromEntries(this.received),
      bytes_sent: Object.fromEntries(this.sent),
    };
  }

  /** This shard's counts, as a follower reports them to the lead. */
  shardTraffic(shard: number): ShardTraffic {
    return { shard, rounds: this.rounds, bytesReceived: Object.fromEntries(this.received), bytesSent: Object.fromEntries(this.sent) };
  }
}

/** One shard's report from what it sent (the round traffic: its pushes in and updates out). */
export function shardCommunication(report: ShardTraffic): ShardCommunication {
  const received = { ...(report.bytesReceived ?? {}) };
  const sent = { ...(report.bytesSent ?? {}) };
  return { shard: report.shard ?? 0, rounds: report.rounds ?? 0, round_bytes: (received.push ?? 0) + (sent.update ?? 0), bytes_received: received, bytes_sent: sent };
}

/** The run's communication over K shards: the lead's report with every shard's traffic summed into it,
 *  and each shard apart. The rounds are the lead's: every shard steps in every round it closes. */
export function withShards(lead: Communication, followers: readonly ShardCommunication[]): Communication {
  const shards: ShardCommunication[] = [
    { shard: 0, rounds: lead.rounds, round_bytes: lead.round_bytes, bytes_received: lead.bytes_received, bytes_sent: lead.bytes_sent },
    ...[...followers].sort((a, b) => a.shard - b.shard),
  ];
  const sum = (pick: (s: ShardCommunication) => Record<string, number>) => {
    const total: Record<string, number> = {};
    for (const s of shards) for (const [kind, bytes] of Object.entries(pick(s))) total[kind] = (total[kind] ?? 0) + bytes;
    return total;
  };
  const roundBytes = shards.reduce((a, s) => a + s.round_bytes, 0);
  return {
    ...lead,
    round_bytes: roundBytes,
    round_bytes_per_round: lead.rounds > 0 ? Math.round(roundBytes / lead.rounds) : 0,
    bytes_received: sum((s) => s.bytes_received),
    bytes_sent: sum((s) => s.bytes_sent),
    shards,
  };
}
