// bench:replica-step's parts: its command line, and one measured row (a few steps of the mlp on the cpu
// backend) whose times are real and whose replica path is the one TaskTrainer offers.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { measure, parse } from '../../bench/replica-step.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('bench:replica-step', () => {
  it('reads its options, with defaults, and names a bad one', () => {
    expect(parse([])).toEqual({ models: ['mlp', 'lenet5', 'resnet'], batch: 64, steps: 40, warmup: 5, json: false });
    expect(parse(['--models', 'lenet5', '--batch', '32', '--json'])).toMatchObject({ models: ['lenet5'], batch: 32, json: true });
    expect(() => parse(['--batch', '0'])).toThrow(/bench:replica-step: --batch needs an integer >= 1, got '0'/);
    expect(() => parse(['--models', 'vgg'])).toThrow(/--models takes mlp, lenet5, resnet; got 'vgg'/);
  });

  it('times the plain round and both halves of a replica round', async () => {
    const row = await measure('mlp', { models: ['mlp'], batch: 8, steps: 3, warmup: 1, json: false });
    expect(row).toMatchObject({ model: 'mlp', batch: 8 });
    for (const key of ['round_ms', 'replica_gradient_ms', 'replica_update_ms', 'replica_ms', 'replica_over_round'] as const) expect(row[key], key).toBeGreaterThan(0);
    expect(row.replica_ms).toBeGreaterThanOrEqual(row.replica_gradient_ms);
    expect(tf.memory().numTensors).toBe(0);
  }, 60_000);
});
