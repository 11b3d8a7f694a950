// Which ops a Keras-like model needs work on the wasm backend, forward and backward, against tfjs' cpu
// backend as the reference. For each case: the output of f(inputs) and the gradients of
// sum(f(inputs) * dy) (dy random) with respect to every input, on both backends, on the same data.
// Reports a missing kernel or gradient (the first line of the error), the largest relative error
// (max |wasm - cpu| / max |cpu|) of the output and of the gradients, and the fastest forward + backward
// step of each backend (the minimum of the runs: the least disturbed by other load on the machine).
// Numbers, never pass/fail.
//
// Run: npx vite-node bench/kernels-probe.ts [--runs N] [--only substring] [--profile] [--builtin] [--large]
//   --large     adds MobileNet-sized depthwise and strided convolutions (batch 32, 56x56 and 112x112)
//   --profile   also lists, per case, the wasm kernels that took most of the time (tf.profile)
//   --builtin   without this project's wasm kernels (tfjs 4.22's own only)
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '../model/kernels/index.js';

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(name);
const option = (name: string, fallback: string) => {
  const at = argv.indexOf(name);
  return at >= 0 && at + 1 < argv.length ? argv[at + 1] : fallback;
};
const runs = Number(option('--runs', '5'));
const only = option('--only', '');

interface Input {
  shape: number[];
  /** 'normal' (default), 'positive' (0.5..1.5: sqrt, rsqrt, variances) or 'unit' (0..1). */
  kind?: 'normal' | 'positive' | 'unit';
}

interface ProbeCase {
  name: string;
  inputs: Input[];
  f: (xs: tf.Tensor[]) => tf.Tensor;
  /** Which inputs get gradients; all by default. */
  grads?: number[];
}

/** A deterministic pseudo-random stream (mulberry32): the same data on both backends. */
function randomStream(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function makeData(input: Input, random: () => number): Float32Array {
  const data = new Float32Array(input.shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) {
    if (input.kind === 'positive') data[i] = 0.5 + random();
    else if (input.kind === 'unit') data[i] = random();
    else data[i] = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  }
  return data;
}

function relativeError(actual: ArrayLike<number>, reference: ArrayLike<number>): number {
  if (actual.length !== reference.length) return Number.POSITIVE_INFINITY;
  let largest = 0;
  let worst = 0;
  for (let i = 0; i < reference.length; i++) {
    largest = Math.max(largest, Math.abs(reference[i]));
    const d = Math.abs(actual[i] - reference[i]);
    worst = Number.isNaN(d) ? Number.POSITIVE_INFINITY : Math.max(worst, d);
  }
  return largest === 0 ? worst : worst / largest;
}

interface Outcome {
  out?: Float32Array;
  grads?: Float32Array[];
  ms?: number;
  error?: string;
  leaked?: number;
  top?: string;
}

async function runOn(backend: string, c: ProbeCase, data: Float32Array[], dyData: Float32Array | null): Promise<Outcome & { dyShape?: number[] }> {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const which = c.grads ?? c.inputs.map((_, i) => i);
  const xs = c.inputs.map((input, i) => tf.tensor(data[i], input.shape));
  const message = (error: unknown) => (error instanceof Error ? error.message : String(error)).split('\n')[0].slice(0, 140);
  let out: Float32Array;
  let dyShape: number[];
  try {
    const outTensor = tf.tidy(() => c.f(xs));
    out = (await outTensor.data()) as Float32Array;
    dyShape = outTensor.shape;
    outTensor.dispose();
  } catch (error) {
    tf.dispose(xs);
    return { error: `forward: ${message(error)}` };
  }
  if (dyData === null) {
    tf.dispose(xs);
    return { out, dyShape };
  }
  const dy = tf.tensor(dyData, dyShape);
  const step = () =>
    tf.tidy(() => {
      const g = tf.grads((...vary: tf.Tensor[]) => {
        const all = xs.slice();
        which.forEach((w, i) => (all[w] = vary[i]));
        return tf.sum(tf.mul(c.f(all), dy));
      });
      return g(which.map((w) => xs[w]));
    });
  try {
    let grads: Float32Array[] = [];
    const times: number[] = [];
    for (let r = 0; r <= runs; r++) {
      const start = performance.now();
      const g = step();
      const values = await Promise.all(g.map((t) => t.data() as Promise<Float32Array>));
      if (r > 0) times.push(performance.now() - start);
      grads = values;
      tf.dispose(g);
    }
    let top: string | undefined;
    if (flag('--profile')) {
      // Each kernel's fastest total over three profiled steps.
      const byKernel = new Map<string, number>();
      for (let r = 0; r < 3; r++) {
        const info = await tf.profile(() => {
          tf.dispose(step());
        });
        const totals = new Map<string, number>();
        for (const k of info.kernels) totals.set(k.name, (totals.get(k.name) ?? 0) + (k.kernelTimeMs as number));
        for (const [name, ms] of totals) byKernel.set(name, Math.min(byKernel.get(name) ?? Number.POSITIVE_INFINITY, ms));
      }
      top = [...byKernel]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 4)
        .map(([n, ms]) => `${n} ${ms.toFixed(1)}`)
        .join(', ');
    }
    return { out, grads, ms: Math.min(...times), leaked: tf.memory().numTensors - before - xs.length - 1, top };
  } catch (error) {
    return { out, error: `backward: ${message(error)}` };
  } finally {
    dy.dispose();
    tf.dispose(xs);
  }
}

