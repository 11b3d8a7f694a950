// A coordinator behind its WebSocket server, tried by raw clients built from the proto (not the
// project's worker), as a hostile peer would: task states that would poison a task, connections that
// never say hello, floods of bad frames, and hellos that try to take over a live task. Each is refused
// with its code and counter, and W, the version and the stored task states stay as they were.
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { RunConfig } from '../../config/schema.js';
import { Coordinator } from '../../coordinator/coordinator.js';
import { CoordinatorMetrics } from '../../coordinator/metrics.js';
import { startServer, type PreHelloLimits, type RunningServer } from '../../coordinator/server.js';
import { headSpec, type ModelSpec } from '../../model/spec.js';
import { encode, ErrorCode, f32Tensor, u8Tensor, wire, type TaskStateMessage } from '../../proto/codec.js';
import { toTaskStateMessage } from '../../worker/task-state.js';
import { counterTotal, counterValue, hello, RawClient } from '../support/raw-client.js';
import { twoTaskRunConfig } from '../support/synthetic-run.js';

const B_CLASSES = 3;

function runConfig(): RunConfig {
  return twoTaskRunConfig({ seed: 5, bClasses: B_CLASSES, samples: { train: 128, test: 32 }, distributed: { round_timeout_seconds: 120, heartbeat_seconds: 30 } }, 'hostile-peers test');
}

