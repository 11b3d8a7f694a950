// Timings of the wasm training kernels (model/kernels) against what tfjs 4.22 does without them, on the
// model zoo's shapes. Numbers, never pass/fail. Run: npx vite-node bench/step-kernels.ts [runs]
// (The whole training step, per backend: npm run bench:step.)
//
// Every call gets fresh input tensors (copied before the timer starts), as in training, where every
// operand is new each step: the backend caches XNNPACK's packed right operand per tensor, so reusing
// inputs would hide that packing. "built-in" is the wasm backend's own kernel, called the same way;
// Conv2DBackpropFilter has none on wasm, so its row compares with tfjs' cpu backend (what a CNN
// otherwise has to train on). The built-in MaxPoolGrad is also wrong (model/kernels/max-pool-grad.ts):
// its time is given for reference only. Calls alternate between the two sides, so that load on the
// machine hits both alike; the minimum is shown next to the median.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '../model/kernels/index.js';
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

/** Fresh copies of `inputs` (new wasm buffers: nothing cached for them). */
function fresh(inputs: Record<string, tf.Tensor>): Record<string, tf.Tensor> {
  return Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, tf.tensor(v.dataSync(), v.shape, v.dtype)]));
}

function callKernel(config: tf.KernelConfig | undefined, inputs: Record<string, tf.Tensor>, attrs: Attrs): void {
  if (config === undefined) throw new Error('kernel missing');
  const backend = tf.backend();
  const out = config.kernelFunc({ inputs, backend, attrs: attrs as tf.NamedAttrMap });
  for (const info of Array.isArray(out) ? out : [out]) backend.disposeData(info.dataId);
}

/** [median, min] milliseconds of each side, on fresh inputs, calls interleaved, after one warm-up each. */
function timeSides(sides: ((inputs: Record<string, tf.Tensor>) => void)[], inputs: Record<string, tf.Tensor>, count: number): [number, number][] {
  const times = sides.map(() => [] as number[]);
  for (let i = -1; i < count; i++) {
    sides.forEach((run, s) => {
      const copies = fresh(inputs);
      const start = performance.now();
      run(copies);
      const ms = performance.now() - start;
      if (i >= 0) times[s].push(ms);
      Object.values(copies).forEach((t) => t.dispose());
    });
  }
  return times.map((t) => [median(t), Math.min(...t)]);
}

function kernelCases(batch: number): KernelCase[] {
  const r = (shape: number[]) => () => tf.randomNormal(shape);
  const conv = (label: string, x: number[], f: number[], pad: 'same' | 'valid', out: number[]): KernelCase[] => [
    { label: `${label} Conv2DBackpropFilter`, kernel: 'Conv2DBackpropFilter', inputs: () => ({ x: r(x)(), dy: r(out)() }), attrs: { strides: 1, pad, dataFormat: 'NHWC', filterShape: f } },
    { label: `${label} Conv2DBackpropInput`, kernel: 'Conv2DBackpropInput', inputs: () => ({ dy: r(out)(), filter: r(f)() }), attrs: { strides: 1, pad, dataFormat: 'NHWC', inputShape: x } },
    { label: `${label} bias gradient Sum`, kernel: 'Sum', inputs: () => ({ x: r(out)() }), attrs: { axis: [0, 1, 2], keepDims: false } },
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
    { label: `${label} ${n}->${m} y=x.W`, kernel: 'BatchMatMul', inputs: () => ({ a: r([1, batch, n])(), b: r([1, n, m])() }), attrs: { transposeA: false, transposeB: false } },
    { label: `${label} ${n}->${m} dW=x^T.dy`, kernel: 'BatchMatMul', inputs: () => ({ a: r([1, batch, n])(), b: r([1, batch, m])() }), attrs: { transposeA: true, transposeB: false } },
    { label: `${label} ${n}->${m} dx=dy.W^T`, kernel: 'BatchMatMul', inputs: () => ({ a: r([1, batch, m])(), b: r([1, n, m])() }), attrs: { transposeA: false, transposeB: true } },
  ];
  return [
    ...conv('lenet5 conv1', [batch, 28, 28, 1], [5, 5, 1, 6], 'same', [batch, 28, 28, 6]),
    pool('lenet5 pool1', [batch, 28, 28, 6]),
    ...conv('lenet5 conv2', [batch, 14, 14, 6], [5, 5, 6, 16], 'valid', [batch, 10, 10, 16]),
    pool('lenet5 pool2', [batch, 10, 10, 16]),
    { label: 'lenet5 conv1 dy to filter layout Transpose', kernel: 'Transpose', inputs: () => ({ x: r([batch, 28, 28, 6])() }), attrs: { perm: [1, 2, 0, 3] } },
    ...dense('lenet5 dense', 400, 120),
    ...dense('lenet5 dense', 120, 84),
    ...dense('mlp', 784, 256),
    ...dense('mlp', 256, 256),
    ...dense('mlp', 256, 10),
  ];
}

async function benchKernels(): Promise<void> {
  console.log(`kernels: median (min) of ${runs} calls on fresh inputs, ms (wasm backend, ${tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? 'SIMD' : 'no SIMD'})`);
  console.log(['batch', 'case', 'built-in', 'ours', 'speed-up'].join('\t'));
  const show = ([med, min]: [number, number]) => `${med.toFixed(2)} (${min.toFixed(2)})`;
  for (const batch of [64, 128]) {
    for (const c of kernelCases(batch)) {
      await tf.setBackend('wasm');
      const inputs = c.inputs();
      // Both sides call the kernel function directly (no engine, no read-back): kernel time only.
      const ours = (copies: Record<string, tf.Tensor>) => callKernel(tf.getKernel(c.kernel, 'wasm'), copies, c.attrs);
      let timesOurs: [number, number];
      let timesBuiltIn: [number, number];
      let where = '';
      const original = originalWasmKernel(c.kernel);
      if (c.kernel === 'Conv2DBackpropFilter' || original === undefined) {
        [timesOurs] = timeSides([ours], inputs, runs);
        await tf.setBackend('cpu');
        const copies = fresh(inputs);
        [timesBuiltIn] = timeSides([(x) => callKernel(tf.getKernel(c.kernel, 'cpu'), x, c.attrs)], copies, Math.min(3, runs));
        Object.values(copies).forEach((t) => t.dispose());
        where = ' (cpu backend)';
        await tf.setBackend('wasm');
      } else {
        [timesBuiltIn, timesOurs] = timeSides([(x) => callKernel(original, x, c.attrs), ours], inputs, runs);
      }
      Object.values(inputs).forEach((t) => t.dispose());
      console.log([batch, c.label, show(timesBuiltIn) + where, show(timesOurs), (timesBuiltIn[0] / timesOurs[0]).toFixed(1) + 'x'].join('\t'));
    }
  }
}

tf.env().set('PROD', true); // silences the cpu backend's "install tfjs-node" banner
await tf.setBackend('wasm');
registerWasmTrainingKernels();
await benchKernels();
