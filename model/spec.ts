// The model's spec: tensor names, shapes, initialisation and fingerprint, in plain TypeScript so the
// coordinator (which has no tensor library) and the workers agree on the model without tfjs.
import { createHash } from 'node:crypto';
import type { ModelConfig } from '../config/schema.js';
import { Random } from '../lib/random.js';
import { architecture } from './architectures/index.js';
import { tensor } from './architectures/tensor-specs.js';
import { checkSpecAllocatable } from './limits.js';

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

/** The backbone's spec for a config and the shape of one example; throws when the architecture cannot
 *  take such examples, or (a ModelLimitError, with the arithmetic) when a shared tensor would not fit one
 *  array. The batch, heads and memory are checked by checkAllocatable (model/limits.ts), which needs the
 *  train config. */
export function buildModelSpec(model: ModelConfig, inputShape: number[]): ModelSpec {
  const spec = architecture(model.arch).spec(model, inputShape);
  checkSpecAllocatable(spec);
  return spec;
}

/** A task's own head: a dense layer from the backbone's features to its classes. */
export function headSpec(spec: ModelSpec, classes: number): TensorSpec[] {
  return [tensor('head/kernel', [spec.featureSize, classes], 'glorot', spec.featureSize, classes), tensor('head/bias', [classes], 'zeros', spec.featureSize, classes)];
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
  const canonical = JSON.stringify({ arch: spec.arch, inputShape: spec.inputShape, hidden: spec.hidden, shared: spec.shared.map((t) => [t.name, t.shape]) });
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}
