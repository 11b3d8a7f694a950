// Async rounds (distributed.mode 'async', coordinator/rounds.ts): a push at most `staleness` versions
// behind is applied on arrival, scaled by 1 / (1 + staleness); a staler one is refused (STALE), counted
// as hybrid_pushes_rejected_total{reason="stale"} and answered with the current W; a push for a version
// not reached yet is refused (FUTURE). First with scripted in-process peers, exactly (SGD without
// momentum, a constant learning rate: W moves by -lr * lambda_t * g / (1 + s) per push, float32 for
// float32); then real workers over loopback training three synthetic tasks to the end.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { Counter } from 'prom-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../config/load.js';
import type { RunConfig } from '../../config/schema.js';
import { Coordinator, type Peer, type RoundStats } from '../../coordinator/coordinator.js';
import { CoordinatorMetrics } from '../../coordinator/metrics.js';
import { startServer } from '../../coordinator/server.js';
import { ENCODING_IDS } from '../../compression/encodings/index.js';
import { ValueAssembler } from '../../compression/stream-reader.js';
import { Random } from '../../lib/random.js';
import type { RunResult } from '../../model/run-output.js';
import { decode, encode, ErrorCode, f32Tensor, PROTOCOL_VERSION, type Decoded } from '../../proto/codec.js';
import { Worker, type WorkerOutcome } from '../../worker/worker.js';

const quiet = () => {};
const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const LR = 0.1;
/** Task b's aggregation weight lambda_b (a's is 1). */
const WEIGHT_B = 0.5;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Two tasks, plain SGD at a constant rate, async rounds with the given staleness bound. */
function scriptedConfig(staleness: number, distributed: object = {}): RunConfig {
  return parseRunConfig(
    {
      seed: 7,
      model: { arch: 'mlp', hidden: [16] },
      tasks: [
        { name: 'a', dataset: { source: 'synthetic', features: 8, classes: 4, train: 64, test: 32, task_seed: 1 } },
        { name: 'b', dataset: { source: 'synthetic', features: 8, classes: 3, train: 64, test: 32, task_seed: 2 }, weight: WEIGHT_B },
      ],
      train: { steps: 1000, batch_size: 16, optimizer: { type: 'sgd', lr: LR, momentum: 0 }, lr_schedule: 'constant', baseline: false },
      // Heartbeats far apart: the scripted peers send none, and must not lapse on a slow machine.
      distributed: { mode: 'async', staleness, heartbeat_seconds: 600, ...distributed },
    },
    'async scripted test',
  );
}

/** A joined in-process peer that keeps what the coordinator sends it. */
interface Scripted {
  task: string;
  peer: Peer;
  replies: Decoded[];
  closed: boolean;
}

function scripted(staleness: number, distributed: object = {}) {
  const metrics = new CoordinatorMetrics(['a', 'b']);
  const coordinator = new Coordinator(scriptedConfig(staleness, distributed), { log: quiet, metrics });
  const rounds: { version: number; stats: RoundStats }[] = [];
  const welcomes = new Map<string, Decoded>();
  coordinator.on('round', (version, stats) => rounds.push({ version, stats }));
  const join = (task: string): Scripted => {
    const s: Scripted = { task, replies: [], closed: false, peer: { send: (frame) => s.replies.push(decode(frame)), close: () => (s.closed = true) } };
    coordinator.attach(s.peer);
    coordinator.receive(s.peer, encode('hello', { protocolVersion: PROTOCOL_VERSION, task, modelFingerprint: '', workerId: `w-${task}`, encodings: Object.values(ENCODING_IDS), parts: true }));
    expect(s.replies[0]?.kind, `${task} welcomed`).toBe('welcome');
    welcomes.set(task, s.replies[0]);
    s.replies.length = 0;
    return s;
  };
  const a = join('a');
  const b = join('b');
  let seed = 100;
  /** A fresh gradient: seeded Gaussian values of magnitude ~0.05, one array per shared tensor. */
  const gradient = () => coordinator.spec.shared.map((t) => Random.stream(seed++, 'test/async/gradient').fillGaussian(new Float32Array(t.size), 0.05));
  const push = (from: Scripted, baseVersion: number, g: Float32Array[]) =>
    coordinator.receive(from.peer, encode('push', { task: from.task, baseVersion, gradient: coordinator.spec.shared.map((t, i) => f32Tensor(t.name, t.shape, g[i])), loss: 1, samples: 16 }));
  return { coordinator, metrics, rounds, welcomes, a, b, gradient, push };
}