interface Run {
  coordinator: Coordinator;
  metrics: CoordinatorMetrics;
  server: RunningServer;
  lines: string[];
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function start(preHello?: Partial<PreHelloLimits>): Promise<Run> {
  const config = runConfig();
  const lines: string[] = [];
  const log = (line: string) => void lines.push(line);
  const metrics = new CoordinatorMetrics(config.tasks.map((t) => t.name));
  const coordinator = new Coordinator(config, { log, metrics });
  const server = await startServer(coordinator, { host: '127.0.0.1', port: 0, metrics, log, preHello });
  cleanups.push(async () => {
    coordinator.stop(false);
    await server.close();
  });
  return { coordinator, metrics, server, lines };
}

async function connect(r: Run): Promise<RawClient> {
  const c = await RawClient.open(r.server.port);
  cleanups.push(() => c.close());
  return c;
}

/** A connection joined to `task`, its welcome read. */
async function joined(r: Run, task: string, workerId = `raw-${task}-${Math.random()}`): Promise<RawClient> {
  const c = await connect(r);
  c.send(hello(task, { workerId }));
  const welcome = await c.next();
  expect(welcome?.kind).toBe('welcome');
  return c;
}

/** A whole, valid state of task b: small distinct values, Adam's slots (second moments positive). */
function goodState(spec: ModelSpec, seed: number): TaskStateMessage {
  const fill = (tensors: readonly { size: number }[], scale: number) => tensors.map((t, i) => Float32Array.from({ length: t.size }, (_, j) => scale * Math.sin(seed + i * 7 + j)));
  const positive = (tensors: readonly { size: number }[]) => tensors.map((t) => new Float32Array(t.size).fill(1e-4));
  const heads = headSpec(spec, B_CLASSES);
  const state = {
    step: 3,
    sparse: fill(spec.shared, 0.01),
    support: spec.shared.map((t) => Uint8Array.from({ length: t.size }, (_, j) => j % 2)),
    head: fill(heads, 0.1),
    headOptimizer: { type: 'adam' as const, step: 3, slots: [fill(heads, 0.001), positive(heads)] },
    sparseOptimizer: { type: 'adam' as const, step: 3, slots: [fill(spec.shared, 0.001), positive(spec.shared)] },
    stats: [],
    sampler: null,
  };
  return toTaskStateMessage('b', spec, B_CLASSES, state, { evaluation: { accuracy: 0.5, loss: 1, samples: 32 } });
}

const bits = (t: Float32Array) => Buffer.from(t.buffer, t.byteOffset, t.byteLength);

describe('task states from a hostile peer', () => {
  it('refuses every state that breaks a rule with BAD_TASK_STATE and its reason, keeps the stored state, and a later worker of the task gets the good one', async () => {
    const r = await start();
    const { coordinator, metrics } = r;
    const spec = coordinator.spec;
    const b = await joined(r, 'b');
    const good = goodState(spec, 1);
    b.send(encode('taskState', good));
    expect(await b.stillOpen()).toBe(true);
    const stored = coordinator.storedTaskState('b');
    expect(stored).toBeDefined();
    const W = coordinator.sharedTensors.map((t) => t.slice());
    const version = coordinator.version;

    const variant = (change: (s: TaskStateMessage) => void): TaskStateMessage => {
      const s = wire.TaskState.decode(wire.TaskState.encode(goodState(spec, 2)).finish());
      change(s);
      return s;
    };
    const withValue = (t: { name?: string | null; shape?: number[] | null; data?: Uint8Array | null }, index: number, value: number) => {
      const values = new Float32Array(new Uint8Array(t.data!).buffer);
      values[index] = value;
      return f32Tensor(t.name!, t.shape!, values);
    };
    const cases: Array<[string, string, RegExp, TaskStateMessage]> = [
      ['no S_t at all', 'layout', /sparse.*ends after 0 of the \d+ tensors/, variant((s) => (s.sparse = []))],
      ['NaN in an optimizer slot', 'non_finite', /sparse optimizer slot.*value NaN at index 3/, variant((s) => (s.sparseOptimizer!.slots![0] = withValue(s.sparseOptimizer!.slots![0], 3, NaN)))],
      ['a head of 4 classes for a task of 3', 'classes', /head has 4 classes; the task has at most 3/, toTaskStateMessage('b', spec, 4, fromGood(spec, 4), {})],
      ['a head of 2 classes for a task of 3', 'classes', /head has 2 classes; the task has 3/, toTaskStateMessage('b', spec, 2, fromGood(spec, 2), {})],
      ['a head declaring 2^31 classes', 'classes', /head has 2147483648 classes; the task has at most 3/, variant((s) => (s.classes = 2 ** 31))],
      ['an accuracy of 42', 'out_of_range', /evaluation accuracy is 42; it must be in \[0, 1\]/, variant((s) => (s.evaluation = { accuracy: 42, loss: 1, samples: 1 }))],
      [
        'a support mask holding 7',
        'out_of_range',
        /holds 7 at index 0; a mask holds 0 and 1 only/,
        variant((s) => (s.support![0] = u8Tensor(spec.shared[0].name, spec.shared[0].shape, new Uint8Array(spec.shared[0].size).fill(7)))),
      ],
      [
        'a negative second moment',
        'out_of_range',
        /second moment .* is -1 at index 0; it cannot be negative/,
        variant((s) => {
          const n = spec.shared.length;
          s.sparseOptimizer!.slots![n] = withValue(s.sparseOptimizer!.slots![n], 0, -1);
        }),
      ],
      ['a tensor declaring [2^31, 2^31]', 'layout', /shape \[2147483648, 2147483648\], expected/, variant((s) => (s.sparse![0] = { ...s.sparse![0], shape: [2 ** 31, 2 ** 31] }))],
      ['an extra tensor of junk', 'layout', /more tensors than the model's/, variant((s) => s.sparse!.push(f32Tensor('junk', [1000], new Float32Array(1000))))],
      ['nnz above the shared parameters', 'out_of_range', /nnz is \d+; it must be an integer in \[0, \d+\]/, variant((s) => (s.nnz = 10 ** 9))],
      ['another task', 'wrong_task', /trains "b", not "a"/, variant((s) => (s.task = 'a'))],
    ];
    for (const [what, reason, message, state] of cases) {
      const before = {
        count: await counterValue(metrics.taskStatesRejected, { reason }),
        total: await counterTotal(metrics.taskStatesRejected),
        pushes: await counterTotal(metrics.pushesRejected),
      };
      b.send(encode('taskState', state));
      const reply = await b.error().catch((err: Error) => Promise.reject(new Error(`${what}: ${err.message}`)));
      expect(ErrorCode[reply.code], what).toBe('BAD_TASK_STATE');
      expect(reply.message, what).toMatch(message);
      expect(await b.stillOpen(), `${what}: the connection stays`).toBe(true);
      expect(await counterValue(metrics.taskStatesRejected, { reason }), what).toBe(before.count + 1);
      expect(await counterTotal(metrics.taskStatesRejected), what).toBe(before.total + 1);
      expect(await counterTotal(metrics.pushesRejected), `${what}: not a refused push`).toBe(before.pushes);
      expect(Buffer.from(coordinator.storedTaskState('b')!).equals(Buffer.from(stored!)), `${what}: the stored state`).toBe(true);
    }

    // A state refused at its first part: its remaining parts are dropped without a reply each, and the
    // next state on the connection is taken.
    const huge = variant((s) => (s.sparse![0] = { ...s.sparse![0], shape: [2 ** 31, 2 ** 31] }));
    b.send(encode('taskState', { ...huge, part: 0, parts: 3 }));
    expect((await b.error()).message).toMatch(/\[2147483648, 2147483648\]/);
    b.send(encode('taskState', { ...huge, sparse: [], part: 1, parts: 3 }));
    b.send(encode('taskState', { ...huge, sparse: [], part: 2, parts: 3 }));
    const next = goodState(spec, 3);
    b.send(encode('taskState', next));
    expect(await b.stillOpen(), 'no reply to the dropped parts').toBe(true);
    const kept = coordinator.storedTaskState('b')!;
    expect(Buffer.from(kept).equals(Buffer.from(stored!))).toBe(false);
    expect(wire.TaskState.decode(kept).step).toBe(next.step);

    expect(coordinator.version).toBe(version);
    coordinator.sharedTensors.forEach((t, i) => expect(bits(t).equals(bits(W[i])), `W tensor ${i}`).toBe(true));

    // A later worker of task b is welcomed with the last good state.
    b.close();
    await b.closed;
    const later = await connect(r);
    later.send(hello('b'));
    const welcome = await later.next();
    expect(welcome?.kind).toBe('welcome');
    if (welcome?.kind !== 'welcome') return;
    expect(Buffer.from(wire.TaskState.encode(welcome.body.taskState!).finish()).equals(Buffer.from(kept))).toBe(true);
  });
});

/** A trainer state of `classes` classes (for a state whose head has the wrong class count). */
function fromGood(spec: ModelSpec, classes: number) {
  const heads = headSpec(spec, classes);
  const zeros = (tensors: readonly { size: number }[]) => tensors.map((t) => new Float32Array(t.size));
  return {
    step: 3,
    sparse: zeros(spec.shared),
    support: null,
    head: zeros(heads),
    headOptimizer: { type: 'adam' as const, step: 3, slots: [zeros(heads), zeros(heads)] },
    sparseOptimizer: { type: 'adam' as const, step: 3, slots: [zeros(spec.shared), zeros(spec.shared)] },
    stats: [],
    sampler: null,
  };
}

/** Resolves with the close code, or -1 when the upgrade was refused (its HTTP status in `status`). */
function openIdle(port: number): Promise<{ socket: WebSocket; status: number | null; closed: Promise<number> }> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false });
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  socket.on('error', () => undefined);
  return new Promise((resolve) => {
    socket.once('open', () => resolve({ socket, status: null, closed }));
    socket.once('unexpected-response', (_req, res) => {
      resolve({ socket, status: res.statusCode ?? 0, closed });
      socket.terminate();
    });
  });
}

