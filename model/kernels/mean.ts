// Mean for the wasm backend, for reductions over leading axes: batch normalisation's moments over
// [0, 1, 2] and global average pooling over [1, 2] of [B, H, W, C]. The built-in kernel first transposes
// the whole input to bring the reduced axes last (a generic, slow transpose: ~19 ms for [32, 56, 56, 32])
// and then sums in float32 (~1e-5 relative error against tfjs' cpu kernel over 100k values). Here it is
// the Sum kernel's loops (sum.ts, reduce-loop.ts) in float64 with the division folded in: [32, 56, 56, 32]
// over [0, 1, 2] in ~1.6 ms instead of ~15 ms, within float32 rounding of the cpu kernel. Other reductions
// (trailing or scattered axes, other dtypes) go to the built-in kernel.
import { backend_util, Mean, util, type KernelBackend, type MeanAttrs, type NamedAttrMap, type NamedTensorInfoMap, type TensorInfo } from '@tensorflow/tfjs-core';
import { leadingSum } from './sum.js';
import { originalWasmKernel } from './wasm-ops.js';

export const meanKernelName = Mean;

export function meanWasm(args: { inputs: NamedTensorInfoMap; backend: KernelBackend; attrs: MeanAttrs }): TensorInfo {
  const { backend, attrs } = args;
  const x = args.inputs.x;
  if (x === undefined) throw new Error(`${Mean}: input 'x' is required`);
  const axes = util.parseAxisParam(attrs.axis, x.shape);
  const count = util.sizeFromShape(backend_util.computeOutAndReduceShapes(x.shape, axes)[1]);
  const out = count > 0 ? leadingSum(backend, x, axes, attrs.keepDims, 1 / count, Mean) : null;
  if (out !== null) return out;
  const original = originalWasmKernel(Mean);
  if (original === undefined) throw new Error(`wasm kernel '${Mean}' is not registered`);
  return original.kernelFunc({ inputs: args.inputs, backend, attrs: attrs as unknown as NamedAttrMap }) as TensorInfo;
}
