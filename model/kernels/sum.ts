// Sum for the wasm backend, for reductions over leading axes. The built-in kernel reduces only trailing
// axes, so it first transposes the whole input to bring the reduced axes last. A bias gradient is such a
// sum (over batch, rows and columns of [B, H, W, C]; lenet5's conv1 activations are 600k values at batch
// 128). Here the reduced axes, when contiguous, split the input into [outer, reduced, inner] and one
// pass of an assembled wasm loop (wasm-loops.ts) adds the rows in float64 (as tfjs' cpu kernel does),
// no transpose. Anything else (trailing or scattered axes, rows wider than the loop unrolls, other
// dtypes) goes to the built-in kernel.
import { backend_util, Sum, util, type KernelBackend, type NamedAttrMap, type NamedTensorInfoMap, type SumAttrs, type TensorInfo } from '@tensorflow/tfjs-core';
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

export function sumWasm(args: { inputs: NamedTensorInfoMap; backend: KernelBackend; attrs: SumAttrs }): TensorInfo {
  const { backend, attrs } = args;
  const x = args.inputs.x;
  if (x === undefined) throw new Error(`${Sum}: input 'x' is required`);
  const axes = util.parseAxisParam(attrs.axis, x.shape).sort((a, b) => a - b);
  const split = x.dtype === 'float32' ? leadingSplit(x.shape, axes) : null;
  if (split === null) return builtIn(args);
  const [outer, reduced, inner] = split;
  const sumRows = wasmLoops(backend)?.sumRows(inner) ?? null;
  if (sumRows === null) return builtIn(args);
  const reducedShape = backend_util.computeOutAndReduceShapes(x.shape, axes)[0];
  const outShape = attrs.keepDims ? backend_util.expandShapeToKeepDim(reducedShape, axes) : reducedShape;
  const out = heapBackend(backend, Sum).makeOutput(outShape, 'float32');
  sumRows(heapAddress(backend, x, Sum), heapAddress(backend, out, Sum), outer, reduced);
  return out;
}
