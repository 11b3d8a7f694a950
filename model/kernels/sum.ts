// Sum for the wasm backend, for reductions over leading axes. The built-in kernel reduces only trailing
// axes, so it first transposes the whole input to bring the reduced axes last. A bias gradient is such a
// sum (over batch, rows and columns of [B, H, W, C]; lenet5's conv1 activations are 600k values at batch
// 128). Here the reduced axes, when contiguous, split the input into [outer, reduced, inner] and one
// pass of an assembled wasm loop (wasm-loops.ts) adds the rows in float64 (as tfjs' cpu kernel does),
// no transpose; rows wider than that loop unrolls (more than 32 channels) are summed in blocks of
// columns (reduce-loop.ts: [32, 28, 28, 64] over [0, 1, 2] ~0.9 ms against ~16 ms built in). Anything
// else (trailing or scattered axes, other dtypes) goes to the built-in kernel. Mean shares the loops
// (mean.ts).
import { backend_util, Sum, util, type KernelBackend, type NamedAttrMap, type NamedTensorInfoMap, type SumAttrs, type TensorInfo } from '@tensorflow/tfjs-core';
import { sumBlocksFor } from './reduce-loop.js';
import { heapAddress, wasmLoops } from './wasm-loops.js';
import { heapBackend, originalWasmKernel } from './wasm-ops.js';

export const sumKernelName = Sum;

/** [outer, reduced, inner] sizes when `axes` (normalised, sorted) are contiguous and not the last; else null. */
export function leadingSplit(shape: readonly number[], axes: readonly number[]): [number, number, number] | null {
  if (axes.length === 0) return null;
  const first = axes[0];
  const last = axes[axes.length - 1];
  if (last - first + 1 !== axes.length || last === shape.length - 1) return null;
  const outer = util.sizeFromShape(shape.slice(0, first));
  const reduced = util.sizeFromShape(shape.slice(first, last + 1));
  const inner = util.sizeFromShape(shape.slice(last + 1));
  return [outer, reduced, inner];
}

function builtIn(args: { inputs: NamedTensorInfoMap; backend: KernelBackend; attrs: SumAttrs }): TensorInfo {
  const original = originalWasmKernel(Sum);
  if (original === undefined) throw new Error(`wasm kernel '${Sum}' is not registered`);
  return original.kernelFunc({ inputs: args.inputs, backend: args.backend, attrs: args.attrs as unknown as NamedAttrMap }) as TensorInfo;
}

/** x summed over `axis` times `scale`, where the axes are contiguous, leading and not the last (float32
 *  only); else null. Rows up to MAX_UNROLLED_WIDTH wide take sum_rows, wider ones the blocked loop
 *  (reduce-loop.ts). `kernel` names the caller in errors. */
export function leadingSum(backend: KernelBackend, x: TensorInfo, axis: number | number[], keepDims: boolean, scale: number, kernel: string): TensorInfo | null {
  const axes = util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
  const split = x.dtype === 'float32' ? leadingSplit(x.shape, axes) : null;
  if (split === null) return null;
  const [outer, reduced, inner] = split;
  const sumRows = scale === 1 ? (wasmLoops(backend)?.sumRows(inner) ?? null) : null;
  const sumBlocks = sumRows === null ? sumBlocksFor(backend) : null;
  if (sumRows === null && sumBlocks === null) return null;
  const reducedShape = backend_util.computeOutAndReduceShapes(x.shape, axes)[0];
  const outShape = keepDims ? backend_util.expandShapeToKeepDim(reducedShape, axes) : reducedShape;
  const out = heapBackend(backend, kernel).makeOutput(outShape, 'float32');
  const from = heapAddress(backend, x, kernel);
  const to = heapAddress(backend, out, kernel);
  if (sumRows !== null) sumRows(from, to, outer, reduced);
  else sumBlocks?.(from, to, outer, reduced, inner, scale);
  return out;
}

export function sumWasm(args: { inputs: NamedTensorInfoMap; backend: KernelBackend; attrs: SumAttrs }): TensorInfo {
  const x = args.inputs.x;
  if (x === undefined) throw new Error(`${Sum}: input 'x' is required`);
  return leadingSum(args.backend, x, args.attrs.axis, args.attrs.keepDims, 1, Sum) ?? builtIn(args);
}
