// The wasm training kernels in use: gradients of small conv nets and an MLP on wasm match the cpu
// backend; repeated kernel calls and training steps leave no tensor or wasm buffer behind; and the
// registration is idempotent, reversible and survives a re-initialised backend.
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isWasmTrainingKernelRegistered, registerWasmTrainingKernels, unregisterWasmTrainingKernels, WASM_TRAINING_KERNELS } from '../../model/kernels/index.js';
import { relativeError, useWasmWithKernels } from '../support/kernels-reference.js';
import { expectNothingLeft } from '../support/tensor-leaks.js';

interface Net {
  shapes: number[][];
  input: number[];
  classes: number;
  loss: (params: tf.Tensor[], x: tf.Tensor, labels: tf.Tensor) => tf.Scalar;
}

/** lenet5 as the model zoo builds it (5x5 'same' conv, 2x2 pools, 5x5 'valid' conv, dense 400-120-84-10). */
const LENET5: Net = {
  shapes: [[5, 5, 1, 6], [6], [5, 5, 6, 16], [16], [400, 120], [120], [120, 84], [84], [84, 10], [10]],
  input: [28, 28, 1],
  classes: 10,
  loss: (p, x, labels) => {
    const batch = x.shape[0];
    let h = tf.maxPool(tf.relu(tf.add(tf.conv2d(x as tf.Tensor4D, p[0] as tf.Tensor4D, 1, 'same'), p[1])) as tf.Tensor4D, 2, 2, 'valid');
    h = tf.maxPool(tf.relu(tf.add(tf.conv2d(h, p[2] as tf.Tensor4D, 1, 'valid'), p[3])) as tf.Tensor4D, 2, 2, 'valid');
    let f = tf.reshape(h, [batch, 400]) as tf.Tensor2D;
    f = tf.relu(tf.add(tf.matMul(f, p[4] as tf.Tensor2D), p[5])) as tf.Tensor2D;
    f = tf.relu(tf.add(tf.matMul(f, p[6] as tf.Tensor2D), p[7])) as tf.Tensor2D;
    return tf.losses.softmaxCrossEntropy(labels, tf.add(tf.matMul(f, p[8] as tf.Tensor2D), p[9])) as tf.Scalar;
  },
};

/** Strided convolutions and overlapping, padded pooling, to reach the kernels' other paths. */
const STRIDED: Net = {
  shapes: [
    [3, 3, 2, 4],
    [3, 3, 4, 5],
    [5 * 4 * 4, 3],
  ],
  input: [15, 15, 2],
  classes: 3,
  loss: (p, x, labels) => {
    const batch = x.shape[0];
    let h = tf.relu(tf.conv2d(x as tf.Tensor4D, p[0] as tf.Tensor4D, 2, 'same')) as tf.Tensor4D; // [B, 8, 8, 4]
    h = tf.maxPool(h, 3, 1, 'same');
    h = tf.maxPool(tf.conv2d(h, p[1] as tf.Tensor4D, 1, 'valid'), 3, 2, 'same'); // [B, 3, 3, 5] -> pooled below
    const f = tf.reshape(
      tf.pad(h, [
        [0, 0],
        [0, 1],
        [0, 1],
        [0, 0],
      ]),
      [batch, 5 * 4 * 4],
    ) as tf.Tensor2D;
    return tf.losses.softmaxCrossEntropy(labels, tf.matMul(f, p[2] as tf.Tensor2D)) as tf.Scalar;
  },
};

const MLP: Net = {
  shapes: [[784, 256], [256], [256, 256], [256], [256, 10], [10]],
  input: [784],
  classes: 10,
  loss: (p, x, labels) => {
    let h = x as tf.Tensor2D;
    h = tf.relu(tf.add(tf.matMul(h, p[0] as tf.Tensor2D), p[1])) as tf.Tensor2D;
    h = tf.relu(tf.add(tf.matMul(h, p[2] as tf.Tensor2D), p[3])) as tf.Tensor2D;
    return tf.losses.softmaxCrossEntropy(labels, tf.add(tf.matMul(h, p[4] as tf.Tensor2D), p[5])) as tf.Scalar;
  },
};

interface Problem {
  params: { data: Float32Array; shape: number[] }[];
  x: { data: Float32Array; shape: number[] };
  labels: { data: Float32Array; shape: number[] };
}

/** Seeded: an unseeded draw now and then puts a ReLU input within rounding of zero, where the two
 *  backends' gradients may rightly differ, and the comparison would fail one run in many. */
