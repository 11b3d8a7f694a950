// Training kernels for tfjs' wasm backend, registered through tfjs-core's kernel registry (no fork of
// tfjs): each replaces the wasm kernel of its name (or supplies one: Conv2DBackpropFilter and the two
// DepthwiseConv2dNative backprops, which tfjs 4.22 lacks on wasm, and HybridAdamUpdate, this project's
// fused optimizer step). Most call the backend's own kernels inside; the plain loops (MaxPoolGrad, Sum,
// Mean, Transpose, bias Add, col2im, the Adam step, the depthwise gradients, Concat / SplitV, StridedSlice)
// are wasm assembled at run time (lib/wasm-asm.ts, wasm-loops.ts and the *-loop.ts files). Registration
// also installs a faster read-back (read-back.ts) and a gradient for StridedSlice, which tfjs-core lacks
// (strided-slice-grad.ts). Each kernel's file says what it fixes or speeds up, with the measured gain.
import { getKernel, registerKernel, unregisterKernel, type KernelConfig, type KernelFunc } from '@tensorflow/tfjs-core';
import { adamUpdateKernelName, adamUpdateWasm } from './adam-update.js';
import { addKernelName, addWasm } from './add.js';
import { batchMatMulKernelName, batchMatMulWasm } from './batch-mat-mul.js';
import { concatKernelName, concatWasm, splitVKernelName, splitVWasm } from './copy-rows.js';
import { conv2dBackpropFilterKernelName, conv2dBackpropFilterWasm } from './conv2d-backprop-filter.js';
import { conv2dBackpropInputKernelName, conv2dBackpropInputWasm } from './conv2d-backprop-input.js';
import { depthwiseConv2dBackpropFilterKernelName, depthwiseConv2dBackpropFilterWasm } from './depthwise-conv2d-backprop-filter.js';
import { depthwiseConv2dBackpropInputKernelName, depthwiseConv2dBackpropInputWasm } from './depthwise-conv2d-backprop-input.js';
import { fusedMatMulKernelName, fusedMatMulWasm } from './fused-mat-mul.js';
import { castKernelName, castWasm, identityKernelName, identityWasm } from './identity.js';
import { maxPoolGradKernelName, maxPoolGradWasm } from './max-pool-grad.js';
import { meanKernelName, meanWasm } from './mean.js';
import { installFastReadBack, uninstallFastReadBack } from './read-back.js';
import { stridedSliceKernelName, stridedSliceWasm } from './strided-slice.js';
import { registerStridedSliceGradient } from './strided-slice-grad.js';
import { sumKernelName, sumWasm } from './sum.js';
import { tileKernelName, tileWasm } from './tile.js';
import { transposeKernelName, transposeWasm } from './transpose.js';
import { originalWasmKernel, rememberOriginalWasmKernel } from './wasm-ops.js';

/** The kernels this module registers for the wasm backend, by tfjs kernel name. */
export const WASM_TRAINING_KERNELS: ReadonlyArray<readonly [string, KernelFunc]> = [
  [conv2dBackpropFilterKernelName, conv2dBackpropFilterWasm as unknown as KernelFunc],
  [batchMatMulKernelName, batchMatMulWasm as unknown as KernelFunc],
  [fusedMatMulKernelName, fusedMatMulWasm as unknown as KernelFunc],
  [conv2dBackpropInputKernelName, conv2dBackpropInputWasm as unknown as KernelFunc],
  [maxPoolGradKernelName, maxPoolGradWasm as unknown as KernelFunc],
  [identityKernelName, identityWasm as unknown as KernelFunc],
  [castKernelName, castWasm as unknown as KernelFunc],
  [sumKernelName, sumWasm as unknown as KernelFunc],
  [transposeKernelName, transposeWasm as unknown as KernelFunc],
  [addKernelName, addWasm as unknown as KernelFunc],
  [adamUpdateKernelName, adamUpdateWasm as unknown as KernelFunc],
  [depthwiseConv2dBackpropFilterKernelName, depthwiseConv2dBackpropFilterWasm as unknown as KernelFunc],
  [depthwiseConv2dBackpropInputKernelName, depthwiseConv2dBackpropInputWasm as unknown as KernelFunc],
  [tileKernelName, tileWasm as unknown as KernelFunc],
  [concatKernelName, concatWasm as unknown as KernelFunc],
  [splitVKernelName, splitVWasm as unknown as KernelFunc],
  [meanKernelName, meanWasm as unknown as KernelFunc],
  [stridedSliceKernelName, stridedSliceWasm as unknown as KernelFunc],
];

const ours = new WeakSet<KernelConfig>();

/**
 * Registers the training kernels for the wasm backend. Idempotent. Needs @tensorflow/tfjs-backend-wasm
 * loaded first: importing it later would register its own kernels over these.
 */
export function registerWasmTrainingKernels(): void {
  if (getKernel('Conv2D', 'wasm') === undefined) {
    throw new Error('registerWasmTrainingKernels: the wasm backend has no kernels yet: import @tensorflow/tfjs-backend-wasm first');
  }
  for (const [name, kernelFunc] of WASM_TRAINING_KERNELS) {
    const current = getKernel(name, 'wasm');
    if (current !== undefined && !ours.has(current)) rememberOriginalWasmKernel(name, current);
    if (current !== undefined) unregisterKernel(name, 'wasm');
    const config: KernelConfig = {
      kernelName: name,
      backendName: 'wasm',
      kernelFunc,
      // The built-in kernel's setup binds its wasm function; ours calls that kernel, so its setup must
      // still run when the backend initialises after this registration (a replacement carries it on).
      setupFunc: current?.setupFunc,
      disposeFunc: current?.disposeFunc,
    };
    ours.add(config);
    registerKernel(config);
  }
  // Not a kernel: the wasm backend's read-back (dataSync), slow for large tensors (read-back.ts).
  installFastReadBack();
  // Not a kernel either: tfjs-core 4.22 has no gradient for StridedSlice on any backend (strided-slice-grad.ts).
  // Registered only where none is, and left in place by unregisterWasmTrainingKernels.
  registerStridedSliceGradient();
}

/** Puts the wasm backend's own kernels and read-back back (and removes those it lacks: Conv2DBackpropFilter, the depthwise backprops): for comparisons. */
export function unregisterWasmTrainingKernels(): void {
  uninstallFastReadBack();
  for (const [name] of WASM_TRAINING_KERNELS) {
    const current = getKernel(name, 'wasm');
    if (current === undefined || !ours.has(current)) continue;
    unregisterKernel(name, 'wasm');
    const original = originalWasmKernel(name);
    if (original !== undefined && !ours.has(original)) registerKernel(original);
  }
}

/** Whether this module's kernel `name` is the one registered for the wasm backend now. */
export function isWasmTrainingKernelRegistered(name: string): boolean {
  const current = getKernel(name, 'wasm');
  return current !== undefined && ours.has(current);
}
