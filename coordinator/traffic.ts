// What the coordinator moved over the wire: every frame's bytes into the byte counters, and by message
// kind for the run's communication report (the traffic the encodings act on: pushes in, updates out).
import type { RunConfig } from '../config/schema.js';
import type { Communication } from '../model/run-output.js';
import type { MessageKind } from '../proto/codec.js';
import type { CoordinatorMetrics } from './metrics.js';

export class Traffic {
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
}