function cases(): ProbeCase[] {
  const B = 16;
  const list: ProbeCase[] = [];
  const add = (c: ProbeCase) => list.push(c);
  // depthwise convolutions
  for (const [h, ch, k, s, pad, m] of [
    [16, 16, 3, 1, 'same', 1],
    [16, 16, 3, 2, 'same', 1],
    [15, 16, 3, 2, 'same', 1],
    [16, 16, 3, 1, 'valid', 1],
    [16, 16, 3, 2, 'valid', 1],
    [16, 16, 3, 1, 'same', 2],
    [15, 8, 3, 2, 'same', 2],
    [28, 8, 5, 1, 'same', 1],
    [16, 32, 3, 1, 'same', 1],
  ] as const) {
    add({
      name: `depthwiseConv2d ${B}x${h}x${h}x${ch} k${k} s${s} ${pad} m${m}`,
      inputs: [{ shape: [B, h, h, ch] }, { shape: [k, k, ch, m] }],
      f: ([x, w]) => tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, s, pad),
    });
  }
  if (flag('--large')) {
    for (const [b, h, ch, s, m] of [
      [32, 56, 32, 1, 1],
      [32, 56, 32, 2, 1],
      [16, 112, 16, 2, 2],
    ] as const) {
      add({
        name: `depthwiseConv2d ${b}x${h}x${h}x${ch} k3 s${s} same m${m}`,
        inputs: [{ shape: [b, h, h, ch] }, { shape: [3, 3, ch, m] }],
        f: ([x, w]) => tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, s, 'same'),
      });
    }
    add({
      name: 'conv2d 128x28x28x1->6 k5 s1 same (lenet5 conv1)',
      inputs: [{ shape: [128, 28, 28, 1] }, { shape: [5, 5, 1, 6] }],
      f: ([x, w]) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same'),
    });
    add({ name: 'conv2d 32x28x28x16->32 k3 s1 same', inputs: [{ shape: [32, 28, 28, 16] }, { shape: [3, 3, 16, 32] }], f: ([x, w]) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same') });
    add({ name: 'conv2d 32x56x56x32->64 k3 s2 same', inputs: [{ shape: [32, 56, 56, 32] }, { shape: [3, 3, 32, 64] }], f: ([x, w]) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same') });
    add({ name: 'conv2d 32x56x56x32->64 k1 s1 same', inputs: [{ shape: [32, 56, 56, 32] }, { shape: [1, 1, 32, 64] }], f: ([x, w]) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same') });
  }
  // convolutions
  for (const [h, cin, cout, k, s, pad] of [
    [16, 16, 32, 3, 1, 'same'],
    [16, 16, 32, 3, 2, 'same'],
    [15, 16, 32, 3, 2, 'same'],
    [16, 16, 32, 3, 2, 'valid'],
    [15, 16, 32, 3, 2, 'valid'],
    [16, 16, 16, 4, 2, 'same'],
    [16, 16, 32, 1, 1, 'same'],
    [16, 16, 32, 1, 2, 'same'],
    [15, 16, 32, 1, 2, 'valid'],
    [28, 3, 16, 3, 2, 'same'],
    [28, 1, 16, 5, 1, 'same'],
    [8, 32, 64, 3, 1, 'same'],
  ] as const) {
    add({
      name: `conv2d ${B}x${h}x${h}x${cin}->${cout} k${k} s${s} ${pad}`,
      inputs: [{ shape: [B, h, h, cin] }, { shape: [k, k, cin, cout] }],
      f: ([x, w]) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, s, pad),
    });
  }
  // pooling
  const pool = (kind: 'avg' | 'max', h: number, ch: number, k: number, s: number, pad: 'same' | 'valid') =>
    add({
      name: `${kind}Pool ${B}x${h}x${h}x${ch} ${k}x${k} s${s} ${pad}`,
      inputs: [{ shape: [B, h, h, ch] }],
      f: ([x]) => (kind === 'avg' ? tf.avgPool(x as tf.Tensor4D, k, s, pad) : tf.maxPool(x as tf.Tensor4D, k, s, pad)),
    });
  pool('avg', 16, 16, 2, 2, 'valid');
  pool('avg', 15, 16, 2, 2, 'same');
  pool('avg', 16, 16, 3, 1, 'same');
  pool('avg', 28, 8, 3, 1, 'same');
  pool('avg', 16, 16, 3, 2, 'same');
  pool('max', 16, 16, 3, 2, 'same');
  pool('max', 15, 16, 3, 2, 'same');
  pool('max', 16, 16, 2, 2, 'valid');
  pool('max', 28, 8, 3, 1, 'same');
  const x4 = [B, 16, 16, 32];
  add({ name: 'mean [1,2] (GlobalAveragePooling2D)', inputs: [{ shape: x4 }], f: ([x]) => tf.mean(x, [1, 2]) });
  add({
    name: 'pad [[0,0],[1,1],[1,1],[0,0]] (ZeroPadding2D)',
    inputs: [{ shape: x4 }],
    f: ([x]) =>
      tf.pad(x, [
        [0, 0],
        [1, 1],
        [1, 1],
        [0, 0],
      ]),
  });
  add({
    name: 'pad asymmetric [[0,0],[0,1],[0,1],[0,0]]',
    inputs: [{ shape: [B, 15, 15, 16] }],
    f: ([x]) =>
      tf.pad(x, [
        [0, 0],
        [0, 1],
        [0, 1],
        [0, 0],
      ]),
  });
  add({ name: 'concat last axis (16 + 32 channels)', inputs: [{ shape: [B, 16, 16, 16] }, { shape: x4 }], f: ([a, b]) => tf.concat([a, b], 3) });
  add({ name: 'concat last axis, 3 inputs', inputs: [{ shape: [B, 8, 8, 8] }, { shape: [B, 8, 8, 16] }, { shape: [B, 8, 8, 8] }], f: (xs) => tf.concat(xs, -1) });
  add({ name: 'concat axis 1 2D', inputs: [{ shape: [64, 100] }, { shape: [64, 28] }], f: (xs) => tf.concat(xs, 1) });
  // activations
  const act = (name: string, fn: (x: tf.Tensor) => tf.Tensor) => add({ name, inputs: [{ shape: x4 }], f: ([x]) => fn(tf.mul(x, 4)) });
  act('relu', (x) => tf.relu(x));
  act('relu6', (x) => tf.relu6(x));
  act('elu', (x) => tf.elu(x));
  act('selu', (x) => tf.selu(x));
  act('sigmoid', (x) => tf.sigmoid(x));
  act('tanh', (x) => tf.tanh(x));
  act('swish x*sigmoid(x)', (x) => tf.mul(x, tf.sigmoid(x)));
  act('gelu 0.5x(1+erf(x/sqrt2))', (x) => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))));
  act('gelu tanh approximation', (x) => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3))))))));
  act('leakyRelu 0.2', (x) => tf.leakyRelu(x, 0.2));
  act('clipByValue 0..6', (x) => tf.clipByValue(x, 0, 6));
  act('softplus', (x) => tf.softplus(x));
  add({ name: 'softmax [64,100]', inputs: [{ shape: [64, 100] }], f: ([x]) => tf.softmax(tf.mul(x, 3)) });
  add({ name: 'softmax [B,16,16,32] last axis', inputs: [{ shape: x4 }], f: ([x]) => tf.softmax(x) });
  add({ name: 'logSoftmax [64,100]', inputs: [{ shape: [64, 100] }], f: ([x]) => tf.logSoftmax(tf.mul(x, 3)) });
  add({
    name: 'softmaxCrossEntropy [64,10]',
    inputs: [{ shape: [64, 10] }, { shape: [64, 10], kind: 'unit' }],
    f: ([x, y]) => tf.losses.softmaxCrossEntropy(tf.div(y, tf.sum(y, -1, true)), x),
    grads: [0],
  });
  // batch normalisation
  const eps = 1e-3;
  const bnTrain = (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, axes: number[]) => {
    const { mean, variance } = tf.moments(x, axes);
    return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), gamma), beta);
  };
  add({ name: 'batchnorm train (moments [0,1,2]) 4D', inputs: [{ shape: x4 }, { shape: [32] }, { shape: [32] }], f: ([x, g, b]) => bnTrain(x, g, b, [0, 1, 2]) });
  add({ name: 'batchnorm train (moments [0]) 2D', inputs: [{ shape: [64, 128] }, { shape: [128] }, { shape: [128] }], f: ([x, g, b]) => bnTrain(x, g, b, [0]) });
  add({
    name: 'batchNorm inference 4D (FusedBatchNorm)',
    inputs: [{ shape: x4 }, { shape: [32] }, { shape: [32], kind: 'positive' }, { shape: [32] }, { shape: [32] }],
    f: ([x, m, v, o, s]) => tf.batchNorm(x, m, v, o, s, eps),
  });
  add({
    name: 'batchNorm in training form via tf.batchNorm(moments)',
    inputs: [{ shape: x4 }, { shape: [32] }, { shape: [32] }],
    f: ([x, o, s]) => {
      const { mean, variance } = tf.moments(x, [0, 1, 2]);
      return tf.batchNorm(x, mean, variance, o, s, eps);
    },
  });
  // shapes
  add({ name: 'reshape', inputs: [{ shape: x4 }], f: ([x]) => tf.reshape(x, [B, -1]) });
  add({ name: 'transpose [0,3,1,2]', inputs: [{ shape: x4 }], f: ([x]) => tf.transpose(x, [0, 3, 1, 2]) });
  add({ name: 'slice', inputs: [{ shape: x4 }], f: ([x]) => tf.slice(x, [0, 1, 2, 3], [B, 12, 12, 20]) });
  add({ name: 'stridedSlice (step 2)', inputs: [{ shape: x4 }], f: ([x]) => tf.stridedSlice(x, [0, 0, 0, 0], [B, 16, 16, 32], [1, 2, 2, 1]) });
  add({ name: 'stridedSlice (step 1)', inputs: [{ shape: x4 }], f: ([x]) => tf.stridedSlice(x, [0, 1, 1, 0], [B, 15, 15, 32], [1, 1, 1, 1]) });
  add({ name: 'split last axis', inputs: [{ shape: x4 }], f: ([x]) => tf.mul(tf.split(x, [8, 24], 3)[1], 2) });
  add({ name: 'dropout 0.3 (seeded)', inputs: [{ shape: x4 }], f: ([x]) => tf.dropout(x, 0.3, undefined, 7) });
  add({ name: 'mul by mask', inputs: [{ shape: x4 }, { shape: x4, kind: 'unit' }], f: ([x, u]) => tf.mul(x, tf.cast(tf.greater(u, 0.3), 'float32')), grads: [0] });
  // arithmetic and reductions
  add({ name: 'add broadcast [C]', inputs: [{ shape: x4 }, { shape: [32] }], f: ([a, b]) => tf.add(a, b) });
  add({ name: 'sub broadcast [1,1,1,C]', inputs: [{ shape: x4 }, { shape: [1, 1, 1, 32] }], f: ([a, b]) => tf.sub(a, b) });
  add({ name: 'mul same shape', inputs: [{ shape: x4 }, { shape: x4 }], f: ([a, b]) => tf.mul(a, b) });
  add({ name: 'mul broadcast [B,1,1,C] (SE block)', inputs: [{ shape: x4 }, { shape: [B, 1, 1, 32] }], f: ([a, b]) => tf.mul(a, b) });
  add({ name: 'div broadcast [C]', inputs: [{ shape: x4 }, { shape: [32], kind: 'positive' }], f: ([a, b]) => tf.div(a, b) });
  add({ name: 'square', inputs: [{ shape: x4 }], f: ([x]) => tf.square(x) });
  add({ name: 'sqrt', inputs: [{ shape: x4, kind: 'positive' }], f: ([x]) => tf.sqrt(x) });
  add({ name: 'rsqrt', inputs: [{ shape: x4, kind: 'positive' }], f: ([x]) => tf.rsqrt(x) });
  add({ name: 'sum [0,1,2]', inputs: [{ shape: x4 }], f: ([x]) => tf.sum(x, [0, 1, 2]) });
  add({ name: 'sum [3] keepDims', inputs: [{ shape: x4 }], f: ([x]) => tf.sum(x, 3, true) });
  add({ name: 'mean [0]', inputs: [{ shape: [64, 128] }], f: ([x]) => tf.mean(x, 0) });
  add({ name: 'mean all', inputs: [{ shape: x4 }], f: ([x]) => tf.mean(x) });
  add({ name: 'matMul [64,512]x[512,128]', inputs: [{ shape: [64, 512] }, { shape: [512, 128] }], f: ([a, b]) => tf.matMul(a, b) });
  add({ name: 'matMul transposeB', inputs: [{ shape: [64, 128] }, { shape: [10, 128] }], f: ([a, b]) => tf.matMul(a, b, false, true) });
  add({ name: 'dense fused (matMul+bias+relu)', inputs: [{ shape: [64, 256] }, { shape: [256, 128] }, { shape: [128] }], f: ([a, b, c]) => tf.relu(tf.add(tf.matMul(a, b), c)) });
  // a small MobileNet-like block, end to end
  add({
    name: 'block: conv s2 + BN + relu6 + dw + BN + relu + 1x1 + GAP + dense',
    inputs: [{ shape: [B, 28, 28, 3] }, { shape: [3, 3, 3, 16] }, { shape: [16] }, { shape: [16] }, { shape: [3, 3, 16, 1] }, { shape: [1, 1, 16, 32] }, { shape: [32, 10] }],
    grads: [1, 2, 3, 4, 5, 6],
    f: ([x, w1, g, b, dw, pw, d]) => {
      let h = tf.relu6(bnTrain(tf.conv2d(x as tf.Tensor4D, w1 as tf.Tensor4D, 2, 'same'), g, b, [0, 1, 2]));
      h = tf.relu(bnTrain(tf.depthwiseConv2d(h as tf.Tensor4D, dw as tf.Tensor4D, 1, 'same'), g, b, [0, 1, 2]));
      h = tf.conv2d(h as tf.Tensor4D, pw as tf.Tensor4D, 1, 'same');
      return tf.matMul(tf.mean<tf.Tensor2D>(h, [1, 2]), d);
    },
  });
  return list.filter((c) => c.name.includes(only));
}

