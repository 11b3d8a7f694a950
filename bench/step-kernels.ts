// Timings of the wasm training kernels (model/kernels) against what tfjs 4.22 does without them, on
// the model zoo's shapes. Numbers, never pass/fail. Run: npx vite-node bench/step-kernels.ts [runs]
//
// "built-in" is the wasm backend's own kernel; Conv2DBackpropFilter has none on wasm, so its row
// compares with tfjs' cpu backend (what a CNN otherwise has to train on). The built-in MaxPoolGrad
// is also wrong (see model/kernels/max-pool-grad.ts): its time is given for reference only.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels, unregisterWasmTrainingKernels } from '../model/kernels/index.js';
import { originalWasmKernel } from '../model/kernels/wasm-ops.js';

const runs = Number(process.argv[2] ?? 15);

type Attrs = Record<string, unknown>;
interface KernelCase {
  label: string;
  kernel: string;
  inputs: () => Record<string, tf.Tensor>;
  attrs: Attrs;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Median milliseconds of `run` over `count` calls, after two warm-up calls. */
function timeMs(run: () => void, count = runs): number {
  run();
  run();
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    run();
    times.push(performance.now() - start);
  }
  return median(times);
}

/** Median milliseconds of `a` and of `b`, their calls interleaved so that load on the machine hits both alike. */
function timePairMs(a: () => void, b: () => void): [number, number] {
  a();
  b();
  const timesA: number[] = [];
  const timesB: number[] = [];
  for (let i = 0; i < runs; i++) {
    let start = performance.now();
    a();
    timesA.push(performance.now() - start);
    start = performance.now();
    b();
    timesB.push(performance.now() - start);
  }
  return [median(timesA), median(timesB)];
}

function callKernel(config: tf.KernelConfig | undefined, inputs: Record<string, tf.Tensor>, attrs: Attrs): void {
  if (config === undefined) throw new Error('kernel missing');
  const backend = tf.backend();
  const out = config.kernelFunc({ inputs, backend, attrs: attrs as tf.NamedAttrMap });
  for (const info of Array.isArray(out) ? out : [out]) backend.disposeData(info.dataId);
}

function kernelCases(batch: number): KernelCase[] {
  const r = (shape: number[]) => () => tf.randomNormal(shape);
  const conv = (label: string, x: number[], f: number[], pad: 'same' | 'valid', out: number[]): KernelCase[] => [
    {
      label: `${label} Conv2DBackpropFilter`,
      kernel: 'Conv2DBackpropFilter',
      inputs: () => ({ x: r(x)(), dy: r(out)() }),
      attrs: { strides: 1, pad, dataFormat: 'NHWC', filterShape: f },
    },
    {
      label: `${label} Conv2DBackpropInput`,
      kernel: 'Conv2DBackpropInput',
      inputs: () => ({ dy: r(out)(), filter: r(f)() }),
      attrs: { strides: 1, pad, dataFormat: 'NHWC', inputShape: x },
    },
  ];
  const pool = (label: string, x: number[]): KernelCase => ({
    label: `${label} MaxPoolGrad`,
    kernel: 'MaxPoolGrad',
    inputs: () => {
      const input = tf.relu(tf.randomNormal(x));
      const output = tf.maxPool(input as tf.Tensor4D, 2, 2, 'valid');
      return { input, output, dy: tf.randomNormal(output.shape) };
    },
    attrs: { filterSize: 2, strides: 2, pad: 'valid' },
  });
  const dense = (label: string, n: number, m: number): KernelCase[] => [
    {
      label: `${label} ${n}->${m} dW=x^T.dy`,
      kernel: 'BatchMatMul',
      inputs: () => ({ a: r([1, batch, n])(), b: r([1, batch, m])() }),
      attrs: { transposeA: true, transposeB: false },
    },
    {
      label: `${label} ${n}->${m} dx=dy.W^T`,
      kernel: 'BatchMatMul',
      inputs: () => ({ a: r([1, batch, m])(), b: r([1, n, m])() }),
      attrs: { transposeA: false, transposeB: true },
    },
  ];
  return [
    ...conv('lenet5 conv1', [batch, 28, 28, 1], [5, 5, 1, 6], 'same', [batch, 28, 28, 6]),
    pool('lenet5 pool1', [batch, 28, 28, 6]),
    ...conv('lenet5 conv2', [batch, 14, 14, 6], [5, 5, 6, 16], 'valid', [batch, 10, 10, 16]),
    pool('lenet5 pool2', [batch, 10, 10, 16]),
    ...dense('lenet5 dense', 400, 120),
    ...dense('lenet5 dense', 120, 84),
    ...dense('mlp', 784, 256),
    ...dense('mlp', 256, 256),
    ...dense('mlp', 256, 10),
  ];
}

