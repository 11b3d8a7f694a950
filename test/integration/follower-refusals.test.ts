// A follower shard (coordinator/follower.ts, docs/shards.md) behind its WebSocket server on loopback,
// tried by raw clients built from the proto: hellos it must refuse (another model, a task the run does
// not have, a push before any hello), the lead's shard link (answered with a ShardStatus), a worker's
// hello (a welcome holding this shard's slices of W, named as the cut names them), a follower started
// with --resume, which holds no W until the lead's Restore, its rounds' times (on a test clock), and
// under a gradient method the dot products it reports with each push.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunConfig } from '../../config/schema.js';
import { weightedSum } from '../../coordinator/aggregation.js';
import { CheckpointStore } from '../../coordinator/checkpoints.js';
import { Coordinator } from '../../coordinator/coordinator.js';
import { Follower, type FollowerOptions } from '../../coordinator/follower.js';
import { CoordinatorMetrics } from '../../coordinator/metrics.js';
import { runContext } from '../../coordinator/run-context.js';
import { startServer } from '../../coordinator/server.js';
import { ShardCheckpoints, type ShardCheckpoint } from '../../coordinator/shard-checkpoints.js';
import { weightSlice } from '../../coordinator/weight-slice.js';
import { planShards, sliceLayout, sliceViews } from '../../model/shard-plan.js';
import { encode, ErrorCode, f32Tensor, f32Values, PROTOCOL_VERSION, type Decoded, type Messages } from '../../proto/codec.js';
import { counterValue, hello, RawClient } from '../support/raw-client.js';
import { SHARD_TEST_SIZES, shardTestConfig } from '../support/shard-fixtures.js';

const ADDRESSES = ['ws://127.0.0.1:1', 'ws://127.0.0.1:2'];

