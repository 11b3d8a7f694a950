// Replicas come and go while their task trains: a replica that joins mid-run takes the lead's state at a
// round's close and trains from the next round on with bit-identical S_t and head; one that leaves is
// dropped from its task's round at once and the others go on; no round is applied twice. Bad replica
// claims are refused with a counter, and the run goes on.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../config/load.js';
import { Coordinator } from '../../coordinator/coordinator.js';
import { CoordinatorMetrics } from '../../coordinator/metrics.js';
import { startServer, type RunningServer } from '../../coordinator/server.js';
import { encode, ErrorCode, PROTOCOL_VERSION } from '../../proto/codec.js';
import type { RunResult } from '../../model/run-output.js';
import type { JoinedRun } from '../../worker/joined-run.js';
import { Worker } from '../../worker/worker.js';
import { counterValue, RawClient } from '../support/raw-client.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function config(steps: number) {
  return parseRunConfig(
    {
      seed: 8,
      model: { arch: 'mlp', hidden: [16] },
      tasks: [
        { name: 'a', replicas: 2, dataset: { source: 'synthetic', features: 12, classes: 4, train: 600, test: 100, task_seed: 1 } },
        { name: 'b', dataset: { source: 'synthetic', features: 12, classes: 3, train: 400, test: 100, task_seed: 2 } },
      ],
      train: { steps, batch_size: 16, optimizer: { type: 'adam', lr: 0.01 }, baseline: false, eval_every: 0 },
      sparsity: { rho: 0.05, warmup: 0.2, prune_end: 0.5, prune_every: 2 },
      distributed: { round_timeout_seconds: 120, report_every: 5, heartbeat_seconds: 0.5 },
    },
    'replica membership test',
  );
}

interface Started {
  coordinator: Coordinator;
  server: RunningServer;
  metrics: CoordinatorMetrics;
  done: Promise<RunResult | null>;
  /** Every version W moved to, in order. */
  versions: number[];
  lines: string[];
}

async function start(steps: number): Promise<Started> {
  const cfg = config(steps);
  const metrics = new CoordinatorMetrics(cfg.tasks.map((t) => t.name));
  const lines: string[] = [];
  const coordinator = new Coordinator(cfg, { log: (l) => lines.push(l), metrics, outDir: join(mkdtempSync(join(tmpdir(), 'hybrid-members-')), 'run') });
  const server = await startServer(coordinator, { host: '127.0.0.1', port: 0, log: () => {} });
  cleanups.push(
    () => server.close(),
    () => coordinator.stop(false),
  );
  const versions: number[] = [];
  coordinator.on('round', (v) => versions.push(v));
  return { coordinator, server, metrics, done: new Promise((resolve) => coordinator.once('done', resolve)), versions, lines };
}

function worker(s: Started, task: string, replica?: { index: number; count: number }): { w: Worker; digests: Map<number, string> } {
  const w = new Worker({ url: `ws://127.0.0.1:${s.server.port}`, task, replica, log: () => {} });
  const digests = new Map<number, string>();
  w.on('round', (version) => {
    const state = (w as unknown as { joined: JoinedRun }).joined.trainer.exportState();
    const hash = createHash('sha256');
    for (const v of [...state.sparse, ...state.head]) hash.update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
    digests.set(version, hash.digest('hex'));
  });
  return { w, digests };
}

const atVersion = (s: Started, version: number) =>
  new Promise<void>((resolve) => {
    const check = (v: number) => {
      if (v < version) return;
      s.coordinator.off('round', check);
      resolve();
    };
    s.coordinator.on('round', check);
  });

describe('replicas joining and leaving', () => {
  it('a replica joining mid-run trains from the state the others hold; one leaving is dropped; no round twice', async () => {
    const s = await start(60);
    const r0 = worker(s, 'a', { index: 0, count: 2 });
    const r1 = worker(s, 'a', { index: 1, count: 2 });
    const b = worker(s, 'b');
    const running = [r0, r1, b].map((x) => x.w.run());
    await atVersion(s, 12);
    // A third replica, beyond the configured two, with no claim: it gets the lowest free slot (2).
    const r2 = worker(s, 'a');
    const third = r2.w.run();
    await atVersion(s, 40);
    expect(s.lines.some((l) => /task a: replica 2 joins? at version/.test(l))).toBe(true);
    expect((await s.metrics.taskReplicas.get()).values.find((v) => v.labels.task === 'a')?.value).toBe(3);
    // Replica 1 leaves (bye and close): the round goes on with replicas 0 and 2.
    await r1.w.stop();
    const result = await s.done;
    await Promise.all([...running, third]);
    expect(result).not.toBeNull();
    // W moved once per round, 1 to 60, each once.
    expect(s.versions).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    // The joiner trained rounds from after its join to the end, from exactly the lead's S_t and head.
    const joinedRounds = [...r2.digests.keys()];
    expect(joinedRounds.length).toBeGreaterThan(10);
    expect(joinedRounds.at(-1)).toBe(59);
    for (const v of joinedRounds) expect(r2.digests.get(v), `round ${v}`).toBe(r0.digests.get(v));
    // Replica 1 trained until it left, in step with replica 0.
    for (const [v, d] of r1.digests) expect(d, `round ${v}`).toBe(r0.digests.get(v));
    expect(r0.digests.size).toBe(60);
  });

  it('refuses bad replica claims with a counter; the others go on', async () => {
    const s = await start(30);
    const good = [worker(s, 'a', { index: 0, count: 2 }), worker(s, 'a', { index: 1, count: 2 }), worker(s, 'b')];
    const running = good.map((x) => x.w.run());
    await atVersion(s, 5);
    const claim = async (task: string, replica: number, replicas: number) => {
      const c = await RawClient.open(s.server.port);
      cleanups.push(() => c.close());
      c.send(encode('hello', { protocolVersion: PROTOCOL_VERSION, task, modelFingerprint: '', workerId: `bad-${task}-${replica}`, replica, replicas, parts: true }));
      const reply = await c.error();
      expect((await c.closed).code).toBe(1008);
      return { code: ErrorCode[reply.code], message: reply.message };
    };
    const rejected = (reason: string) => counterValue(s.metrics.connectionsRejected, { reason });
    expect(await claim('a', 2, 2)).toEqual({ code: 'REPLICA', message: expect.stringMatching(/replica 2 of 2 is outside its count: --replica I\/N takes I from 0 to N-1/) });
    expect(await claim('b', 1, 2)).toEqual({ code: 'REPLICA', message: expect.stringMatching(/task "b" trains on one worker \(its run config has replicas 1\); give it "replicas": 2/) });
    expect(await rejected('replica')).toBe(2);
    expect(await claim('a', 1, 2)).toEqual({ code: 'TASK_TAKEN', message: expect.stringMatching(/replica 1 of task "a" has a live worker/) });
    expect(await rejected('task_taken')).toBe(1);
    expect(await claim('z', 0, 2)).toEqual({ code: 'UNKNOWN_TASK', message: expect.stringMatching(/no task "z" in this run; tasks: a, b/) });
    expect(await rejected('unknown_task')).toBe(1);
    expect(await s.done).not.toBeNull();
    const outcomes = await Promise.all(running);
    expect(outcomes.every((o) => o.evaluation !== null)).toBe(true);
    expect(s.versions.at(-1)).toBe(30);
  });
});
