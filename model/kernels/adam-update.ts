// One Adam step of a parameter as a single kernel: HybridAdamUpdate(p, g, m, v[, mask]) -> [p', m', v'].
// As a chain of tfjs ops the step is ~12 kernels per parameter tensor (~100 per training step of the
// MLP, each a pass over the tensor plus the engine's bookkeeping and a scalar upload per constant); as
// one assembled wasm loop (wasm-loops.ts) it is one pass. The loop does the same float32 operations in
// the same order as the chain, so both give the same values.
//
// `adamUpdate` runs the kernel where the current backend has it (wasm, with this project's kernels) and
// the equivalent chain of ops elsewhere (cpu, TensorFlow), so an optimizer can call it on any backend.
import * as tf from '@tensorflow/tfjs-core';
import type { KernelBackend, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import { heapAddress, wasmLoops } from './wasm-loops.js';
import { heapBackend } from './wasm-ops.js';

export const adamUpdateKernelName = 'HybridAdamUpdate';

/** The step's constants; `lr` already includes the bias corrections and the schedule. */
export interface AdamConstants {
  lr: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

function required(inputs: NamedTensorInfoMap, name: string, like?: TensorInfo): TensorInfo {
  const info = inputs[name];
  if (info === undefined) throw new Error(`${adamUpdateKernelName}: input '${name}' is missing`);
  if (info.dtype !== 'float32') throw new Error(`${adamUpdateKernelName}: input '${name}' is ${info.dtype}, expected float32`);
  if (like !== undefined && info.shape.join() !== like.shape.join()) {
    throw new Error(`${adamUpdateKernelName}: input '${name}' has shape [${info.shape}], expected [${like.shape}] like 'p'`);
  }
  return info;
}

export function adamUpdateWasm(args: { inputs: NamedTensorInfoMap; backend: KernelBackend; attrs: NamedAttrMap }): TensorInfo[] {
  const { inputs, backend } = args;
  const attrs = args.attrs as unknown as AdamConstants;
  const p = required(inputs, 'p');
  const g = required(inputs, 'g', p);
  const m = required(inputs, 'm', p);
  const v = required(inputs, 'v', p);
  const mask = inputs.mask === undefined ? null : required(inputs, 'mask', p);
  const loops = wasmLoops(backend);
  if (loops === null) throw new Error(`${adamUpdateKernelName}: the wasm backend's memory is not reachable`);
  const heap = heapBackend(backend, adamUpdateKernelName);
  const outs = [heap.makeOutput(p.shape.slice(), 'float32'), heap.makeOutput(p.shape.slice(), 'float32'), heap.makeOutput(p.shape.slice(), 'float32')];
  const at = (t: TensorInfo) => heapAddress(backend, t, adamUpdateKernelName);
  const { lr, beta1, beta2, epsilon } = attrs;
  loops.adamUpdate(mask !== null)(
    at(p),
    at(g),
    at(m),
    at(v),
    mask === null ? 0 : at(mask),
    at(outs[0]),
    at(outs[1]),
    at(outs[2]),
    tf.util.sizeFromShape(p.shape),
    lr,
    beta1,
    1 - beta1,
    beta2,
    1 - beta2,
    epsilon,
  );
  return outs;
}

/**
 * One Adam step: [p', m', v'] from parameter p, gradient g and slots m, v; `mask` (0/1, same shape)
 * restricts it to a support (g and the update are multiplied by it). New tensors; the inputs are kept.
 */
export function adamUpdate(p: tf.Tensor, g: tf.Tensor, m: tf.Tensor, v: tf.Tensor, c: AdamConstants, mask: tf.Tensor | null = null): [tf.Tensor, tf.Tensor, tf.Tensor] {
  if (tf.getKernel(adamUpdateKernelName, tf.getBackend()) !== undefined) {
    const inputs: Record<string, tf.Tensor> = mask === null ? { p, g, m, v } : { p, g, m, v, mask };
    const out = tf.engine().runKernel(adamUpdateKernelName, inputs, { ...c }) as tf.Tensor[];
    return [out[0], out[1], out[2]];
  }
  return tf.tidy(() => {
    const grad = mask ? tf.mul(g, mask) : g;
    const mNext = tf.add(tf.mul(m, c.beta1), tf.mul(grad, 1 - c.beta1));
    const vNext = tf.add(tf.mul(v, c.beta2), tf.mul(tf.square(grad), 1 - c.beta2));
    let update = tf.mul(tf.div(mNext, tf.add(tf.sqrt(vNext), c.epsilon)), c.lr);
    if (mask) update = tf.mul(update, mask);
    return [tf.sub(p, update), mNext, vNext] as [tf.Tensor, tf.Tensor, tf.Tensor];
  });
}