async function reasonCount(counter: Counter<string>, reason: string): Promise<number> {
  return (await counter.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0;
}

/** The push-staleness histogram's count and sum. */
async function stalenessObserved(metrics: CoordinatorMetrics): Promise<{ count: number; sum: number }> {
  const values = (await metrics.pushStaleness.get()).values;
  return { count: values.find((v) => v.metricName === 'hybrid_push_staleness_count')?.value ?? 0, sum: values.find((v) => v.metricName === 'hybrid_push_staleness_sum')?.value ?? 0 };
}

/** W after one plain SGD step on g with coefficient c: the float32 arithmetic of the optimizer. */
function sgdStep(w: readonly Float32Array[], g: readonly Float32Array[], c: number): Float32Array[] {
  return w.map((t, i) => {
    const out = new Float32Array(t.length);
    // The weighted sum is rounded to float32 (a coefficient of 1 leaves g as it is), then W -= lr * it.
    for (let j = 0; j < t.length; j++) out[j] = t[j] - LR * Math.fround(c * g[i][j]);
    return out;
  });
}

/** The full W a peer got in `replies` (one update, in one or more parts), with its version and flags. */
function fullUpdate(replies: readonly Decoded[], coordinator: Coordinator) {
  const values = new ValueAssembler('update', coordinator.spec.shared);
  let version = -1;
  let complete = false;
  let delta = false;
  let done = false;
  for (const r of replies) {
    expect(r.kind).toBe('update');
    if (r.kind !== 'update') continue;
    version = r.body.version ?? 0;
    delta = r.body.delta ?? false;
    done = r.body.done ?? false;
    complete = values.accept(r.body.part ?? 0, r.body.parts ?? 0, r.body.shared ?? []);
  }
  return { version, delta, done, complete, tensors: values.tensors.map((t) => t.values) };
}

describe('async rounds with scripted peers', () => {
  it('applies each push on arrival, W moving by exactly -lr * lambda * g / (1 + staleness), one version a push', async () => {
    const { coordinator, metrics, rounds, a, b, gradient, push } = scripted(3);
    const before0 = coordinator.sharedTensors.map((t) => t.slice());
    // [peer, base version, the staleness it then has, lambda of its task]
    const script: [Scripted, number, number, number][] = [
      [a, 0, 0, 1], // version 0 -> 1, in full
      [b, 0, 1, WEIGHT_B], // a version behind: half of lambda_b
      [a, 1, 1, 1], // a version behind: half
      [b, 0, 3, WEIGHT_B], // at the bound (3): a quarter
      [a, 4, 0, 1], // current again: in full
      [a, 2, 3, 1], // at the bound: a quarter
      [b, 6, 0, WEIGHT_B], // current: lambda_b
      [b, 6, 1, WEIGHT_B], // the same base version again: a push a version behind now
    ];
    let staleSum = 0;
    for (const [k, [peer, base, staleness, lambda]] of script.entries()) {
      const version = coordinator.version;
      expect(version - base, `push ${k}`).toBe(staleness);
      const before = coordinator.sharedTensors.map((t) => t.slice());
      const g = gradient();
      a.replies.length = 0;
      b.replies.length = 0;
      push(peer, base, g);
      // The optimizer's own coefficient: lambda_t * (1 * 1 / (1 + s)).
      const c = lambda * (1 * (1 / (1 + staleness)));
      const expected = sgdStep(before, g, c);
      expect(coordinator.version, `push ${k}: one version a push`).toBe(version + 1);
      coordinator.sharedTensors.forEach((t, i) => expect(bits(t).equals(bits(expected[i])), `push ${k} (staleness ${staleness}), tensor ${i}`).toBe(true));
      // The round's report names the push alone, with its coefficient.
      expect(rounds.at(-1)).toMatchObject({ version: version + 1, stats: { tasks: [peer.task], coefficients: { [peer.task]: c } } });
      // Both peers get the new W in full (F32 downlink), and nothing else.
      for (const s of [a, b]) {
        const update = fullUpdate(s.replies, coordinator);
        expect(update).toMatchObject({ version: version + 1, delta: false, done: false, complete: true });
        update.tensors.forEach((t, i) => expect(bits(t).equals(bits(coordinator.sharedTensors[i]))).toBe(true));
      }
      staleSum += staleness;
    }
    expect(coordinator.version).toBe(script.length);
    // W really moved, and no refusal was counted.
    expect(coordinator.sharedTensors.some((t, i) => !bits(t).equals(bits(before0[i])))).toBe(true);
    for (const reason of ['stale', 'future', 'duplicate']) expect(await reasonCount(metrics.pushesRejected, reason), reason).toBe(0);
    expect(await stalenessObserved(metrics)).toEqual({ count: script.length, sum: staleSum });
    expect((await metrics.roundsTotal.get()).values[0].value).toBe(script.length);
    expect((await metrics.sharedVersion.get()).values[0].value).toBe(script.length);
    coordinator.stop(false);
  });

  it('with staleness bound 1, refuses a push 2 versions behind (STALE, naming the bound), leaves W and the version, counts it and resends the current W', async () => {
    const { coordinator, metrics, a, b, gradient, push } = scripted(1);
    push(a, 0, gradient());
    push(b, 1, gradient());
    expect(coordinator.version).toBe(2);
    const before = coordinator.sharedTensors.map((t) => t.slice());
    const stale = await reasonCount(metrics.pushesRejected, 'stale');
    const observed = await stalenessObserved(metrics);
    a.replies.length = 0;
    b.replies.length = 0;

    push(a, 0, gradient());

    expect(coordinator.version).toBe(2);
    coordinator.sharedTensors.forEach((t, i) => expect(bits(t).equals(bits(before[i]))).toBe(true));
    expect(await reasonCount(metrics.pushesRejected, 'stale')).toBe(stale + 1);
    // A refused push is not an accepted one's staleness.
    expect(await stalenessObserved(metrics)).toEqual(observed);
    // The error first, then the current W in full, at the current version.
    const [error, ...rest] = a.replies;
    expect(error.kind).toBe('error');
    expect(error.kind === 'error' && error.body).toEqual({ code: ErrorCode.STALE, message: 'base version 0 is 2 behind 2 (bound 1)' });
    expect(rest.length).toBeGreaterThan(0);
    const update = fullUpdate(rest, coordinator);
    expect(update).toMatchObject({ version: 2, delta: false, done: false, complete: true });
    update.tensors.forEach((t, i) => expect(bits(t).equals(bits(before[i]))).toBe(true));
    // The other peer hears nothing of it, and the refused one keeps its connection...
    expect(b.replies).toEqual([]);
    expect(a.closed).toBe(false);
    // ...and goes on from the W it got: a push one version behind is within the bound.
    const g = gradient();
    push(a, 1, g);
    expect(coordinator.version).toBe(3);
    const expected = sgdStep(before, g, 1 / 2);
    coordinator.sharedTensors.forEach((t, i) => expect(bits(t).equals(bits(expected[i]))).toBe(true));
    expect(await reasonCount(metrics.pushesRejected, 'stale')).toBe(stale + 1);
    coordinator.stop(false);
  });

  it('with staleness bound 0, takes only pushes for the current version', async () => {
    const { coordinator, metrics, a, b, gradient, push } = scripted(0);
    push(a, 0, gradient());
    b.replies.length = 0;
    push(b, 0, gradient());
    expect(coordinator.version).toBe(1);
    expect(b.replies[0].kind === 'error' && b.replies[0].body).toEqual({ code: ErrorCode.STALE, message: 'base version 0 is 1 behind 1 (bound 0)' });
    expect(fullUpdate(b.replies.slice(1), coordinator)).toMatchObject({ version: 1, delta: false, complete: true });
    push(b, 1, gradient());
    expect(coordinator.version).toBe(2);
    expect(await reasonCount(metrics.pushesRejected, 'stale')).toBe(1);
    coordinator.stop(false);
  });

  it('with a lossy downlink, the W resent after a STALE is the mirror the workers hold, and the delta chain goes on from it', () => {
    const { coordinator, welcomes, a, b, gradient, push } = scripted(1, { downlink: { encoding: 'topk', topk_fraction: 0.05, dense_every: 50 } });
    // Peer a's copy of W as a worker keeps it: the welcome's W, then each delta added in float32.
    const welcome = welcomes.get('a')!;
    if (welcome.kind !== 'welcome') throw new Error('no welcome');
    const copy = new ValueAssembler('welcome', coordinator.spec.shared);
    expect(copy.accept(0, 0, welcome.body.shared ?? [])).toBe(true);
    const held = copy.tensors.map((t) => t.values.slice());
    const applyDeltas = () => {
      for (const r of a.replies) {
        if (r.kind !== 'update') continue;
        expect(r.body.delta).toBe(true);
        const d = new ValueAssembler('delta', coordinator.spec.shared);
        expect(d.accept(r.body.part ?? 0, r.body.parts ?? 0, r.body.shared ?? [])).toBe(true);
        d.tensors.forEach((t, i) => {
          for (let j = 0; j < t.values.length; j++) held[i][j] += t.values[j];
        });
      }
      a.replies.length = 0;
    };
    push(a, 0, gradient());
    push(b, 1, gradient());
    applyDeltas();
    expect(coordinator.version).toBe(2);
    held.forEach((t, i) => expect(bits(t).equals(bits(coordinator.mirrorTensors[i]))).toBe(true));
    // The mirror lags W (TOPK deltas): the resend must be the mirror, not W.
    expect(coordinator.mirrorTensors.some((m, i) => !bits(m).equals(bits(coordinator.sharedTensors[i])))).toBe(true);

    push(a, 0, gradient());
    const [error, ...rest] = a.replies;
    expect(error.kind === 'error' && error.body.code).toBe(ErrorCode.STALE);
    const resent = fullUpdate(rest, coordinator);
    expect(resent).toMatchObject({ version: 2, delta: false, complete: true });
    resent.tensors.forEach((t, i) => expect(bits(t).equals(bits(coordinator.mirrorTensors[i])), `tensor ${i}`).toBe(true));
    resent.tensors.forEach((t, i) => expect(bits(t).equals(bits(held[i]))).toBe(true));
    a.replies.length = 0;
    // The next round's delta applies to that W and lands on the mirror again.
    push(b, 2, gradient());
    applyDeltas();
    expect(coordinator.version).toBe(3);
    held.forEach((t, i) => expect(bits(t).equals(bits(coordinator.mirrorTensors[i]))).toBe(true));
    coordinator.stop(false);
  });

  it('refuses a push for a version not reached yet (FUTURE, counted as "future") and resends W', async () => {
    const { coordinator, metrics, a, b, gradient, push } = scripted(4);
    push(a, 0, gradient());
    push(b, 1, gradient());
    const before = coordinator.sharedTensors.map((t) => t.slice());
    const future = await reasonCount(metrics.pushesRejected, 'future');
    const stale = await reasonCount(metrics.pushesRejected, 'stale');
    b.replies.length = 0;
    push(b, 3, gradient());
    expect(coordinator.version).toBe(2);
    coordinator.sharedTensors.forEach((t, i) => expect(bits(t).equals(bits(before[i]))).toBe(true));
    expect(await reasonCount(metrics.pushesRejected, 'future')).toBe(future + 1);
    expect(await reasonCount(metrics.pushesRejected, 'stale')).toBe(stale);
    const [error, ...rest] = b.replies;
    expect(error.kind === 'error' && error.body).toEqual({ code: ErrorCode.FUTURE, message: 'base version 3 is ahead of the current 2' });
    expect(fullUpdate(rest, coordinator)).toMatchObject({ version: 2, delta: false, done: false, complete: true });
    expect(b.closed).toBe(false);
    // The exposition carries the label.
    expect(await metrics.registry.metrics()).toMatch(/^hybrid_pushes_rejected_total\{reason="future"\} 1$/m);
    coordinator.stop(false);
  });

  it('a push repeated for the same base version is not a DUPLICATE in async mode: it is applied again, a version staler', async () => {
    const { coordinator, metrics, a, gradient, push } = scripted(4);
    const g = gradient();
    const w0 = coordinator.sharedTensors.map((t) => t.slice());
    push(a, 0, g);
    push(a, 0, g);
    expect(coordinator.version).toBe(2);
    const expected = sgdStep(sgdStep(w0, g, 1), g, 1 / 2);
    coordinator.sharedTensors.forEach((t, i) => expect(bits(t).equals(bits(expected[i]))).toBe(true));
    expect(await reasonCount(metrics.pushesRejected, 'duplicate')).toBe(0);
    coordinator.stop(false);
  });

  it('for contrast, sync mode refuses the repeated push as DUPLICATE (counted "duplicate") and resends W', async () => {
    const cfg = scriptedConfig(4);
    const metrics = new CoordinatorMetrics(['a', 'b']);
    const coordinator = new Coordinator({ ...cfg, distributed: { ...cfg.distributed, mode: 'sync' } }, { log: quiet, metrics });
    const replies: Decoded[] = [];
    const peer: Peer = { send: (f) => replies.push(decode(f)), close: () => {} };
    coordinator.attach(peer);
    coordinator.receive(peer, encode('hello', { protocolVersion: PROTOCOL_VERSION, task: 'a', modelFingerprint: '', workerId: 'w', encodings: Object.values(ENCODING_IDS), parts: true }));
    const g = coordinator.spec.shared.map((t) => new Float32Array(t.size).fill(0.01));
    const frame = encode('push', { task: 'a', baseVersion: 0, gradient: coordinator.spec.shared.map((t, i) => f32Tensor(t.name, t.shape, g[i])), loss: 1, samples: 16 });
    coordinator.receive(peer, frame);
    replies.length = 0;
    coordinator.receive(peer, frame);
    expect(replies[0].kind === 'error' && replies[0].body).toMatchObject({ code: ErrorCode.DUPLICATE });
    expect(fullUpdate(replies.slice(1), coordinator)).toMatchObject({ version: 0, complete: true });
    expect(await reasonCount(metrics.pushesRejected, 'duplicate')).toBe(1);
    // The round waits for b (sync): nothing was applied.
    expect(coordinator.version).toBe(0);
    coordinator.stop(false);
  });
});

// ---- Real workers over loopback ----------------------------------------------------------------

const TASKS = [
  { name: 'a', classes: 5 },
  { name: 'b', classes: 3 },
  { name: 'c', classes: 4 },
];
const STEPS = 150;

function trainingConfig(staleness: number): RunConfig {
  return parseRunConfig(
    {
      seed: 5,
      model: { arch: 'mlp', hidden: [64] },
      tasks: TASKS.map((t, i) => ({ name: t.name, dataset: { source: 'synthetic', features: 32, classes: t.classes, train: 512, test: 256, task_seed: i + 1 } })),
      train: { steps: STEPS, batch_size: 32, optimizer: { type: 'adam', lr: 0.01 }, baseline: false },
      sparsity: { rho: 0.05, warmup: 0.2, prune_end: 0.6, prune_every: 3 },
      distributed: { mode: 'async', staleness, report_every: 10, round_timeout_seconds: 60 },
    },
    'async training test',
  );
}

interface Trained {
  result: RunResult | null;
  outcomes: WorkerOutcome[];
  version: number;
  stale: number;
  future: number;
  accepted: number;
  /** The mean staleness of the accepted pushes. */
  meanStaleness: number;
  /** STALE errors the workers logged. */
  staleHeard: number;
  trouble: string[];
}

async function train(staleness: number): Promise<Trained> {
  const cfg = trainingConfig(staleness);
  const metrics = new CoordinatorMetrics(TASKS.map((t) => t.name));
  const coordinator = new Coordinator(cfg, { log: quiet, metrics });
  const server = await startServer(coordinator, { host: '127.0.0.1', port: 0, log: quiet, metrics });
  const done = new Promise<RunResult | null>((resolve) => coordinator.once('done', resolve));
  const trouble: string[] = [];
  const url = `ws://127.0.0.1:${server.port}`;
  let staleHeard = 0;
  const workers = cfg.tasks.map(
    (t) =>
      new Worker({
        url,
        task: t.name,
        log: (line) => {
          if (/ignoring|reconnecting|unreachable/.test(line)) trouble.push(line);
          if (/coordinator says STALE: base version \d+ is \d+ behind \d+ \(bound \d+\)/.test(line)) staleHeard++;
        },
      }),
  );
  try {
    const outcomes = await Promise.all(workers.map((w) => w.run()));
    const result = await done;
    return {
      result,
      outcomes,
      version: coordinator.version,
      stale: await reasonCount(metrics.pushesRejected, 'stale'),
      future: await reasonCount(metrics.pushesRejected, 'future'),
      accepted: (await stalenessObserved(metrics)).count,
      meanStaleness: (await stalenessObserved(metrics)).sum / STEPS,
      staleHeard,
      trouble,
    };
  } finally {
    coordinator.stop(false);
    await server.close();
  }
}

describe('async training with real workers', () => {
  it("trains three synthetic tasks to the end with mode: 'async' (bounds 0, 1, 8); a tight staleness bound refuses more pushes than a loose one", async () => {
    const tight = await train(0);
    const one = await train(1);
    const loose = await train(8);
    for (const [what, run] of [
      ['staleness 0', tight],
      ['staleness 1', one],
      ['staleness 8', loose],
    ] as const) {
      expect(run.trouble, what).toEqual([]);
      expect(run.version, what).toBe(STEPS);
      // One accepted push per version, whatever was refused.
      expect(run.accepted, what).toBe(STEPS);
      expect(run.future, what).toBe(0);
      // Every refusal reached its worker.
      expect(run.staleHeard, what).toBe(run.stale);
      expect(run.result, `${what}: the coordinator's result`).not.toBeNull();
      expect(run.result!.tasks.map((t) => t.name)).toEqual(TASKS.map((t) => t.name));
      run.outcomes.forEach((o, i) => {
        expect(o.task).toBe(TASKS[i].name);
        expect(o.evaluation, `${what}: task ${o.task} evaluated`).not.toBeNull();
        const chance = 1 / TASKS[i].classes;
        // Clearly above chance: at least chance plus a third of the way to perfect.
        expect(o.evaluation!.accuracy, `${what}: task ${o.task}`).toBeGreaterThan(chance + (1 - chance) / 3);
        expect(run.result!.tasks[i].hybrid_accuracy).toBe(o.evaluation!.accuracy);
      });
    }
    console.log(
      `async training, ${STEPS} versions, 3 tasks: pushes refused as stale with staleness 0: ${tight.stale}, 1: ${one.stale}, 8: ${loose.stale}; ` +
        `mean staleness of the accepted pushes ${[tight, one, loose].map((r) => r.meanStaleness.toFixed(2)).join(', ')}; ` +
        `accuracies ${[tight, one, loose].map((r) => r.outcomes.map((o) => o.evaluation!.accuracy.toFixed(3)).join('/')).join(', ')}`,
    );
    // Three workers train on each version they get: with bound 0 all but the first push for a version
    // are refused, so some are; the loose bound refuses fewer. (Bound 1 is reported, not compared: it
    // depends on how the pushes interleave.)
    expect(tight.stale).toBeGreaterThan(0);
    expect(loose.stale).toBeLessThan(tight.stale);
  }, 120_000);
});
