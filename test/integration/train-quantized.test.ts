// A run that ends quantised (`export.quantize`): `hybrid train` writes <out>/bundle-<q> beside the
// float32 bundle and reports each task's accuracy from the quantised bundle alone, which `hybrid
// inspect` and the bundle reader agree with.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../config/load.js';
import { runTrain } from '../../launch/train.js';
import { inspectBundle } from '../../model/bundle-inspect.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('export.quantize', () => {
  it('int8: the quantised bundle is written, far smaller, and its accuracies are in the results', async () => {
    const config = parseRunConfig(
      {
        seed: 2,
        model: { arch: 'mlp', hidden: [64] },
        tasks: [
          { name: 'a', dataset: { source: 'synthetic', features: 32, classes: 4, train: 512, test: 256, task_seed: 1 } },
          { name: 'b', dataset: { source: 'synthetic', features: 32, classes: 3, train: 512, test: 256, task_seed: 2 } },
        ],
        train: { steps: 60, batch_size: 32, optimizer: { type: 'adam', lr: 0.01 } },
        export: { quantize: 'int8' },
      },
      'quantized run',
    );
    const out = mkdtempSync(join(tmpdir(), 'hybrid-train-q-'));
    const result = await runTrain(config, { outDir: out, log: () => undefined });
    const q = result.quantized!;
    expect(q.encoding).toBe('int8');
    expect(q.tasks.map((t) => t.name)).toEqual(['a', 'b']);
    const summary = inspectBundle(join(out, 'bundle-int8'));
    expect(summary.weights_bytes).toBe(q.bytes);
    expect(q.bytes_ratio).toBeGreaterThan(2.5 * result.compression.bytes_ratio);
    // Trained well above chance, and int8 costs next to nothing at this size.
    result.tasks.forEach((t, i) => {
      expect(t.hybrid_accuracy).toBeGreaterThan(0.5);
      expect(Math.abs(q.tasks[i].accuracy - t.hybrid_accuracy)).toBeLessThanOrEqual(0.03);
    });
    // The float32 bundle is there as before.
    expect(inspectBundle(out).version).toBe(2);
  });
});
