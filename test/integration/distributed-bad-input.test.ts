// docs/architecture.md section 5, bad input: a real coordinator behind its WebSocket server receives every kind of
// bad input from raw clients while a real worker trains alongside. Each is refused with the right Error
// code (the connection closed where the code is fatal) and counter, W and the version stay as they were,
// and the run ends with exactly the W of the same run without bad input.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunConfig } from '../../config/schema.js';
import { Coordinator } from '../../coordinator/coordinator.js';
import { CoordinatorMetrics } from '../../coordinator/metrics.js';
import { startServer, type RunningServer } from '../../coordinator/server.js';
import { headSpec, type ModelSpec } from '../../model/spec.js';
import { encode, ErrorCode, f32Tensor, PROTOCOL_VERSION, type GradientPush, type TensorMessage } from '../../proto/codec.js';
import { counterTotal, counterValue, hello, RawClient } from '../support/raw-client.js';
import { twoTaskRunConfig } from '../support/synthetic-run.js';
import { toTaskStateMessage } from '../../worker/task-state.js';
import { Worker, type WorkerOutcome } from '../../worker/worker.js';

const quiet = () => {};
const TOKENS = { a: 'token-for-a', b: 'token-for-b' };
/** The version at which the scripted worker holds its push back and the bad input arrives. */
const HOLD = 4;
const B_CLASSES = 3;

function runConfig(): RunConfig {
  return twoTaskRunConfig(
    { seed: 3, bClasses: B_CLASSES, samples: { train: 256, test: 64 }, distributed: { round_timeout_seconds: 120, report_every: 3, heartbeat_seconds: 2 } },
    'bad-input test',
  );
}

/** The scripted worker's gradient for a version: fixed, small, different per version and entry. */
function scriptedGradient(spec: ModelSpec, version: number): TensorMessage[] {
  return spec.shared.map((t, i) =>
    f32Tensor(
      t.name,
      t.shape,
      Float32Array.from({ length: t.size }, (_, j) => 0.01 * Math.sin(1 + version * 7 + i * 13 + j)),
    ),
  );
}

function scriptedPush(spec: ModelSpec, version: number, change: (push: GradientPush) => void = () => {}): Uint8Array {
  const push: GradientPush = { task: 'b', baseVersion: version, gradient: scriptedGradient(spec, version), loss: 1, samples: 16 };
  change(push);
  return encode('push', push);
}

interface Run {
  coordinator: Coordinator;
  metrics: CoordinatorMetrics;
  server: RunningServer;
  config: RunConfig;
}

type Hook = (run: Run, b: RawClient) => Promise<void>;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/**
 * One run: task a trained by a real Worker, task b by a scripted raw client that pushes a fixed gradient
 * each round and a head-only final state. At version HOLD the scripted client runs `hook` before its
 * push: the round cannot close meanwhile, so W and the version must stay put whatever the hook sends.
 */
async function run(hook?: Hook): Promise<{ shared: Float32Array[]; outcome: WorkerOutcome; run: Run }> {
  const config = runConfig();
  const metrics = new CoordinatorMetrics(config.tasks.map((t) => t.name));
  const coordinator = new Coordinator(config, { log: quiet, metrics, finalStateTimeoutMs: 10_000 });
  const server = await startServer(coordinator, { host: '127.0.0.1', port: 0, tokens: { perTask: TOKENS }, metrics, log: quiet });
  const r: Run = { coordinator, metrics, server, config };
  cleanups.push(async () => {
    coordinator.stop(false);
    await server.close();
  });
  const done = new Promise<void>((resolve) => coordinator.once('done', () => resolve()));
  const worker = new Worker({ url: `ws://127.0.0.1:${server.port}`, task: 'a', token: TOKENS.a, log: quiet });
  cleanups.push(() => worker.stop());
  const outcome = worker.run();

  const b = await RawClient.open(server.port, TOKENS.b);
  cleanups.push(() => b.close());
  const spec = coordinator.spec;
  b.send(hello('b', { workerId: 'scripted-b' }));
  let pushed = -1;
  for (;;) {
    const msg = await b.next(20_000);
    if (msg === null) throw new Error("the coordinator closed the scripted worker's connection");
    if (msg.kind === 'bye') break;
    if (msg.kind === 'update' && msg.body.done) {
      // A whole state of zeros (S_t, head, Adam's two slots for each), as a worker's exporter writes it.
      const zeros = (tensors: readonly { size: number }[]) => tensors.map((t) => new Float32Array(t.size));
      const heads = headSpec(spec, B_CLASSES);
      const adam = (tensors: readonly { size: number }[]) => ({ type: 'adam' as const, step: 0, slots: [zeros(tensors), zeros(tensors)] });
      const state = {
        step: config.train.steps,
        sparse: zeros(spec.shared),
        support: null,
        head: zeros(heads),
        headOptimizer: adam(heads),
        sparseOptimizer: adam(spec.shared),
        stats: [],
        sampler: null,
      };
      b.send(encode('taskState', toTaskStateMessage('b', spec, B_CLASSES, state, { evaluation: { accuracy: 0, loss: 1, samples: 1 }, final: true })));
      b.send(encode('bye', { reason: 'done' }));
      continue;
    }
    if (msg.kind !== 'welcome' && msg.kind !== 'update') throw new Error(`the scripted worker got an unexpected "${msg.kind}": ${JSON.stringify(msg.body)}`);
    const version = Number(msg.body.version ?? 0);
    if (version <= pushed || version >= config.train.steps) continue;
    pushed = version;
    if (version === HOLD && hook) await hook(r, b);
    b.send(scriptedPush(spec, version));
  }
  await done;
  return { shared: coordinator.sharedTensors.map((t) => t.slice()), outcome: await outcome, run: r };
}