function randomProblem(net: Net, batch: number, seed = 7): Problem {
  return tf.tidy(() => {
    const params = net.shapes.map((shape, i) => ({ data: tf.mul(tf.randomNormal(shape, 0, 1, 'float32', seed + i), 0.2).dataSync() as Float32Array, shape }));
    const x = { data: tf.randomUniform([batch, ...net.input], 0, 1, 'float32', seed + 100).dataSync() as Float32Array, shape: [batch, ...net.input] };
    const classes = tf.randomUniform([batch], 0, net.classes, 'int32', seed + 200) as tf.Tensor1D;
    const labels = { data: tf.cast(tf.oneHot(classes, net.classes), 'float32').dataSync() as Float32Array, shape: [batch, net.classes] };
    return { params, x, labels };
  });
}

/** Loss and the gradient of every parameter on the current backend, through tf.variableGrads. */
function gradients(net: Net, problem: Problem): { loss: number; grads: Float32Array[] } {
  const vars = problem.params.map((p) => {
    const initial = tf.tensor(p.data, p.shape);
    const v = tf.variable(initial);
    initial.dispose();
    return v;
  });
  const x = tf.tensor(problem.x.data, problem.x.shape);
  const labels = tf.tensor(problem.labels.data, problem.labels.shape);
  const { value, grads } = tf.variableGrads(() => net.loss(vars, x, labels), vars);
  const result = { loss: value.dataSync()[0], grads: vars.map((v) => grads[v.name].dataSync() as Float32Array) };
  tf.dispose([value, x, labels, ...Object.values(grads), ...vars]);
  return result;
}

async function onBothBackends(net: Net, batch: number): Promise<{ wasm: ReturnType<typeof gradients>; cpu: ReturnType<typeof gradients> }> {
  const problem = randomProblem(net, batch);
  await tf.setBackend('wasm');
  const wasm = gradients(net, problem);
  await tf.setBackend('cpu');
  const cpu = gradients(net, problem);
  await tf.setBackend('wasm');
  return { wasm, cpu };
}

beforeAll(async () => {
  await useWasmWithKernels();
});

afterAll(() => {
  registerWasmTrainingKernels();
});

describe('gradients on wasm with the training kernels', () => {
  it.each([
    ['lenet5, batch 16', LENET5, 16],
    ['strided convolutions and overlapping pools, batch 8', STRIDED, 8],
    ['mlp 784-256-256-10, batch 64', MLP, 64],
  ] as const)('tf.variableGrads matches the cpu backend: %s', async (_name, net, batch) => {
    const { wasm, cpu } = await onBothBackends(net, batch);
    expect(Math.abs(wasm.loss - cpu.loss)).toBeLessThan(1e-5 * Math.max(1, Math.abs(cpu.loss)));
    wasm.grads.forEach((g, i) => {
      expect(g.length).toBe(cpu.grads[i].length);
      expect(relativeError(g, cpu.grads[i]), `parameter ${i} [${net.shapes[i]}]`).toBeLessThan(1e-4);
    });
  });

  it('tf.grad of a conv net with respect to its input matches the cpu backend (Conv2DBackpropInput, MaxPoolGrad)', async () => {
    const filter = tf.randomNormal([3, 3, 2, 4]).dataSync();
    const x = tf.randomNormal([4, 12, 12, 2]).dataSync();
    const run = () =>
      tf.tidy(() => {
        const f = tf.tensor4d(filter, [3, 3, 2, 4]);
        const grad = tf.grad((input: tf.Tensor) => tf.sum(tf.square(tf.maxPool(tf.relu(tf.conv2d(input as tf.Tensor4D, f, 1, 'same')), 2, 2, 'valid'))));
        return grad(tf.tensor4d(x, [4, 12, 12, 2])).dataSync();
      });
    await tf.setBackend('wasm');
    const onWasm = run();
    await tf.setBackend('cpu');
    const onCpu = run();
    await tf.setBackend('wasm');
    expect(relativeError(onWasm, onCpu)).toBeLessThan(1e-5);
  });
});