function fmt(e: number | undefined): string {
  if (e === undefined) return '-';
  return e === 0 ? '0' : e.toExponential(1);
}

tf.env().set('PROD', true); // silences the cpu backend's "install tfjs-node" banner
await tf.setBackend('wasm');
if (!flag('--builtin')) registerWasmTrainingKernels();
console.log(`wasm (${tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? 'SIMD' : 'no SIMD'}) vs cpu; fastest of ${runs} forward+backward steps, ms; errors relative to the largest cpu value`);
console.log(['case', 'fwd err', 'grad err', 'wasm ms', 'cpu ms', 'cpu/wasm', 'leak', 'notes'].join('\t'));
let seed = 1;
for (const c of cases()) {
  const random = randomStream(seed++);
  const data = c.inputs.map((input) => makeData(input, random));
  const shapeProbe = await runOn('cpu', c, data, null);
  if (shapeProbe.error !== undefined) {
    console.log([c.name, '-', '-', '-', '-', '-', '-', `cpu: ${shapeProbe.error}`].join('\t'));
    continue;
  }
  const dyData = makeData({ shape: shapeProbe.dyShape ?? [] }, random);
  const cpu = await runOn('cpu', c, data, dyData);
  const wasm = await runOn('wasm', c, data, dyData);
  const fwd = wasm.out !== undefined && cpu.out !== undefined ? relativeError(wasm.out, cpu.out) : undefined;
  let grad: number | undefined;
  if (wasm.grads !== undefined && cpu.grads !== undefined) grad = Math.max(...wasm.grads.map((g, i) => relativeError(g, cpu.grads![i])));
  const notes = [wasm.error !== undefined ? `wasm: ${wasm.error}` : '', cpu.error !== undefined ? `cpu: ${cpu.error}` : '', wasm.top ?? ''].filter((s) => s !== '').join('; ');
  const ratio = wasm.ms !== undefined && cpu.ms !== undefined ? (cpu.ms / wasm.ms).toFixed(1) : '-';
  console.log([c.name, fmt(fwd), fmt(grad), wasm.ms?.toFixed(2) ?? '-', cpu.ms?.toFixed(2) ?? '-', ratio, `${wasm.leaked ?? '-'}/${cpu.leaked ?? '-'}`, notes].join('\t'));
}