interface Expectation {
  /** Which counter must go up by one, and with which reason; every other reason must stay put. */
  counter: 'pushes' | 'connections';
  reason: string;
}

/** Runs `action`, then checks that exactly the expected counter moved (by one) and W and the version did not. */
async function refused(r: Run, expectation: Expectation, action: () => Promise<void>): Promise<void> {
  const { coordinator, metrics } = r;
  const counter = expectation.counter === 'pushes' ? metrics.pushesRejected : metrics.connectionsRejected;
  const other = expectation.counter === 'pushes' ? metrics.connectionsRejected : metrics.pushesRejected;
  const states = metrics.taskStatesRejected;
  const before = {
    version: coordinator.version,
    shared: coordinator.sharedTensors.map((t) => t.slice()),
    count: await counterValue(counter, { reason: expectation.reason }),
    total: await counterTotal(counter),
    other: await counterTotal(other),
    states: await counterTotal(states),
  };
  await action();
  expect(coordinator.version, 'version').toBe(before.version);
  coordinator.sharedTensors.forEach((t, i) => expect(Buffer.from(t.buffer, t.byteOffset, t.byteLength).equals(Buffer.from(before.shared[i].buffer)), `W tensor ${i}`).toBe(true));
  expect(await counterValue(counter, { reason: expectation.reason }), `${expectation.counter} rejected{reason="${expectation.reason}"}`).toBe(before.count + 1);
  expect(await counterTotal(counter), `${expectation.counter} rejected, all reasons`).toBe(before.total + 1);
  expect(await counterTotal(other), 'the other rejection counter').toBe(before.other);
  expect(await counterTotal(states), 'task states rejected').toBe(before.states);
}

/** A fresh authenticated connection (token of task a unless said otherwise). */
async function connect(r: Run, token: string = TOKENS.a): Promise<RawClient> {
  const c = await RawClient.open(r.server.port, token);
  cleanups.push(() => c.close());
  return c;
}

async function expectFatal(c: RawClient, code: number): Promise<string> {
  const reply = await c.error();
  expect(ErrorCode[reply.code]).toBe(ErrorCode[code]);
  expect((await c.closed).code).toBe(1008);
  return reply.message;
}

async function expectNonFatal(c: RawClient, code: number): Promise<string> {
  const reply = await c.error();
  expect(ErrorCode[reply.code]).toBe(ErrorCode[code]);
  expect(await c.stillOpen()).toBe(true);
  return reply.message;
}