describe('connections that have not joined a task', () => {
  it('are closed when no hello comes within the deadline (counted hello_timeout)', async () => {
    const r = await start({ helloTimeoutMs: 300 });
    const idle = await openIdle(r.server.port);
    expect(idle.status).toBeNull();
    expect(await idle.closed).toBe(1008);
    expect(await counterValue(r.metrics.connectionsRejected, { reason: 'hello_timeout' })).toBe(1);
    // A connection that joined is not touched by the deadline: it answers after more than one.
    const b = await joined(r, 'b');
    const idle2 = await openIdle(r.server.port);
    await idle2.closed;
    expect(await b.stillOpen()).toBe(true);
  });

  it('are ended once they send more than the allowance before their hello, and a malformed first frame closes them', async () => {
    const r = await start({ bytes: 4096 });
    const big = await connect(r);
    big.send(new Uint8Array(10_000));
    await big.closed;
    expect(await counterValue(r.metrics.connectionsRejected, { reason: 'oversized_before_hello' })).toBe(1);
    const junk = await connect(r);
    junk.send(Uint8Array.from([0xff, 0x01, 0x02]));
    expect(ErrorCode[(await junk.error()).code]).toBe('MALFORMED');
    expect((await junk.closed).code).toBe(1008);
    // The allowance is for connections that have not joined: a joined one sends as much as the model needs.
    const b = await joined(r, 'b');
    b.send(encode('taskState', goodState(r.coordinator.spec, 4)));
    expect(await b.stillOpen()).toBe(true);
    expect(r.coordinator.storedTaskState('b')).toBeDefined();
  });

  it('are capped: past the cap an upgrade is answered 503 until one of them joins or goes', async () => {
    const r = await start({ connections: 3 });
    const open = await Promise.all([0, 1, 2].map(() => openIdle(r.server.port)));
    expect(open.map((o) => o.status)).toEqual([null, null, null]);
    expect((await openIdle(r.server.port)).status).toBe(503);
    expect(await counterValue(r.metrics.connectionsRejected, { reason: 'too_many_unjoined' })).toBe(1);
    // One of them joins: room for one more.
    open[0].socket.send(hello('a'));
    await new Promise<void>((resolve) => open[0].socket.once('message', () => resolve()));
    const fourth = await openIdle(r.server.port);
    expect(fourth.status).toBeNull();
    // One goes: room for one more again.
    open[1].socket.terminate();
    await open[1].closed;
    await expect.poll(async () => (await openIdle(r.server.port)).status).toBeNull();
  });

  it('write a few log lines per kind of refusal and then one summary, not a line each', async () => {
    const r = await start();
    for (let i = 0; i < 40; i++) {
      const c = await connect(r);
      c.send(Uint8Array.from([0xff, 0x01, 0x02]));
      await c.closed;
    }
    expect(await counterValue(r.metrics.connectionsRejected, { reason: 'malformed' })).toBe(40);
    r.coordinator.stop(false);
    const refusals = r.lines.filter((l) => l.startsWith('coordinator: refused a connection: malformed'));
    expect(refusals.length).toBeLessThanOrEqual(5);
    expect(r.lines.some((l) => /^35 more like this \(connection malformed\) in \d+ s not logged; the last: coordinator: refused a connection: malformed/.test(l))).toBe(true);
  });
});

