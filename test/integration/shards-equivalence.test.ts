// W over K coordinator shards (docs/shards.md) computes what one coordinator computes: sync rounds,
// the same seeds, K = 1, 2 and 3 over real WebSockets on loopback. Each entry of W is stepped by the
// same arithmetic whichever shard holds it, so F32 runs agree (the floor is 1e-5 relative), the
// multi-task gradient methods too (their Gram matrix summed over the shards); under a lossy downlink
// every worker's copy equals, bit for bit, the mirrors the shards keep of it.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../config/load.js';
import { planShards } from '../../model/shard-plan.js';
import { runSharded } from '../support/sharded-run.js';

function config(distributed: object = {}, aggregation: object = { method: 'weighted_sum' }) {
  return parseRunConfig(
    {
      seed: 5,
      model: { arch: 'mlp', hidden: [64, 32] },
      tasks: [
        { name: 'a', dataset: { source: 'synthetic', features: 64, classes: 5, train: 256, test: 64, task_seed: 1 } },
        { name: 'b', dataset: { source: 'synthetic', features: 64, classes: 3, train: 256, test: 64, task_seed: 2 }, weight: 0.5 },
      ],
      train: { steps: 12, batch_size: 32, optimizer: { type: 'adam', lr: 0.01 } },
      sparsity: { rho: 0.05, warmup: 0.25, prune_end: 0.6, prune_every: 3 },
      distributed: { round_timeout_seconds: 60, report_every: 5, ...distributed },
      aggregation,
    },
    'shards equivalence test',
  );
}

function worstRelative(a: readonly Float32Array[], b: readonly Float32Array[]): number {
  let worst = 0;
  a.forEach((w, i) => {
    let scale = 0;
    for (const x of w) scale = Math.max(scale, Math.abs(x));
    w.forEach((x, j) => (worst = Math.max(worst, Math.abs(x - b[i][j]) / scale)));
  });
  return worst;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('W over K coordinator shards', () => {
  it('the test model is cut inside its tensors for K = 2 and 3', () => {
    const sizes = [64 * 64, 64, 64 * 32, 32];
    expect(planShards(sizes, 2).bounds).toEqual([0, 3072, 6240]);
    expect(planShards(sizes, 3).slices.map((s) => s.length)).toEqual([1, 1, 3]);
  });

  it('K = 2 and K = 3 compute the W of one coordinator (F32, Adam, 12 rounds)', async () => {
    const cfg = config();
    const one = await runSharded(cfg, 1);
    expect(one.result).not.toBeNull();
    for (const k of [2, 3]) {
      const run = await runSharded(cfg, k);
      expect(run.result, `K = ${k} writes its result`).not.toBeNull();
      expect(run.outcomes.every((o) => o.evaluation !== null)).toBe(true);
      expect(worstRelative(run.shared, one.shared), `K = ${k}`).toBeLessThanOrEqual(1e-5);
      // Every worker trained against the same W as the shards hold.
      for (const copy of run.workerCopies) expect(worstRelative(copy, run.shared)).toBe(0);
      // The results count every shard's traffic, each apart and summed; the pushes are cut, not repeated.
      const comm = run.result!.communication!;
      expect(comm.shards?.map((s) => s.shard)).toEqual(Array.from({ length: k }, (_, i) => i));
      for (const s of comm.shards!) {
        expect(s.rounds, `shard ${s.shard}`).toBe(12);
        expect(s.bytes_received.push, `shard ${s.shard}`).toBeGreaterThan(0);
        expect(s.bytes_sent.update, `shard ${s.shard}`).toBeGreaterThan(0);
      }
      expect(comm.round_bytes).toBe(comm.shards!.reduce((a, s) => a + s.round_bytes, 0));
      expect(comm.bytes_received.push).toBe(comm.shards!.reduce((a, s) => a + s.bytes_received.push, 0));
      const pushRatio = comm.bytes_received.push / one.result!.communication!.bytes_received.push;
      expect(pushRatio, `K = ${k}: push bytes over K = 1's`).toBeGreaterThanOrEqual(1);
      expect(pushRatio, `K = ${k}: push bytes over K = 1's`).toBeLessThan(1.1);
    }
    expect(one.result!.communication!.shards).toBeUndefined();
  });

  it("with each multi-task gradient method the W of one coordinator: the lead adds the followers' dot products to its own", async () => {
    for (const method of ['pcgrad', 'cagrad', 'mgda', 'imtl_g', 'nash_mtl']) {
      const cfg = config({}, { method });
      const one = await runSharded(cfg, 1);
      const two = await runSharded(cfg, 2);
      expect(two.result, method).not.toBeNull();
      expect(worstRelative(two.shared, one.shared), `${method}, K = 2`).toBeLessThanOrEqual(1e-5);
      // The method changed the combination (it is not the plain sum under another name).
      expect(worstRelative(two.shared, (await runSharded(config(), 1)).shared), method).toBeGreaterThan(1e-4);
    }
    // Sparse pushes (TOPK uplink) over three shards: each shard selects its own top entries, so W is
    // not K = 1's; every round still finds every pair's dot products from every follower.
    const topk = await runSharded(config({ uplink: { encoding: 'topk', topk_fraction: 0.1 } }, { method: 'pcgrad' }), 3);
    expect(topk.result).not.toBeNull();
    expect(topk.result!.communication!.rounds).toBe(12);
    expect(topk.outcomes.every((o) => o.evaluation !== null)).toBe(true);
  });

  it("under a lossy downlink (TOPK deltas) every worker holds the shards' mirrors bit for bit", async () => {
    const cfg = config({ downlink: { encoding: 'topk', topk_fraction: 0.05, dense_every: 5 } });
    const run = await runSharded(cfg, 3);
    expect(run.result).not.toBeNull();
    for (const copy of run.workerCopies)
      copy.forEach((t, i) =>
        expect(Buffer.from(t.buffer, t.byteOffset, t.byteLength).equals(Buffer.from(run.mirrors[i].buffer, run.mirrors[i].byteOffset, run.mirrors[i].byteLength))).toBe(true),
      );
    // The mirror lags W (the delta is lossy), so the test is not W against W.
    expect(worstRelative(run.mirrors, run.shared)).toBeGreaterThan(0);
  });
});