/** Every kind of bad input, each checked on its own; b is the scripted worker's joined connection. */
const badInput: Hook = async (r, b) => {
  const { coordinator, metrics } = r;
  const spec = coordinator.spec;
  expect(coordinator.version).toBe(HOLD);
  const joinedBefore = (await metrics.workersConnected.get()).values[0]?.value;
  expect(joinedBefore).toBe(2);

  // --- frames that are not a protocol message, on a fresh connection (fatal: before its hello a
  // connection may send nothing else) ---
  await refused(r, { counter: 'connections', reason: 'malformed' }, async () => {
    // Seeded "random" bytes (a fixed LCG): deterministic, and they do not decode.
    let x = 12345;
    const junk = Uint8Array.from({ length: 200 }, () => ((x = (x * 1103515245 + 12345) >>> 0), x >>> 24));
    const c = await connect(r);
    c.send(junk);
    expect(await expectFatal(c, ErrorCode.MALFORMED)).toMatch(/malformed frame \(200 bytes\)/);
  });
  await refused(r, { counter: 'connections', reason: 'unknown_type' }, async () => {
    // Field 20 of the Envelope, length-delimited (tag 20 << 3 | 2 = 162, varint a2 01), 3 bytes: a
    // message type from some future protocol version.
    const c = await connect(r);
    c.send(Uint8Array.from([0xa2, 0x01, 3, 1, 2, 3]));
    await expectFatal(c, ErrorCode.UNKNOWN_TYPE);
  });
  await refused(r, { counter: 'connections', reason: 'text_frame' }, async () => {
    // A text frame whose bytes would decode as a valid hello (all ASCII): still refused, as text.
    const c = await connect(r);
    c.send(hello('a'), false);
    expect(await expectFatal(c, ErrorCode.MALFORMED)).toMatch(/text frame/);
  });
  await refused(r, { counter: 'connections', reason: 'malformed' }, async () => {
    // A text frame that is not even UTF-8 breaks the WebSocket protocol: ws closes with 1007.
    const c = await connect(r);
    c.send(Uint8Array.from([0xff, 0xfe, 0xfd]), false);
    expect((await c.closed).code).toBe(1007);
  });

  // --- refused hellos (fatal) ---
  await refused(r, { counter: 'connections', reason: 'protocol_version' }, async () => {
    const c = await connect(r);
    c.send(hello('a', { protocolVersion: PROTOCOL_VERSION + 1 }));
    expect(await expectFatal(c, ErrorCode.PROTOCOL_VERSION)).toMatch(new RegExp(`version ${PROTOCOL_VERSION + 1} is not supported.*speaks version ${PROTOCOL_VERSION}`));
  });
  await refused(r, { counter: 'connections', reason: 'fingerprint' }, async () => {
    const c = await connect(r);
    c.send(hello('a', { modelFingerprint: 'f00df00d' }));
    const message = await expectFatal(c, ErrorCode.FINGERPRINT);
    expect(message).toContain('worker holds model f00df00d');
    expect(message).toContain(`coordinator has model ${coordinator.fingerprint}`);
  });
  await refused(r, { counter: 'connections', reason: 'unknown_task' }, async () => {
    const c = await connect(r);
    c.send(hello('nosuch'));
    expect(await expectFatal(c, ErrorCode.UNKNOWN_TASK)).toMatch(/no task "nosuch".*tasks: a, b/);
  });
  await refused(r, { counter: 'connections', reason: 'task_taken' }, async () => {
    // The real worker holds task a and its heartbeat is fresh.
    const c = await connect(r);
    c.send(hello('a'));
    expect(await expectFatal(c, ErrorCode.TASK_TAKEN)).toMatch(/task "a" has a live worker/);
  });
  await refused(r, { counter: 'connections', reason: 'unauthorized' }, async () => {
    // Task a's own token may train task a only.
    const c = await connect(r, TOKENS.a);
    c.send(hello('b'));
    expect(await expectFatal(c, ErrorCode.UNAUTHORIZED)).toMatch(/token is for task "a", not "b"/);
  });
  await refused(r, { counter: 'connections', reason: 'not_joined' }, async () => {
    const c = await connect(r);
    c.send(encode('heartbeat', { timeMs: 1, version: 0 }));
    expect(await expectFatal(c, ErrorCode.NOT_JOINED)).toMatch(/"heartbeat" before hello/);
  });
  await refused(r, { counter: 'connections', reason: 'not_joined' }, async () => {
    // A push before hello, with a hello right behind it: once refused, the connection's later frames
    // are not served (the hello must not count as a task_taken refusal, nor join anything).
    const c = await connect(r);
    c.send(scriptedPush(spec, HOLD));
    c.send(hello('a'));
    expect(await expectFatal(c, ErrorCode.NOT_JOINED)).toMatch(/"push" before hello/);
  });

  // --- authentication at the upgrade ---
  for (const [token, reason] of [
    [undefined, 'missing_token'],
    ['not-a-token', 'wrong_token'],
  ] as const) {
    await refused(r, { counter: 'connections', reason }, async () => {
      await expect(RawClient.open(r.server.port, token)).rejects.toThrow('HTTP 401');
    });
  }

  // --- a large frame before the hello: the connection is ended once past the allowance, before ws
  // has buffered the frame (oversized frames of joined connections: test/integration/hostile-peers.test.ts) ---
  await refused(r, { counter: 'connections', reason: 'oversized_before_hello' }, async () => {
    const c = await connect(r);
    c.send(new Uint8Array(coordinator.maxFrameBytes + 1));
    expect((await c.closed).code).toBe(1006);
  });

  // --- bad pushes on the scripted worker's own joined connection (not fatal: it goes on) ---
  const badPushes: Array<[string, ErrorCode, RegExp, (p: GradientPush) => void]> = [
    ['shape', ErrorCode.SHAPE, /shape \[\d+, \d+\], expected/, (p) => (p.gradient![0].shape = [...p.gradient![0].shape!].reverse())],
    ['shape', ErrorCode.SHAPE, /: \d+ bytes for shape \[\d+\] \(\d+ expected\)/, (p) => (p.gradient![1].data = p.gradient![1].data!.subarray(4))],
    ['shape', ErrorCode.SHAPE, /is "wrong\/name", expected/, (p) => (p.gradient![0].name = 'wrong/name')],
    ['shape', ErrorCode.SHAPE, /ends after \d+ of the \d+ tensors/, (p) => p.gradient!.pop()],
    ['non_finite', ErrorCode.NON_FINITE, /value NaN at index 5/, (p) => (p.gradient![0] = withValue(p.gradient![0], 5, NaN))],
    ['non_finite', ErrorCode.NON_FINITE, /value Infinity at index 2/, (p) => (p.gradient![1] = withValue(p.gradient![1], 2, Infinity))],
    ['non_finite', ErrorCode.NON_FINITE, /loss is NaN/, (p) => (p.loss = NaN)],
  ];
  for (const [reason, code, text, change] of badPushes) {
    await refused(r, { counter: 'pushes', reason }, async () => {
      b.send(scriptedPush(spec, HOLD, change));
      expect(await expectNonFatal(b, code)).toMatch(text);
    });
  }
  await refused(r, { counter: 'pushes', reason: 'stale' }, async () => {
    const accepted = async () => (await metrics.pushStaleness.get()).values.find((v) => v.metricName === 'hybrid_push_staleness_count')?.value;
    const acceptedBefore = await accepted();
    b.send(scriptedPush(spec, HOLD - 1));
    expect(await b.error()).toMatchObject({ code: ErrorCode.STALE, message: expect.stringMatching(`round ${HOLD - 1} is closed`) });
    // Answered with the current weights, so the worker can go on from them.
    const update = await b.next();
    expect(update?.kind).toBe('update');
    if (update?.kind !== 'update') return;
    expect(update.body.version).toBe(HOLD);
    expect(update.body.done).toBe(false);
    const first = update.body.shared![0];
    const w0 = coordinator.sharedTensors[0];
    expect(Buffer.from(first.data!).equals(Buffer.from(w0.buffer, w0.byteOffset, w0.byteLength))).toBe(true);
    // hybrid_push_staleness is the staleness of accepted pushes: a refused one is not observed.
    expect(await accepted()).toBe(acceptedBefore);
  });
  await refused(r, { counter: 'connections', reason: 'malformed' }, async () => {
    b.send(hello('b', { workerId: 'scripted-b' }));
    expect(await expectNonFatal(b, ErrorCode.MALFORMED)).toMatch(/second hello/);
  });

  // Nothing above joined or dropped a worker.
  expect((await metrics.workersConnected.get()).values[0]?.value).toBe(2);
};