describe('no leaks', () => {
  it('repeated kernel calls leave the tensor count and the wasm buffers unchanged', () => {
    const x = tf.randomNormal([8, 14, 14, 6]);
    const filter = tf.randomNormal([5, 5, 6, 16]);
    const y = tf.conv2d(x as tf.Tensor4D, filter as tf.Tensor4D, 1, 'valid');
    const pooled = tf.maxPool(y, 2, 2, 'valid');
    const a = tf.randomNormal([1, 32, 40]);
    const b = tf.randomNormal([1, 32, 24]);
    const calls = () => {
      for (const dataFormat of ['NHWC', 'NCHW'] as const) {
        const xx = dataFormat === 'NHWC' ? x : tf.transpose(x, [0, 3, 1, 2]);
        const dy = dataFormat === 'NHWC' ? y : tf.transpose(y, [0, 3, 1, 2]);
        tf.engine().runKernel('Conv2DBackpropFilter', { x: xx, dy }, { strides: 1, pad: 'valid', dataFormat, filterShape: [5, 5, 6, 16] });
      }
      tf.engine().runKernel('Conv2DBackpropFilter', { x: tf.tile(x, [4, 1, 1, 1]), dy: tf.tile(y, [4, 1, 1, 1]) }, { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: [5, 5, 6, 16] });
      tf.engine().runKernel('Conv2DBackpropInput', { dy: y, filter }, { strides: 1, pad: 'valid', dataFormat: 'NHWC', inputShape: x.shape });
      tf.engine().runKernel('Conv2DBackpropInput', { dy: tf.maxPool(y, 1, 2, 'valid'), filter }, { strides: 2, pad: 'valid', dataFormat: 'NHWC', inputShape: [8, 13, 13, 6] });
      tf.engine().runKernel('MaxPoolGrad', { dy: pooled, input: y, output: pooled }, { filterSize: 2, strides: 2, pad: 'valid' });
      tf.engine().runKernel('BatchMatMul', { a, b }, { transposeA: true, transposeB: false });
      tf.engine().runKernel('BatchMatMul', { a: b, b: a }, { transposeA: true, transposeB: false });
      tf.engine().runKernel('BatchMatMul', { a: tf.reshape(a, [4, 8, 40]), b: tf.randomNormal([1, 40, 3]) }, { transposeA: false, transposeB: false });
      tf.engine().runKernel('_FusedMatMul', { a, b, bias: tf.zeros([24]) }, { transposeA: true, transposeB: false, activation: 'relu' });
    };
    expectNothingLeft(() => tf.tidy(calls));
    tf.dispose([x, filter, y, pooled, a, b]);
  });

  it('repeated training steps leave the tensor count and the wasm buffers unchanged', () => {
    const problem = randomProblem(LENET5, 4);
    expectNothingLeft(() => gradients(LENET5, problem), 3);
  });
});

describe('registration', () => {
  it('is idempotent: registering again keeps one working set of kernels', () => {
    registerWasmTrainingKernels();
    registerWasmTrainingKernels();
    for (const [name] of WASM_TRAINING_KERNELS) expect(isWasmTrainingKernelRegistered(name)).toBe(true);
    const a = tf.tensor3d([1, 2, 3, 4, 5, 6], [1, 3, 2]);
    const product = tf.matMul(a, a, true, false); // [1, 2, 2] = a^T a
    expect(Array.from(product.dataSync())).toEqual([35, 44, 44, 56]);
    tf.dispose([a, product]);
  });

  it('can be undone, restoring the built-in kernels (and no Conv2DBackpropFilter), and redone', () => {
    unregisterWasmTrainingKernels();
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined();
    expect(isWasmTrainingKernelRegistered('BatchMatMul')).toBe(false);
    expect(tf.getKernel('BatchMatMul', 'wasm')).toBeDefined();
    const a = tf.tensor3d([1, 2, 3, 4, 5, 6], [1, 3, 2]);
    expect(Array.from(tf.matMul(a, a, true, false).dataSync())).toEqual([35, 44, 44, 56]);
    registerWasmTrainingKernels();
    expect(isWasmTrainingKernelRegistered('Conv2DBackpropFilter')).toBe(true);
    expect(Array.from(tf.matMul(a, a, true, false).dataSync())).toEqual([35, 44, 44, 56]);
    tf.dispose(a);
  });

  it('still works when the wasm backend initialises after the registration (the built-in setup runs)', async () => {
    const factory = tf.findBackendFactory('wasm');
    expect(factory).not.toBeNull();
    registerWasmTrainingKernels();
    tf.removeBackend('wasm');
    tf.registerBackend('wasm', factory);
    expect(await tf.setBackend('wasm')).toBe(true);
    const a = tf.tensor3d([1, 2, 3, 4, 5, 6], [1, 3, 2]);
    expect(Array.from(tf.matMul(a, a, true, false).dataSync())).toEqual([35, 44, 44, 56]);
    expect(Array.from(tf.matMul(a, a, false, true).dataSync())).toEqual([5, 11, 17, 11, 25, 39, 17, 39, 61]);
    tf.dispose(a);
  });
});