async function benchKernels(): Promise<void> {
  console.log(`kernels: median of ${runs} runs, ms (wasm backend, ${tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? 'SIMD' : 'no SIMD'})`);
  console.log(['batch', 'case', 'built-in', 'ours', 'speed-up'].join('\t'));
  for (const batch of [64, 128]) {
    for (const c of kernelCases(batch)) {
      await tf.setBackend('wasm');
      const inputs = c.inputs();
      // Both sides call the kernel function directly (no engine, no read-back): kernel time only.
      const runOurs = () => callKernel(tf.getKernel(c.kernel, 'wasm'), inputs, c.attrs);
      let ours: number;
      let builtIn: number;
      let where = '';
      const original = originalWasmKernel(c.kernel);
      if (c.kernel === 'Conv2DBackpropFilter' || original === undefined) {
        ours = timeMs(runOurs);
        await tf.setBackend('cpu');
        const copies = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, tf.tensor(v.dataSync(), v.shape)]));
        builtIn = timeMs(() => callKernel(tf.getKernel(c.kernel, 'cpu'), copies, c.attrs), Math.min(5, runs));
        Object.values(copies).forEach((t) => t.dispose());
        where = ' (cpu backend)';
        await tf.setBackend('wasm');
      } else {
        [builtIn, ours] = timePairMs(() => callKernel(original, inputs, c.attrs), runOurs);
      }
      Object.values(inputs).forEach((t) => t.dispose());
      console.log([batch, c.label, builtIn.toFixed(2) + where, ours.toFixed(2), (builtIn / ours).toFixed(1) + 'x'].join('\t'));
    }
  }
}

/** One training step (forward, softmax cross-entropy, gradients of every parameter) of lenet5 or the MLP. */
function stepOf(arch: 'lenet5' | 'mlp', batch: number): () => void {
  const shapes =
    arch === 'lenet5'
      ? [[5, 5, 1, 6], [6], [5, 5, 6, 16], [16], [400, 120], [120], [120, 84], [84], [84, 10], [10]]
      : [[784, 256], [256], [256, 256], [256], [256, 10], [10]];
  const params = tf.tidy(() => shapes.map((s) => tf.variable(tf.mul(tf.randomNormal(s), 0.1))));
  const x = arch === 'lenet5' ? tf.randomUniform([batch, 28, 28, 1]) : tf.randomUniform([batch, 784]);
  const labels = tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32') as tf.Tensor1D, 10);
  const forward = (): tf.Scalar => {
    let h: tf.Tensor = x;
    if (arch === 'lenet5') {
      h = tf.maxPool(tf.relu(tf.add(tf.conv2d(h as tf.Tensor4D, params[0] as tf.Tensor4D, 1, 'same'), params[1])) as tf.Tensor4D, 2, 2, 'valid');
      h = tf.maxPool(tf.relu(tf.add(tf.conv2d(h as tf.Tensor4D, params[2] as tf.Tensor4D, 1, 'valid'), params[3])) as tf.Tensor4D, 2, 2, 'valid');
      h = tf.reshape(h, [batch, 400]);
    }
    const dense = arch === 'lenet5' ? 4 : 0;
    for (let i = dense; i < params.length; i += 2) {
      h = tf.add(tf.matMul(h as tf.Tensor2D, params[i] as tf.Tensor2D), params[i + 1]);
      if (i + 2 < params.length) h = tf.relu(h);
    }
    return tf.losses.softmaxCrossEntropy(labels, h as tf.Tensor2D) as tf.Scalar;
  };
  return () =>
    tf.tidy(() => {
      const { grads } = tf.variableGrads(forward);
      for (const g of Object.values(grads)) g.dataSync();
    });
}

async function benchSteps(): Promise<void> {
  console.log(`\ntraining steps: median of ${runs} runs, ms`);
  console.log(['batch', 'model', 'cpu backend', 'wasm built-in', 'wasm + kernels'].join('\t'));
  for (const batch of [64, 128]) {
    for (const arch of ['lenet5', 'mlp'] as const) {
      await tf.setBackend('cpu');
      // tfjs' cpu kernels take seconds per lenet5 step: three runs are enough to see the scale.
      const cpu = timeMs(stepOf(arch, batch), Math.min(3, runs));
      await tf.setBackend('wasm');
      unregisterWasmTrainingKernels();
      let builtIn = 'fails (no Conv2DBackpropFilter)';
      try {
        builtIn = timeMs(stepOf(arch, batch)).toFixed(1);
      } catch {
        // lenet5 cannot train on the stock wasm backend: that is the point of the kernels.
      }
      registerWasmTrainingKernels();
      const ours = timeMs(stepOf(arch, batch));
      console.log([batch, arch, cpu.toFixed(1), builtIn, ours.toFixed(1)].join('\t'));
      tf.disposeVariables();
    }
  }
}

tf.env().set('PROD', true); // silences the cpu backend's "install tfjs-node" banner
await tf.setBackend('wasm');
registerWasmTrainingKernels();
await benchKernels();
await benchSteps();
