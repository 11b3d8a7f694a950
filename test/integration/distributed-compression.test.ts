// Compressed links (config distributed.uplink / .downlink): gradients go up as TOPK with error feedback,
// W comes down as TOPK deltas against the copy every worker holds. A real coordinator and real workers
// over WebSockets: the run completes, every worker's copy of W equals the coordinator's mirror bit for
// bit, and the pushes are far smaller than F32 ones. Bad TOPK payloads in a push are refused.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { Counter } from 'prom-client';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunConfig } from '../../config/schema.js';
import { Coordinator, type Peer } from '../../coordinator/coordinator.js';
import { CoordinatorMetrics } from '../../coordinator/metrics.js';
import { startServer } from '../../coordinator/server.js';
import { initTensors } from '../../model/spec.js';
import { decode, encode, Encoding, ErrorCode, PROTOCOL_VERSION, type Decoded, type TensorMessage } from '../../proto/codec.js';
import { encodeValues } from '../../compression/encodings/index.js';
import { topkIndexPastEnd } from '../support/encodings.js';
import { syntheticRunConfig } from '../support/synthetic-run.js';
import { Worker } from '../../worker/worker.js';

const quiet = () => {};
const STEPS = 30;

function config(distributed: object, tasks = 3, optimizer?: object): RunConfig {
  return syntheticRunConfig({ tasks, steps: STEPS, distributed, optimizer }, 'compression test');
}

const COMPRESSED = {
  uplink: { encoding: 'topk', topk_fraction: 0.01, error_feedback: true },
  // 7: the run ends on deltas (29, 30) after a full W at 28, so the mirror is not simply W.
  downlink: { encoding: 'topk', topk_fraction: 0.05, dense_every: 7 },
};

interface Run {
  coordinator: Coordinator;
  workers: Worker[];
  pushBytes: number;
  pushes: number;
}

async function run(cfg: RunConfig): Promise<Run> {
  const coordinator = new Coordinator(cfg, { log: quiet });
  const r: Run = { coordinator, workers: [], pushBytes: 0, pushes: 0 };
  // Count the push frames as they arrive (task states and heartbeats are not what the uplink compresses).
  const receive = coordinator.receive.bind(coordinator);
  coordinator.receive = (peer, frame) => {
    if (decode(frame).kind === 'push') {
      r.pushBytes += frame.byteLength;
      r.pushes++;
    }
    receive(peer, frame);
  };
  const server = await startServer(coordinator, { host: '127.0.0.1', port: 0, log: quiet });
  const done = new Promise((resolve) => coordinator.once('done', resolve));
  // A worker logs when it cannot apply an update (and then rejoins): that must never happen here.
  const trouble: string[] = [];
  const log = (line: string) => {
    if (/ignoring|reconnecting|says/.test(line)) trouble.push(line);
  };
  r.workers = cfg.tasks.map((t) => new Worker({ url: `ws://127.0.0.1:${server.port}`, task: t.name, log }));
  const outcomes = await Promise.all(r.workers.map((w) => w.run()));
  await done;
  coordinator.stop(false);
  await server.close();
  expect(outcomes.map((o) => o.evaluation !== null)).toEqual(cfg.tasks.map(() => true));
  expect(trouble.filter((l) => !/says bye/.test(l))).toEqual([]);
  return r;
}

const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('config', () => {
  it('defaults to F32 both ways and parses the compressed options', () => {
    const d = config({}).distributed;
    expect(d.uplink).toEqual({ encoding: 'f32', topk_fraction: 0.01, topk_values: 'f32', error_feedback: true, warmup_rounds: 0, momentum_correction: 0, variance_correction: true });
    expect(d.downlink).toEqual({ encoding: 'f32', topk_fraction: 0.01, topk_values: 'f32', dense_every: 50 });
    expect(config(COMPRESSED).distributed.downlink.dense_every).toBe(7);
    expect(() => config({ uplink: { encoding: 'zip' } })).toThrow();
    expect(() => config({ downlink: { topk_fraction: 0 } })).toThrow();
    expect(() => config({ uplink: { topk_values: 'f8' } })).toThrow();
    // Momentum correction is the momentum: the coordinator's Adam (this config's) would add a second.
    expect(() => config({ uplink: { encoding: 'topk', momentum_correction: 0.9 } })).toThrow(/momentum_correction: needs train.optimizer/);
  });
});