function withValue(t: TensorMessage, index: number, value: number): TensorMessage {
  const values = new Float32Array(new Uint8Array(t.data!).buffer);
  values[index] = value;
  return f32Tensor(t.name!, t.shape!, values);
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('bad input (docs/architecture.md section 5)', () => {
  it('is refused with the right code and counter, leaves W alone, and the good worker ends with the W of a clean run', async () => {
    const clean = await run();
    while (cleanups.length) await cleanups.pop()!();
    const dirty = await run(badInput);

    expect(dirty.outcome.rounds).toBe(clean.outcome.rounds);
    expect(dirty.outcome.evaluation).toEqual(clean.outcome.evaluation);
    expect(dirty.run.coordinator.version).toBe(runConfig().train.steps);
    dirty.shared.forEach((t, i) => expect(Buffer.from(t.buffer).equals(Buffer.from(clean.shared[i].buffer)), `W tensor ${i}`).toBe(true));
    // The runs did train W (equal W is not that of two untouched initialisations).
    const init = new Coordinator(runConfig(), { log: quiet });
    init.stop(false);
    expect(Math.max(...Array.from(clean.shared[0], (x, j) => Math.abs(x - init.sharedTensors[0][j])))).toBeGreaterThan(1e-3);
    // The clean run refused nothing.
    expect(await counterTotal(clean.run.metrics.pushesRejected)).toBe(0);
    expect(await counterTotal(clean.run.metrics.connectionsRejected)).toBe(0);
  });
});
