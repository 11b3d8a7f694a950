// The run's communication over shards (coordinator/traffic.ts): a follower's report as it sends it to the
// lead (through the wire codec), and the lead's report with every shard's traffic summed in and each
// shard kept apart.
import { describe, expect, it } from 'vitest';
import { shardCommunication, Traffic, withShards } from '../../coordinator/traffic.js';
import { decode, encode } from '../../proto/codec.js';
import { syntheticRunConfig } from '../support/synthetic-run.js';

const distributed = syntheticRunConfig({ tasks: 2, steps: 4, distributed: { uplink: { encoding: 'topk' } } }, 'traffic test').distributed;

function traffic(pushes: number[], updates: number[], extra: Record<string, number> = {}): Traffic {
  const t = new Traffic(undefined);
  for (const b of pushes) t.messageIn('push', b);
  for (const b of updates) t.messageOut('update', b);
  for (const [kind, b] of Object.entries(extra)) t.messageIn(kind as 'hello', b);
  for (let i = 0; i < updates.length; i++) t.roundClosed();
  return t;
}

describe('shard traffic', () => {
  it("a follower's counts survive the wire and give its round bytes", () => {
    const frame = encode('shardTraffic', traffic([100, 120], [50, 70], { roundClose: 33 }).shardTraffic(2));
    const msg = decode(frame);
    if (msg.kind !== 'shardTraffic') throw new Error(`decoded as ${msg.kind}`);
    expect(shardCommunication(msg.body)).toEqual({ shard: 2, rounds: 2, round_bytes: 340, bytes_received: { push: 220, roundClose: 33 }, bytes_sent: { update: 120 } });
  });

  it("sums every shard's traffic into the lead's report, keeps each apart, and counts the rounds once", () => {
    const lead = traffic([1000, 1000, 1000], [400, 400, 400]).communication(distributed);
    const one = shardCommunication(traffic([500, 500], [200, 200, 200], { roundClose: 90 }).shardTraffic(1));
    const two = shardCommunication(traffic([300], [100, 100, 100]).shardTraffic(2));
    const all = withShards(lead, [two, one]);
    expect(all.shards?.map((s) => [s.shard, s.round_bytes])).toEqual([
      [0, 4200],
      [1, 1600],
      [2, 600],
    ]);
    expect(all.round_bytes).toBe(6400);
    expect(all.rounds).toBe(3);
    expect(all.round_bytes_per_round).toBe(2133);
    expect(all.bytes_received).toEqual({ push: 4300, roundClose: 90 });
    expect(all.bytes_sent).toEqual({ update: 2100 });
    expect([all.uplink_encoding, all.downlink_encoding]).toEqual(['topk', 'f32']);
    // The lead's own report is left as it was.
    expect(lead.round_bytes).toBe(4200);
    expect(lead.shards).toBeUndefined();
  });
});
