// The fused Adam step (HybridAdamUpdate on wasm, and adamUpdate's chain of ops elsewhere) against the
// chain of tfjs ops on the cpu backend, on fresh random parameters, gradients and slots, with and
// without a support mask; and its refusal of mismatched inputs.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { adamUpdate, adamUpdateKernelName, type AdamConstants } from '../../model/kernels/adam-update.js';
import { isWasmTrainingKernelRegistered } from '../../model/kernels/index.js';
import { relativeError, useWasmWithKernels } from '../support/kernels-reference.js';

const CONSTANTS: AdamConstants = { lr: 0.0123, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };

interface Values {
  p: Float32Array;
  g: Float32Array;
  m: Float32Array;
  v: Float32Array;
  mask: Float32Array | null;
}

function randomValues(size: number, masked: boolean): Values {
  const read = (make: () => tf.Tensor) => tf.tidy(() => make().dataSync() as Float32Array);
  return {
    p: read(() => tf.randomNormal([size])),
    g: read(() => tf.mul(tf.randomNormal([size]), 0.1)),
    m: read(() => tf.mul(tf.randomNormal([size]), 0.01)),
    v: read(() => tf.randomUniform([size], 0, 1e-3)),
    mask: masked ? read(() => tf.cast(tf.greater(tf.randomUniform([size]), 0.7), 'float32')) : null,
  };
}

/** [p', m', v'] through adamUpdate on the current backend. */
function step(values: Values, shape: number[]): Float32Array[] {
  const inputs = [values.p, values.g, values.m, values.v].map((a) => tf.tensor(a, shape));
  const mask = values.mask ? tf.tensor(values.mask, shape) : null;
  const out = adamUpdate(inputs[0], inputs[1], inputs[2], inputs[3], CONSTANTS, mask);
  const read = out.map((x) => x.dataSync() as Float32Array);
  tf.dispose([...inputs, ...out]);
  mask?.dispose();
  return read;
}

beforeAll(async () => {
  await useWasmWithKernels();
});

describe('HybridAdamUpdate', () => {
  it('is registered for wasm only', () => {
    expect(isWasmTrainingKernelRegistered(adamUpdateKernelName)).toBe(true);
    expect(tf.getKernel(adamUpdateKernelName, 'cpu')).toBeUndefined();
  });

  it.each([
    ['the MLP first layer', [784, 256], false],
    ['lenet5 conv2 kernel, masked', [5, 5, 6, 16], true],
    ['a bias, masked', [120], true],
    ['an odd size', [7, 3, 5], false],
  ] as const)('matches the chain of ops on the cpu backend: %s', async (_name, shape, masked) => {
    const values = randomValues(
      shape.reduce((a, b) => a * b, 1),
      masked,
    );
    await tf.setBackend('wasm');
    const onWasm = step(values, [...shape]);
    await tf.setBackend('cpu');
    const onCpu = step(values, [...shape]);
    await tf.setBackend('wasm');
    onWasm.forEach((w, i) => expect(relativeError(w, onCpu[i]), ['p', 'm', 'v'][i]).toBeLessThan(1e-6));
    if (masked) {
      // Off the support nothing moves: the parameter keeps its value, the slots decay.
      values.mask!.forEach((keep, i) => {
        if (keep === 0) expect(onWasm[0][i]).toBe(values.p[i]);
      });
    }
  });

  it('leaves no tensor or buffer behind but its three results', () => {
    const [p, g, m, v] = [0, 1, 2, 3].map(() => tf.randomNormal([64]));
    const tensors = tf.memory().numTensors;
    const buffers = tf.backend().numDataIds();
    const out = adamUpdate(p, g, m, v, CONSTANTS);
    expect(tf.memory().numTensors).toBe(tensors + 3);
    expect(tf.backend().numDataIds()).toBe(buffers + 3);
    tf.dispose([p, g, m, v, ...out]);
  });

  it('refuses inputs whose shapes differ from the parameter’s, naming them', () => {
    const p = tf.zeros([4, 3]);
    const g = tf.zeros([3, 4]);
    expect(() => tf.engine().runKernel(adamUpdateKernelName, { p, g, m: p, v: p }, { ...CONSTANTS })).toThrow(/input 'g' has shape \[3,4\], expected \[4,3\]/);
    tf.dispose([p, g]);
  });
});
