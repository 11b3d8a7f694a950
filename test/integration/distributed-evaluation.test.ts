// train.eval_every in a distributed run: every N rounds each worker evaluates its task on the held-out
// split and sends the result with that round's push; the coordinator logs it and sets
// hybrid_task_accuracy before the run ends. The evaluation is the one `hybrid train` reports at that step.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../config/load.js';
import { Coordinator } from '../../coordinator/coordinator.js';
import { CoordinatorMetrics } from '../../coordinator/metrics.js';
import { startServer } from '../../coordinator/server.js';
import { syntheticRunConfig } from '../support/synthetic-run.js';
import { Worker } from '../../worker/worker.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('held-out evaluations during a distributed run (train.eval_every)', () => {
  it('reach the coordinator with the pushes of every N-th round', async () => {
    const base = syntheticRunConfig({ tasks: 2, steps: 12 }, 'evaluation test');
    const config = parseRunConfig({ ...base, train: { ...base.train, eval_every: 5 } }, 'evaluation test');
    const metrics = new CoordinatorMetrics(config.tasks.map((t) => t.name));
    const lines: string[] = [];
    const coordinator = new Coordinator(config, { log: (line) => lines.push(line), metrics });
    const server = await startServer(coordinator, { host: '127.0.0.1', port: 0, log: () => {} });
    const accuracyBeforeFinal = new Map<string, number>();
    // The gauge as it stands when a round closes, before any final state can have set it.
    coordinator.on('round', () => {
      void metrics.taskAccuracy.get().then(({ values }) => {
        for (const { labels, value } of values) if (!Number.isNaN(value)) accuracyBeforeFinal.set(String(labels.task), value);
      });
    });
    const done = new Promise((resolve) => coordinator.once('done', resolve));
    const workerLines: string[] = [];
    const workers = config.tasks.map((t) => new Worker({ url: `ws://127.0.0.1:${server.port}`, task: t.name, log: (line) => workerLines.push(line) }));
    try {
      await Promise.all(workers.map((w) => w.run()));
      await done;
    } finally {
      coordinator.stop(false);
      await server.close();
    }
    for (const task of ['a', 'b']) {
      // Rounds 5 and 10 (versions 4 and 9) of 12.
      const logged = lines.filter((l) => l.startsWith(`coordinator: task ${task} at version`) && l.includes('held-out accuracy'));
      expect(logged.map((l) => /at version (\d+)/.exec(l)?.[1])).toEqual(['4', '9']);
      expect(workerLines.filter((l) => l.startsWith(`worker ${task}: round `) && l.includes('held-out accuracy')).length).toBe(2);
      const accuracy = accuracyBeforeFinal.get(task);
      expect(accuracy).toBeGreaterThan(0);
      expect(accuracy).toBeLessThanOrEqual(1);
    }
  });
});
