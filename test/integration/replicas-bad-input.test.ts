// What the coordinator makes of replicas' messages, scripted in process: the task's push is the
// sample-weighted mean of its replicas' once both are in, each replica then gets its TaskStep (the mean
// vector, its rank, the lead) before the update of W; and what breaks the protocol is refused with a
// counter, changing nothing: a push with no replica gradient, a vector of another length than the other
// replica's, a push from a replica that is not a member yet, a second push, a replica gradient of a task
// of one worker, and a task state from a replica that does not lead.
import { describe, expect, it } from 'vitest';
import type { Counter } from 'prom-client';
import { vectorParts } from '../../compression/vector-stream.js';
import { ENCODING_IDS } from '../../compression/encodings/index.js';
import { parseRunConfig } from '../../config/load.js';
import { Coordinator, type Peer } from '../../coordinator/coordinator.js';
import { CoordinatorMetrics } from '../../coordinator/metrics.js';
import { decode, encode, ErrorCode, f32Tensor, f32Values, PROTOCOL_VERSION, type Decoded } from '../../proto/codec.js';
import { toTaskStateMessage } from '../../worker/task-state.js';
import { headSpec } from '../../model/spec.js';

function setup() {
  const config = parseRunConfig(
    {
      seed: 1,
      model: { arch: 'mlp', hidden: [4] },
      tasks: [
        { name: 'a', replicas: 2, dataset: { source: 'synthetic', features: 6, classes: 3, train: 64, test: 16, task_seed: 1 } },
        { name: 'b', dataset: { source: 'synthetic', features: 6, classes: 3, train: 64, test: 16, task_seed: 2 } },
      ],
      train: { steps: 50, batch_size: 8, optimizer: { type: 'sgd', lr: 0.1, momentum: 0 }, lr_schedule: 'constant', baseline: false },
      distributed: { heartbeat_seconds: 600, round_timeout_seconds: 600 },
    },
    'replica scripted test',
  );
  const metrics = new CoordinatorMetrics(['a', 'b']);
  const coordinator = new Coordinator(config, { log: () => {}, metrics });
  const join = (task: string, replica?: number) => {
    const s = { task, replies: [] as Decoded[], closed: false, peer: null as unknown as Peer };
    s.peer = { send: (frame) => s.replies.push(decode(frame)), close: () => (s.closed = true) };
    coordinator.attach(s.peer);
    const claim = replica === undefined ? {} : { replica, replicas: 2 };
    coordinator.receive(
      s.peer,
      encode('hello', { protocolVersion: PROTOCOL_VERSION, task, modelFingerprint: '', workerId: `w-${task}-${replica}`, encodings: Object.values(ENCODING_IDS), parts: true, ...claim }),
    );
    return s;
  };
  type Joined = ReturnType<typeof join>;
  const spec = coordinator.spec;
  const constant = (x: number) => spec.shared.map((t) => new Float32Array(t.size).fill(x));
  const send = (s: Joined, kind: 'replicaGradient' | 'push', body: object) => coordinator.receive(s.peer, encode(kind, body as never));
  const vector = (s: Joined, version: number, values: Float32Array, samples: number) =>
    vectorParts(values, config.distributed.chunk_bytes).forEach((p) => send(s, 'replicaGradient', { task: s.task, baseVersion: version, values: p, samples }));
  const push = (s: Joined, version: number, g: Float32Array[], samples: number) =>
    send(s, 'push', { task: s.task, baseVersion: version, gradient: spec.shared.map((t, i) => f32Tensor(t.name, t.shape, g[i])), loss: 1, samples });
  const errors = (s: Joined) => s.replies.filter((r) => r.kind === 'error').map((r) => (r.kind === 'error' ? `${ErrorCode[r.body.code ?? 0]}: ${r.body.message}` : ''));
  const kinds = (s: Joined) => s.replies.map((r) => r.kind);
  return { config, coordinator, metrics, spec, join, vector, push, errors, kinds, constant };
}

