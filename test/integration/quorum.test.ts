// docs/architecture.md section 4: a task whose worker is away still counts. The rounds wait for it until
// their deadline; they close without it only with `quorum` tasks in, counting it as a straggler; with a
// quorum of every task, W does not move until it is back. Raw clients push fixed gradients, so nothing
// here depends on training.
import { afterEach, describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../config/load.js';
import { Coordinator, type RoundStats } from '../../coordinator/coordinator.js';
import { CoordinatorMetrics } from '../../coordinator/metrics.js';
import { startServer } from '../../coordinator/server.js';
import { encode, f32Tensor } from '../../proto/codec.js';
import { counterValue, hello, RawClient } from '../support/raw-client.js';

const DEADLINE_S = 0.3;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function start(quorum: number) {
  const config = parseRunConfig(
    {
      seed: 1,
      model: { arch: 'mlp', hidden: [8] },
      tasks: ['a', 'b'].map((name, i) => ({ name, dataset: { source: 'synthetic', features: 4, classes: 2, hidden: 4, train: 64, test: 16, task_seed: i + 1 } })),
      train: { steps: 20, batch_size: 8, baseline: false },
      distributed: { round_timeout_seconds: DEADLINE_S, quorum, heartbeat_seconds: 30 },
    },
    'quorum test',
  );
  const metrics = new CoordinatorMetrics(['a', 'b']);
  const coordinator = new Coordinator(config, { log: () => {}, metrics });
  const server = await startServer(coordinator, { host: '127.0.0.1', port: 0, metrics, log: () => {} });
  cleanups.push(async () => {
    coordinator.stop(false);
    await server.close();
  });
  const rounds: Array<{ version: number; stats: RoundStats }> = [];
  coordinator.on('round', (version, stats) => rounds.push({ version, stats }));
  const join = async (task: string) => {
    const c = await RawClient.open(server.port);
    cleanups.push(() => c.close());
    c.send(hello(task));
    expect((await c.next())?.kind).toBe('welcome');
    return c;
  };
  const push = (c: RawClient, task: string, version: number) =>
    c.send(encode('push', { task, baseVersion: version, loss: 1, samples: 8, gradient: coordinator.spec.shared.map((t) => f32Tensor(t.name, t.shape, new Float32Array(t.size).fill(0.01))) }));
  const nextRound = () => new Promise<{ version: number; stats: RoundStats }>((resolve) => coordinator.once('round', (version, stats) => resolve({ version, stats })));
  return { coordinator, metrics, rounds, join, push, nextRound };
}

describe('a task whose worker is away', () => {
  it('with a quorum of every task: W waits for it past any number of deadlines, and moves on once it is back', async () => {
    const r = await start(2);
    const a = await r.join('a');
    let b = await r.join('b');
    const first = r.nextRound();
    r.push(a, 'a', 0);
    r.push(b, 'b', 0);
    expect((await first).stats.tasks).toEqual(['a', 'b']);
    b.close();
    await b.closed;
    r.push(a, 'a', 1);
    // Five deadlines pass (the round timer fires at each): the round stays open.
    await new Promise((resolve) => setTimeout(resolve, 5 * DEADLINE_S * 1000));
    expect(r.coordinator.version).toBe(1);
    expect(r.rounds).toHaveLength(1);
    expect(await counterValue(r.metrics.stragglers, { task: 'b' })).toBe(0);
    // b comes back (W of version 1 in its welcome) and pushes: the round closes with both.
    const second = r.nextRound();
    b = await r.join('b');
    r.push(b, 'b', 1);
    const closed = await second;
    expect(closed.version).toBe(2);
    expect(closed.stats.tasks).toEqual(['a', 'b']);
  });

  it('with a quorum of one: each round waits for it until the deadline, then closes without it and counts it as a straggler', async () => {
    const r = await start(1);
    const a = await r.join('a');
    const b = await r.join('b');
    const first = r.nextRound();
    r.push(a, 'a', 0);
    r.push(b, 'b', 0);
    await first;
    b.close();
    await b.closed;
    for (const version of [1, 2]) {
      const next = r.nextRound();
      r.push(a, 'a', version);
      const closed = await next;
      expect(closed.stats.tasks).toEqual(['a']);
    }
    expect(await counterValue(r.metrics.stragglers, { task: 'b' })).toBe(2);
    expect(await counterValue(r.metrics.stragglers, { task: 'a' })).toBe(0);
  });
});
