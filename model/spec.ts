// The model's spec: tensor names, shapes, initialisation and fingerprint, in plain TypeScript so the
// coordinator (which has no tensor library) and the workers agree on the model without tfjs.
import { createHash } from 'node:crypto';
import type { ModelConfig } from '../config/schema.js';
import { Random } from '../lib/random.js';

export type Init = 'he' | 'glorot' | 'zeros';

export interface TensorSpec {
  name: string;
  shape: number[];
  size: number;
  init: Init;
  fanIn: number;
  fanOut: number;
}

export interface ModelSpec {
  arch: ModelConfig['arch'];
  /** Shape of one example, e.g. [28, 28, 1] or [64]. */
  inputShape: number[];
  /** Hidden sizes (mlp only). */
  hidden: number[];
  /** The backbone: every tensor here is shared (W) and has a sparse per-task companion (S_t). */
  shared: TensorSpec[];
  /** Width of the backbone's output, the heads' input. */
  featureSize: number;
}

export const LENET5 = { conv1: 6, conv2: 16, kernel: 5, dense1: 120, dense2: 84 } as const;

function tensor(name: string, shape: number[], init: Init, fanIn: number, fanOut: number): TensorSpec {
  return { name, shape, size: shape.reduce((a, b) => a * b, 1), init, fanIn, fanOut };
}

function dense(prefix: string, input: number, output: number): TensorSpec[] {
  return [tensor(`${prefix}/kernel`, [input, output], 'he', input, output), tensor(`${prefix}/bias`, [output], 'zeros', input, output)];
}

function conv(prefix: string, k: number, cin: number, cout: number): TensorSpec[] {
  return [
    tensor(`${prefix}/kernel`, [k, k, cin, cout], 'he', k * k * cin, k * k * cout),
    tensor(`${prefix}/bias`, [cout], 'zeros', k * k * cin, k * k * cout),
  ];
}

/** Spatial size after lenet5's conv1 ('same'), pool, conv2 ('valid'), pool. */
export function lenet5FeatureMap(height: number, width: number): [number, number] {
  const k = LENET5.kernel;
  const h = Math.floor((Math.floor(height / 2) - k + 1) / 2);
  const w = Math.floor((Math.floor(width / 2) - k + 1) / 2);
  return [h, w];
}

export function buildModelSpec(model: ModelConfig, inputShape: number[]): ModelSpec {
  const inputSize = inputShape.reduce((a, b) => a * b, 1);
  if (model.arch === 'mlp') {
    const shared: TensorSpec[] = [];
    let width = inputSize;
    model.hidden.forEach((h, i) => {
      shared.push(...dense(`dense${i}`, width, h));
      width = h;
    });
    return { arch: 'mlp', inputShape: [...inputShape], hidden: [...model.hidden], shared, featureSize: width };
  }
  if (inputShape.length !== 3) {
    throw new Error(`lenet5 needs images (height x width x channels); the tasks' inputs have shape [${inputShape.join(', ')}]`);
  }
  const [height, width, channels] = inputShape;
  const [fh, fw] = lenet5FeatureMap(height, width);
  if (fh < 1 || fw < 1) throw new Error(`lenet5 needs images of at least 12 x 12 pixels, not ${height} x ${width}`);
  const flat = fh * fw * LENET5.conv2;
  const shared = [
    ...conv('conv1', LENET5.kernel, channels, LENET5.conv1),
    ...conv('conv2', LENET5.kernel, LENET5.conv1, LENET5.conv2),
    ...dense('dense1', flat, LENET5.dense1),
    ...dense('dense2', LENET5.dense1, LENET5.dense2),
  ];
  return { arch: 'lenet5', inputShape: [...inputShape], hidden: [], shared, featureSize: LENET5.dense2 };
}

/** A task's own head: a dense layer from the backbone's features to its classes. */
export function headSpec(spec: ModelSpec, classes: number): TensorSpec[] {
  return [
    tensor('head/kernel', [spec.featureSize, classes], 'glorot', spec.featureSize, classes),
    tensor('head/bias', [classes], 'zeros', spec.featureSize, classes),
  ];
}

export function totalSize(tensors: readonly TensorSpec[]): number {
  return tensors.reduce((a, t) => a + t.size, 0);
}

/** Seeded initialisation: He-normal for hidden layers, Glorot-uniform for heads, zero biases. Each
 *  tensor draws from its own stream, so adding a task does not change another's weights. */
export function initTensors(tensors: readonly TensorSpec[], seed: number, scope: string): Float32Array[] {
  return tensors.map((t) => {
    const out = new Float32Array(t.size);
    if (t.init === 'zeros') return out;
    const rng = Random.stream(seed, `init/${scope}/${t.name}`);
    if (t.init === 'he') {
      const std = Math.sqrt(2 / t.fanIn);
      rng.fillGaussian(out, std);
    } else {
      const limit = Math.sqrt(6 / (t.fanIn + t.fanOut));
      for (let i = 0; i < out.length; i++) out[i] = (rng.uniform() * 2 - 1) * limit;
    }
    return out;
  });
}

/** A hash of the architecture and every shared tensor's name and shape: two peers with different models
 *  must not exchange gradients. */
export function modelFingerprint(spec: ModelSpec): string {
  const canonical = JSON.stringify({
    arch: spec.arch,
    inputShape: spec.inputShape,
    hidden: spec.hidden,
    shared: spec.shared.map((t) => [t.name, t.shape]),
  });
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}