const count = async (counter: Counter<string>, reason: string) => (await counter.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0;

describe('replicas, scripted', () => {
  it("makes the task's push the sample-weighted mean of its replicas' and sends each its TaskStep before W", () => {
    const t = setup();
    const r0 = t.join('a', 0);
    const r1 = t.join('a', 1);
    const b = t.join('b');
    // Both in: the task forms, each replica told its rank, the lowest slot leading.
    const formed = (s: typeof r0) =>
      s.replies.filter((r) => r.kind === 'taskStep').map((r) => (r.kind === 'taskStep' ? [r.body.rank, r.body.replicas, r.body.lead ?? false, r.body.closes ?? false] : []));
    expect(formed(r0)).toEqual([[0, 2, true, false]]);
    expect(formed(r1)).toEqual([[1, 2, false, false]]);
    for (const s of [r0, r1, b]) s.replies.length = 0;
    const w0 = t.coordinator.sharedTensors.map((w) => w.slice());
    t.vector(r0, 0, Float32Array.from([1, 2, 3]), 8);
    t.push(r0, 0, t.constant(1), 8);
    t.vector(r1, 0, Float32Array.from([5, 6, 7]), 24);
    t.push(r1, 0, t.constant(5), 24);
    expect(t.coordinator.version).toBe(0);
    t.push(b, 0, t.constant(0), 8);
    expect(t.coordinator.version).toBe(1);
    // W moved by lr x the mean over a's replicas (1 x 8 + 5 x 24) / 32 = 4 (task b pushed zeros).
    t.coordinator.sharedTensors.forEach((w, i) => w.forEach((x, j) => expect(x).toBeCloseTo(w0[i][j] - 0.1 * 4, 6)));
    for (const s of [r0, r1]) {
      expect(t.kinds(s)).toEqual(['taskStep', 'update']);
      const step = s.replies[0];
      if (step.kind !== 'taskStep') throw new Error('no task step');
      expect(step.body.closes).toBe(true);
      expect(step.body.closedReplicas).toBe(2);
      expect(step.body.version).toBe(1);
      expect(Array.from(f32Values(step.body.values![0]))).toEqual([4, 5, 6]);
    }
    expect(t.kinds(b)).toEqual(['update']);
  });

  it('refuses what breaks the protocol with a counter, and changes nothing', async () => {
    const t = setup();
    const r0 = t.join('a', 0);
    const r1 = t.join('a', 1);
    const b = t.join('b');
    for (const s of [r0, r1, b]) s.replies.length = 0;
    // A push without its replica gradient.
    t.push(r0, 0, t.constant(1), 8);
    expect(t.errors(r0)).toEqual([expect.stringMatching(/^MALFORMED: a replica's push for version 0 without its replica gradient/)]);
    // A replica gradient of a task of one worker.
    t.vector(b, 0, Float32Array.from([1]), 8);
    expect(t.errors(b)).toEqual([expect.stringMatching(/^MALFORMED: task "b" has one worker; only replicas send replica gradients/)]);
    // r0 in properly; r1's vector has another length; then a second push of r0.
    t.vector(r0, 0, Float32Array.from([1, 2, 3]), 8);
    t.push(r0, 0, t.constant(1), 8);
    t.vector(r1, 0, Float32Array.from([1, 2]), 8);
    t.push(r1, 0, t.constant(1), 8);
    expect(t.errors(r1)).toEqual([expect.stringMatching(/^SHAPE: replica 1's gradient for task "a" has 2 entries, the other replicas' 3: its task state differs/)]);
    expect(await count(t.metrics.pushesRejected, 'shape')).toBe(1);
    t.vector(r0, 0, Float32Array.from([1, 2, 3]), 8);
    t.push(r0, 0, t.constant(1), 8);
    expect(t.errors(r0)).toHaveLength(2);
    expect(t.errors(r0)[1]).toMatch(/^DUPLICATE: replica 0 of task "a" already pushed for version 0/);
    // A task state from the replica that does not lead.
    const heads = headSpec(t.spec, 3);
    const zeros = (n: { size: number }[]) => n.map((x) => new Float32Array(x.size));
    const state = {
      step: 0,
      sparse: zeros(t.spec.shared),
      support: null,
      head: zeros(heads),
      headOptimizer: { type: 'sgd' as const, step: 0, slots: [zeros(heads)] },
      sparseOptimizer: { type: 'sgd' as const, step: 0, slots: [zeros(t.spec.shared)] },
      stats: [],
      sampler: null,
    };
    t.coordinator.receive(r1.peer, encode('taskState', toTaskStateMessage('a', t.spec, 3, state, {})));
    expect(t.errors(r1).at(-1)).toMatch(/^BAD_TASK_STATE: replica 1 of task "a" is not its lead; the lead reports the task's state/);
    expect(await count(t.metrics.taskStatesRejected, 'not_lead')).toBe(1);
    expect(t.coordinator.storedTaskState('a')).toBeUndefined();
    // A third replica is not a member until it takes the lead's state: its push is refused.
    const r2 = t.join('a');
    expect(r2.replies[0]?.kind).toBe('welcome');
    expect(r2.replies[0]?.kind === 'welcome' && r2.replies[0].body.replica).toBe(2);
    t.vector(r2, 0, Float32Array.from([1, 2, 3]), 8);
    t.push(r2, 0, t.constant(1), 8);
    expect(t.errors(r2)).toEqual([expect.stringMatching(/^NOT_MEMBER: replica 2 of task "a" is not a member of round 0 yet/)]);
    expect(await count(t.metrics.pushesRejected, 'not_member')).toBe(1);
    // None of it moved W; the round still waits for r1 and b, and closes on them.
    expect(t.coordinator.version).toBe(0);
    t.vector(r1, 0, Float32Array.from([1, 2, 3]), 8);
    t.push(r1, 0, t.constant(1), 8);
    t.push(b, 0, t.constant(1), 8);
    expect(t.coordinator.version).toBe(1);
    expect(r0.closed || r1.closed || b.closed || r2.closed).toBe(false);
  });
});