interface Run {
  config: RunConfig;
  follower: Follower;
  metrics: CoordinatorMetrics;
  port: number;
  lines: string[];
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function start(options: Partial<FollowerOptions> = {}, tokens?: { shared?: string; perTask?: Record<string, string> }, aggregation?: object): Promise<Run> {
  const config = shardTestConfig({ distributed: { keep_checkpoints: 2 }, aggregation }, 'follower refusals test');
  const lines: string[] = [];
  const log = (line: string) => void lines.push(line);
  const metrics = new CoordinatorMetrics(config.tasks.map((t) => t.name));
  const follower = new Follower(config, { shard: { index: 1, addresses: ADDRESSES }, log, metrics, ...options });
  const server = await startServer(follower, { host: '127.0.0.1', port: 0, metrics, log, tokens });
  cleanups.push(async () => {
    follower.stop(false);
    await server.close();
  });
  return { config, follower, metrics, port: server.port, lines };
}

async function connect(r: Run, token?: string): Promise<RawClient> {
  const c = await RawClient.open(r.port, token);
  cleanups.push(() => c.close());
  return c;
}

function fingerprintOf(config: RunConfig): string {
  return runContext(config, { log: () => undefined }).fingerprint;
}

const shardLinkHello = (modelFingerprint: string) => encode('hello', { protocolVersion: PROTOCOL_VERSION, modelFingerprint, workerId: 'lead', shardLink: true });

async function expectKind<K extends Decoded['kind']>(c: RawClient, kind: K): Promise<Messages[K]> {
  const msg = await c.next();
  expect(msg?.kind, `expected "${kind}", got ${msg ? `"${msg.kind}"` : 'the connection closed'}`).toBe(kind);
  return msg!.body as Messages[K];
}

const bits = (t: Float32Array) => Buffer.from(t.buffer, t.byteOffset, t.byteLength);

describe('a follower shard refuses', () => {
  it('a hello naming another model with FINGERPRINT, names its own, and closes the connection', async () => {
    const r = await start();
    const c = await connect(r);
    c.send(hello('a', { modelFingerprint: 'not-this-model' }));
    const err = await c.error();
    expect(err.code).toBe(ErrorCode.FINGERPRINT);
    expect(err.message).toContain(fingerprintOf(r.config));
    expect(err.message).toContain('"not-this-model"');
    expect((await c.closed).code).toBe(1008);
    expect(await counterValue(r.metrics.connectionsRejected, { reason: 'fingerprint' })).toBe(1);
  });

  it("a worker's first hello (no fingerprint yet: it must come through the lead) with FINGERPRINT", async () => {
    const r = await start();
    const c = await connect(r);
    c.send(hello('a'));
    expect((await c.error()).code).toBe(ErrorCode.FINGERPRINT);
    expect((await c.closed).code).toBe(1008);
  });

  it('a shard link naming another model with FINGERPRINT, and answers it no ShardStatus', async () => {
    const r = await start();
    const c = await connect(r);
    c.send(shardLinkHello('another'));
    expect((await c.error()).code).toBe(ErrorCode.FINGERPRINT);
    expect(await c.next()).toBeNull();
  });

  it('a task the run does not have with UNKNOWN_TASK, naming the tasks it has', async () => {
    const r = await start();
    const c = await connect(r);
    c.send(hello('z', { modelFingerprint: fingerprintOf(r.config) }));
    const err = await c.error();
    expect(err.code).toBe(ErrorCode.UNKNOWN_TASK);
    expect(err.message).toBe('no task "z" in this run; tasks: a, b');
    expect((await c.closed).code).toBe(1008);
    expect(await counterValue(r.metrics.connectionsRejected, { reason: 'unknown_task' })).toBe(1);
  });

  it('a push before hello with NOT_JOINED, and closes the connection', async () => {
    const r = await start();
    const c = await connect(r);
    // A well-formed push of this shard's slices: only the missing hello is wrong with it.
    const layout = sliceLayout(runContext(r.config, { log: () => undefined }).spec.shared, planShards([...SHARD_TEST_SIZES], 2).slices[1]);
    const gradient = layout.map((t) => f32Tensor(t.name, t.shape, new Float32Array(t.shape.reduce((a, d) => a * d, 1))));
    c.send(encode('push', { task: 'a', baseVersion: 0, gradient, loss: 1, samples: 32 }));
    const err = await c.error();
    expect(err.code).toBe(ErrorCode.NOT_JOINED);
    expect(err.message).toBe('"push" before hello');
    expect((await c.closed).code).toBe(1008);
    expect(await counterValue(r.metrics.connectionsRejected, { reason: 'not_joined' })).toBe(1);
  });

  it("a shard link opened with a task's token, and a worker whose token is another task's, with UNAUTHORIZED", async () => {
    const r = await start({}, { shared: 'run-token', perTask: { a: 'token-a', b: 'token-b' } });
    const fingerprint = fingerprintOf(r.config);
    const link = await connect(r, 'token-a');
    link.send(shardLinkHello(fingerprint));
    const err = await link.error();
    expect(err.code).toBe(ErrorCode.UNAUTHORIZED);
    expect(err.message).toMatch(/shard link needs the run's shared token/);
    expect((await link.closed).code).toBe(1008);

    const worker = await connect(r, 'token-a');
    worker.send(hello('b', { modelFingerprint: fingerprint }));
    expect((await worker.error()).code).toBe(ErrorCode.UNAUTHORIZED);

    // With the shared token, the same shard link is taken.
    const lead = await connect(r, 'run-token');
    lead.send(shardLinkHello(fingerprint));
    expect((await expectKind(lead, 'shardStatus')).shard).toBe(1);
  });
});

describe('a follower shard answers', () => {
  it("the lead's shard link with a ShardStatus: shard 1 of 2, its model, version 0 and checkpoints [0]; the link stays open", async () => {
    const r = await start();
    const c = await connect(r);
    c.send(shardLinkHello(fingerprintOf(r.config)));
    const status = await expectKind(c, 'shardStatus');
    expect(status.shard).toBe(1);
    expect(status.shards).toBe(2);
    expect(status.modelFingerprint).toBe(fingerprintOf(r.config));
    expect(Number(status.version)).toBe(0);
    expect((status.checkpoints ?? []).map(Number)).toEqual([0]);
    expect(await c.stillOpen()).toBe(true);
  });

  it("a worker's hello with a welcome of its slices of W: named as sliceLayout names them, the initial W's values, version 0", async () => {
    const r = await start();
    const c = await connect(r);
    const fingerprint = fingerprintOf(r.config);
    c.send(hello('a', { modelFingerprint: fingerprint }));
    const welcome = await expectKind(c, 'welcome');
    expect(welcome.protocolVersion).toBe(PROTOCOL_VERSION);
    expect(welcome.modelFingerprint).toBe(fingerprint);
    expect(Number(welcome.version)).toBe(0);
    expect(welcome.sharedFollows).toBe(false);

    const spec = runContext(r.config, { log: () => undefined }).spec;
    const plan = planShards([...SHARD_TEST_SIZES], 2);
    const layout = sliceLayout(spec.shared, plan.slices[1]);
    const shared = welcome.shared ?? [];
    expect(shared.map((t) => ({ name: t.name, shape: (t.shape ?? []).map(Number) }))).toEqual(layout);
    // The cut falls inside the first tensor: its second half, then the three whole tensors.
    expect(shared[0].name).toBe(`${spec.shared[0].name}[3072:4096]`);
    expect(shared.slice(1).map((t) => t.name)).toEqual(spec.shared.slice(1).map((t) => t.name));

    // The values are the entries one coordinator starts W with, at the shard's slices.
    const one = new Coordinator(r.config, { log: () => undefined });
    cleanups.push(() => one.stop(false));
    const expected = sliceViews(one.sharedTensors as Float32Array[], plan.slices[1]);
    shared.forEach((t, i) => expect(bits(f32Values(t, layout[i].shape)).equals(bits(expected[i])), t.name ?? '').toBe(true));
    expect(await c.stillOpen()).toBe(true);
  });
});

describe('a follower shard started with --resume', () => {
  it('refuses a worker with TRAINING_OVER until the lead restores a version, and tells the shard link it holds none (-1)', async () => {
    const r = await start({ resume: true });
    expect(r.follower.ready).toBe(false);
    expect(r.follower.version).toBe(-1);
    const fingerprint = fingerprintOf(r.config);

    const worker = await connect(r);
    worker.send(hello('a', { modelFingerprint: fingerprint }));
    const err = await worker.error();
    expect(err.code).toBe(ErrorCode.TRAINING_OVER);
    expect(err.message).toMatch(/holds no W yet/);
    // Not joined: the connection closes after the reply.
    await worker.closed;

    const lead = await connect(r);
    lead.send(shardLinkHello(fingerprint));
    const status = await expectKind(lead, 'shardStatus');
    expect(Number(status.version)).toBe(-1);
    expect((status.checkpoints ?? []).map(Number)).toEqual([0]);
    expect(status.shard).toBe(1);
  });

  it("lists its checkpoints' versions, and on the lead's Restore goes on from that checkpoint's slices", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hybrid-follower-'));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const store = () => new CheckpointStore<ShardCheckpoint>({ dir, keep: 2, warn: () => undefined });
    // What this shard saved before it stopped: its slices at version 2, moved off their start.
    const config = shardTestConfig({ distributed: { keep_checkpoints: 2 } }, 'follower refusals test');
    const before = runContext(config, { log: () => undefined, shard: { index: 1, addresses: ADDRESSES } });
    const { shared } = weightSlice(before, weightedSum);
    shared.tensors.forEach((t, i) => t.forEach((_, j) => (t[j] = i + j / 1e4)));
    expect(new ShardCheckpoints(before, store()).save(2, shared)).toBe(true);

    const r = await start({ resume: true, checkpoints: store() });
    const fingerprint = fingerprintOf(r.config);
    const lead = await connect(r);
    lead.send(shardLinkHello(fingerprint));
    const status = await expectKind(lead, 'shardStatus');
    expect(Number(status.version)).toBe(-1);
    expect((status.checkpoints ?? []).map(Number)).toEqual([0, 2]);

    lead.send(encode('restore', { version: 2 }));
    const restored = await expectKind(lead, 'shardStatus');
    expect(Number(restored.version)).toBe(2);
    expect(r.follower.version).toBe(2);

    const worker = await connect(r);
    worker.send(hello('b', { modelFingerprint: fingerprint }));
    const welcome = await expectKind(worker, 'welcome');
    expect(Number(welcome.version)).toBe(2);
    (welcome.shared ?? []).forEach((t, i) => expect(bits(f32Values(t)).equals(bits(shared.tensors[i])), t.name ?? '').toBe(true));
  });
});

describe('a follower shard times its rounds', () => {
  it('from the version it came to the step that closes the round, as the lead times them', async () => {
    let clock = 0;
    const r = await start({ now: () => clock });
    const fingerprint = fingerprintOf(r.config);
    const lead = await connect(r);
    lead.send(shardLinkHello(fingerprint));
    await expectKind(lead, 'shardStatus');
    const worker = await connect(r);
    worker.send(hello('a', { modelFingerprint: fingerprint }));
    await expectKind(worker, 'welcome');
    const layout = sliceLayout(runContext(r.config, { log: () => undefined }).spec.shared, planShards([...SHARD_TEST_SIZES], 2).slices[1]);
    const gradient = layout.map((t) => f32Tensor(t.name, t.shape, new Float32Array(t.shape.reduce((a, d) => a * d, 1)).fill(0.01)));
    // Round v: task a's push arrives, the lead closes the round 1.25 s (then 2.5 s) after the shard's last version.
    for (const [version, at] of [
      [0, 1250],
      [1, 3750],
    ]) {
      worker.send(encode('push', { task: 'a', baseVersion: version, gradient, loss: 1, samples: 32 }));
      expect(Number((await expectKind(lead, 'pushArrived')).baseVersion)).toBe(version);
      clock = at;
      const stepped = new Promise<void>((resolve) => r.follower.on('round', (v) => v === version + 1 && resolve()));
      lead.send(encode('roundClose', { version, terms: [{ task: 'a', baseVersion: version, coefficient: 1 }], lrScale: 1 }));
      await stepped;
      expect(Number((await expectKind(worker, 'update')).version)).toBe(version + 1);
    }
    const { values } = await r.metrics.roundDuration.get();
    expect(values.find((v) => v.metricName === 'hybrid_round_duration_seconds_count')?.value).toBe(2);
    expect(values.find((v) => v.metricName === 'hybrid_round_duration_seconds_sum')?.value).toBeCloseTo(3.75, 9);
  });
});

describe('a follower shard under a multi-task gradient method', () => {
  it("reports each push's dot products with itself and the pushes it held before, and again, in order, on the lead's next link", async () => {
    const r = await start({}, undefined, { method: 'pcgrad' });
    const fingerprint = fingerprintOf(r.config);
    const linkUp = async () => {
      const lead = await connect(r);
      lead.send(shardLinkHello(fingerprint));
      await expectKind(lead, 'shardStatus');
      return lead;
    };
    const layout = sliceLayout(runContext(r.config, { log: () => undefined }).spec.shared, planShards([...SHARD_TEST_SIZES], 2).slices[1]);
    const values = (fill: number) => layout.map((t) => new Float32Array(t.shape.reduce((a, d) => a * d, 1)).fill(fill));
    const a = values(0.5);
    const b = values(-0.25);
    const entries = a.reduce((n, t) => n + t.length, 0);
    const pairs = (arrived: Messages['pushArrived']) => (arrived.dots ?? []).map((d) => [d.task, Number(d.baseVersion), d.value]);
    let lead = await linkUp();
    for (const [task, gradient] of [
      ['a', a],
      ['b', b],
    ] as const) {
      const worker = await connect(r);
      worker.send(hello(task, { modelFingerprint: fingerprint }));
      await expectKind(worker, 'welcome');
      worker.send(encode('push', { task, baseVersion: 0, gradient: layout.map((t, i) => f32Tensor(t.name, t.shape, gradient[i])), loss: 1, samples: 32 }));
    }
    expect(pairs(await expectKind(lead, 'pushArrived'))).toEqual([['a', 0, 0.25 * entries]]);
    expect(pairs(await expectKind(lead, 'pushArrived'))).toEqual([
      ['b', 0, 0.0625 * entries],
      ['a', 0, -0.125 * entries],
    ]);
    // The lead forgets a follower's reports with its link; the next link hears them all again, each pair once.
    lead.close();
    lead = await linkUp();
    expect(pairs(await expectKind(lead, 'pushArrived'))).toEqual([['a', 0, 0.25 * entries]]);
    expect(pairs(await expectKind(lead, 'pushArrived'))).toEqual([
      ['b', 0, 0.0625 * entries],
      ['a', 0, -0.125 * entries],
    ]);
  });
});