describe('compressed uplink (TOPK 1% + error feedback) and downlink (TOPK deltas)', () => {
  it('completes, keeps every worker copy equal to the mirror, and pushes >= 20x fewer bytes', async () => {
    const compressed = await run(config(COMPRESSED));
    const { coordinator } = compressed;
    expect(coordinator.version).toBe(STEPS);

    // W trained away from its initialisation, and the mirror (ending on deltas) is not W itself.
    const init = initTensors(coordinator.spec.shared, 5, 'shared');
    expect(Math.max(...Array.from(coordinator.sharedTensors[0], (x, j) => Math.abs(x - init[0][j])))).toBeGreaterThan(1e-3);
    const mirror = coordinator.mirrorTensors;
    expect(mirror.some((m, i) => !bits(m).equals(bits(coordinator.sharedTensors[i])))).toBe(true);

    for (const w of compressed.workers) {
      const copy = w.sharedCopy!;
      expect(copy.version).toBe(STEPS);
      copy.tensors.forEach((t, i) => expect(bits(t).equals(bits(mirror[i])), `tensor ${i}`).toBe(true));
    }

    const dense = await run(config({}));
    // F32 downlink: the mirror is W, and so is every worker's copy.
    dense.coordinator.mirrorTensors.forEach((m, i) => expect(bits(m).equals(bits(dense.coordinator.sharedTensors[i]))).toBe(true));
    // Every round had a push from at least one task (the first rounds may close before all have joined).
    expect(compressed.pushes).toBeGreaterThanOrEqual(STEPS);
    expect(dense.pushes).toBeGreaterThanOrEqual(STEPS);
    const ratio = dense.pushBytes / dense.pushes / (compressed.pushBytes / compressed.pushes);
    expect(ratio, `bytes per push: f32 ${dense.pushBytes / dense.pushes}, compressed ${compressed.pushBytes / compressed.pushes}`).toBeGreaterThanOrEqual(20);
  }, 120_000);
});

describe('momentum correction', () => {
  it("trains with TOPK pushes of the workers' velocity, the coordinator stepping plain SGD", async () => {
    const cfg = config({ uplink: { encoding: 'topk', topk_fraction: 0.05, momentum_correction: 0.9 } }, 2, { type: 'sgd', lr: 0.05, momentum: 0 });
    const { coordinator, workers } = await run(cfg);
    expect(coordinator.version).toBe(STEPS);
    const init = initTensors(coordinator.spec.shared, 5, 'shared');
    expect(Math.max(...Array.from(coordinator.sharedTensors[0], (x, j) => Math.abs(x - init[0][j])))).toBeGreaterThan(1e-3);
    for (const w of workers) w.sharedCopy!.tensors.forEach((t, i) => expect(bits(t).equals(bits(coordinator.sharedTensors[i]))).toBe(true));
  }, 60_000);
});

describe('bad TOPK payloads in a push', () => {
  /** A joined in-process peer of task a on a one-task coordinator; keeps the replies. */
  function joined() {
    const metrics = new CoordinatorMetrics(['a']);
    const coordinator = new Coordinator(config(COMPRESSED, 1), { log: quiet, metrics });
    const replies: Decoded[] = [];
    const peer: Peer = { send: (frame) => replies.push(decode(frame)), close: () => {} };
    coordinator.attach(peer);
    coordinator.receive(peer, encode('hello', { protocolVersion: PROTOCOL_VERSION, task: 'a', modelFingerprint: '', workerId: 'w', encodings: [Encoding.ENCODING_TOPK] }));
    expect(replies.shift()?.kind).toBe('welcome');
    return { coordinator, metrics, peer, replies };
  }

  /** A valid TOPK gradient, with `corrupt` applied to tensor 0's payload. */
  function push(coordinator: Coordinator, corrupt: (payload: Uint8Array, count: number) => Uint8Array = (p) => p) {
    const gradient: TensorMessage[] = coordinator.spec.shared.map((t, i) => {
      const values = Float32Array.from({ length: t.size }, (_, j) => 0.01 * Math.sin(1 + j + i));
      const payload = encodeValues(values, 'topk', { topkFraction: 0.01 });
      return { name: t.name, shape: [...t.shape], encoding: Encoding.ENCODING_TOPK, data: i === 0 ? corrupt(payload, t.size) : payload };
    });
    return encode('push', { task: 'a', baseVersion: 0, gradient, loss: 1, samples: 32 });
  }

  async function malformedCount(counter: Counter<string>): Promise<number> {
    return (await counter.get()).values.find((v) => v.labels.reason === 'malformed')?.value ?? 0;
  }

  const corruptions: Record<string, (payload: Uint8Array, count: number) => Uint8Array> = {
    // The last varint byte cut off: the index list ends early.
    'a truncated TOPK payload': (p) => p.subarray(0, p.length - 1),
    // k = 1, one value, and its index equal to the entry count.
    'an out-of-range TOPK index': (_p, count) => topkIndexPastEnd(count),
  };

  for (const [what, corrupt] of Object.entries(corruptions)) {
    it(`refuses ${what} with MALFORMED and a counter, leaving W and the round as they were`, async () => {
      const { coordinator, metrics, peer, replies } = joined();
      const before = coordinator.sharedTensors.map((t) => t.slice());
      const count = await malformedCount(metrics.connectionsRejected);
      coordinator.receive(peer, push(coordinator, corrupt));
      const reply = replies.shift();
      expect(reply?.kind).toBe('error');
      expect(reply?.kind === 'error' && ErrorCode[reply.body.code ?? 0]).toBe('MALFORMED');
      expect(reply?.kind === 'error' && reply.body.message).toMatch(/TOPK/);
      expect(await malformedCount(metrics.connectionsRejected)).toBe(count + 1);
      expect(coordinator.version).toBe(0);
      coordinator.sharedTensors.forEach((t, i) => expect(bits(t).equals(bits(before[i]))).toBe(true));
      // The refused push took no place in the round: the valid one closes it.
      coordinator.receive(peer, push(coordinator));
      expect(coordinator.version).toBe(1);
      expect(replies.shift()?.kind).toBe('update');
      expect(coordinator.sharedTensors.some((t, i) => !bits(t).equals(bits(before[i])))).toBe(true);
      coordinator.stop(false);
    });
  }
});
