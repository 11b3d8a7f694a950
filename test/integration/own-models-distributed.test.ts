// A distributed run from model files (model.from, one per task): the coordinator starts W from their
// merge, each worker reads its task's file after the welcome (holding the frames that follow it) and
// starts its head, statistics and S_t from it. The run computes what `hybrid train` computes from the
// same files, and the results and bundle carry the start's worth and each task's own statistics.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../config/load.js';
import type { RunConfig } from '../../config/schema.js';
import { Coordinator } from '../../coordinator/coordinator.js';
import { startServer } from '../../coordinator/server.js';
import { runTrain } from '../../launch/train.js';
import { initBackend } from '../../model/backend.js';
import { readBundle } from '../../model/bundle.js';
import { loadModelFiles } from '../../model/definition.js';
import type { RunResult } from '../../model/run-output.js';
import { Worker } from '../../worker/worker.js';
import { saveLayersModel, skipModel } from '../support/own-models.js';

const quiet = () => {};
const root = mkdtempSync(join(tmpdir(), 'hybrid-own-distributed-'));
let config: RunConfig;

beforeAll(async () => {
  await initBackend('wasm', { log: quiet });
  const files = [await saveLayersModel(skipModel({ seed: 1 }), join(root, 'a')), await saveLayersModel(skipModel({ seed: 2 }), join(root, 'b'))];
  config = parseRunConfig(
    {
      seed: 3,
      model: { from: files },
      tasks: [
        { name: 'digits', dataset: { source: 'mnist', train: 200, test: 100 } },
        { name: 'rot90', dataset: { source: 'mnist', train: 200, test: 100 }, transforms: [{ type: 'rotate', degrees: 90 }] },
      ],
      train: { steps: 8, batch_size: 16, optimizer: { type: 'adam', lr: 0.001 }, baseline: false },
      sparsity: { rho: 0.05, warmup: 0, prune_end: 0 },
      distributed: { report_every: 4 },
    },
    'run.json',
  );
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function distributed(outDir: string): Promise<RunResult | null> {
  await loadModelFiles(config.model);
  const coordinator = new Coordinator(config, { log: quiet, outDir });
  const server = await startServer(coordinator, { host: '127.0.0.1', port: 0, log: quiet });
  const done = new Promise<RunResult | null>((resolve) => coordinator.once('done', resolve));
  const url = `ws://127.0.0.1:${server.port}`;
  const lines: string[] = [];
  const outcomes = config.tasks.map((t) => new Worker({ url, task: t.name, log: (line) => lines.push(line) }).run());
  await Promise.all(outcomes);
  const result = await done;
  coordinator.stop(false);
  await server.close();
  // Each worker started from its file, against the W of the welcome.
  expect(lines.filter((l) => /started from the model files: its own model [\d.]+, merged [\d.]+/.test(l))).toHaveLength(2);
  return result;
}

describe('a distributed run from model files', () => {
  it('computes what hybrid train computes from the same files, and reports the start and each task its own statistics', async () => {
    const single = await runTrain(config, { outDir: join(root, 'single'), log: quiet });
    const result = await distributed(join(root, 'distributed'));
    if (!result) throw new Error('the coordinator wrote no results');
    for (const [i, t] of result.tasks.entries()) {
      expect(t.original_accuracy, t.name).toBe(single.tasks[i].original_accuracy);
      expect(t.merged_accuracy, t.name).toBe(single.tasks[i].merged_accuracy);
      expect(t.hybrid_accuracy, t.name).toBe(single.tasks[i].hybrid_accuracy);
      expect(t.nnz, t.name).toBe(single.tasks[i].nnz);
    }
    const a = readBundle(join(root, 'single', 'bundle'));
    const b = readBundle(join(root, 'distributed', 'bundle'));
    // W and every task's statistics agree with the single process's (sync rounds with every task in).
    b.shared.forEach((w, l) => {
      const scale = Math.max(1e-6, ...Array.from(a.shared[l], Math.abs));
      const diff = Math.max(...Array.from(w, (v, k) => Math.abs(v - a.shared[l][k])));
      expect(diff / scale, b.spec.shared[l].name).toBeLessThan(1e-5);
    });
    expect(b.spec.stats.map((t) => t.name)).toEqual(['bn1/moving_mean', 'bn1/moving_variance']);
    b.tasks.forEach((task, i) => task.stats.forEach((s, k) => expect(Array.from(s)).toEqual(Array.from(a.tasks[i].stats[k]))));
    // Each task's statistics are its own: they started from different files and saw different data.
    expect(Array.from(b.tasks[0].stats[0])).not.toEqual(Array.from(b.tasks[1].stats[0]));
  }, 120_000);
});
