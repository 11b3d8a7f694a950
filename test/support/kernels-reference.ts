// Shared by the kernels-*.test.ts files: runs a kernel on the wasm backend (with this project's
// kernels registered) and on tfjs' cpu backend, on the same inputs, and reports how far apart they are.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '../../model/kernels/index.js';

export type Attrs = Record<string, unknown>;

/** wasm backend active, training kernels registered; the cpu backend's Node banner silenced. */
export async function useWasmWithKernels(): Promise<void> {
  tf.env().set('PROD', true);
  await tf.setBackend('wasm');
  registerWasmTrainingKernels();
}

/** Max |a - b| over max |b|: the error relative to the reference's largest value. */
export function relativeError(actual: ArrayLike<number>, reference: ArrayLike<number>): number {
  if (actual.length !== reference.length) throw new Error(`lengths differ: ${actual.length} vs ${reference.length}`);
  let largest = 0;
  let worst = 0;
  for (let i = 0; i < reference.length; i++) {
    largest = Math.max(largest, Math.abs(reference[i]));
    worst = Math.max(worst, Math.abs(actual[i] - reference[i]));
  }
  return largest === 0 ? worst : worst / largest;
}

export interface Comparison {
  error: number;
  wasmShape: number[];
  cpuShape: number[];
}

/** Runs kernel `name` on `inputs` on wasm, then on copies of them on cpu; the wasm backend is active again afterwards. */
export async function compareWithCpu(name: string, inputs: Record<string, tf.Tensor>, attrs: Attrs): Promise<Comparison> {
  await tf.setBackend('wasm');
  const onWasm = tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as tf.Tensor;
  const wasmValues = onWasm.dataSync();
  const wasmShape = onWasm.shape;
  onWasm.dispose();

  const values = Object.entries(inputs).map(([key, t]) => [key, t.dataSync(), t.shape, t.dtype] as const);
  await tf.setBackend('cpu');
  const copies = Object.fromEntries(values.map(([key, data, shape, dtype]) => [key, tf.tensor(data, shape, dtype)]));
  const onCpu = tf.engine().runKernel(name, copies, attrs as tf.NamedAttrMap) as tf.Tensor;
  const cpuValues = onCpu.dataSync();
  const cpuShape = onCpu.shape;
  onCpu.dispose();
  Object.values(copies).forEach((t) => t.dispose());
  await tf.setBackend('wasm');
  return { error: relativeError(wasmValues, cpuValues), wasmShape, cpuShape };
}