describe('oversized frames of a joined connection', () => {
  it("are answered OVERSIZED and closed above the coordinator's limit, and closed by ws (1009) above its backstop", async () => {
    const r = await start();
    const a = await joined(r, 'a');
    a.send(new Uint8Array(r.coordinator.maxFrameBytes + 1));
    const reply = await a.error();
    expect(ErrorCode[reply.code]).toBe('OVERSIZED');
    expect(reply.message).toMatch(new RegExp(`exceeds ${r.coordinator.maxFrameBytes}`));
    expect((await a.closed).code).toBe(1008);
    const b = await joined(r, 'b');
    b.send(new Uint8Array(r.coordinator.maxFrameBytes * 2 + 1));
    expect((await b.closed).code).toBe(1009);
    expect(await counterValue(r.metrics.connectionsRejected, { reason: 'oversized' })).toBe(2);
  });
});

describe('hellos that try to take over a task', () => {
  it('refuses an empty worker_id (MALFORMED, closed) and a second connection of the same worker while the first is live (TASK_TAKEN)', async () => {
    const r = await start();
    const empty = await connect(r);
    empty.send(hello('a', { workerId: '' }));
    expect((await empty.error()).message).toMatch(/the hello has no worker_id/);
    expect((await empty.closed).code).toBe(1008);

    const first = await joined(r, 'a', 'same-id');
    const again = await connect(r);
    again.send(hello('a', { workerId: 'same-id' }));
    const reply = await again.error();
    expect(ErrorCode[reply.code]).toBe('TASK_TAKEN');
    expect(reply.message).toMatch(/an earlier connection of this same worker is still open/);
    expect(await first.stillOpen()).toBe(true);
    // Once the first connection is gone, the same worker joins again.
    first.close();
    await first.closed;
    await expect
      .poll(async () => {
        const c = await connect(r);
        c.send(hello('a', { workerId: 'same-id' }));
        return (await c.next())?.kind;
      })
      .toBe('welcome');
  });
});
