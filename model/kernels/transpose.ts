// Transpose for the wasm backend. The built-in kernel walks the output with a general index computation
// per element; the transposes of a training step are almost all one swap of two outer blocks ([A, B, w]
// -> [B, A, w]: dy to a filter layout, a matrix to its transpose), which an assembled wasm loop
// (wasm-loops.ts) copies with its row width unrolled: 3-6x faster for lenet5's conv gradients. Other
// permutations, other dtypes and wide rows go to the built-in kernel.
import { Transpose, type KernelBackend, type NamedAttrMap, type NamedTensorInfoMap, type TensorInfo, type TransposeAttrs } from '@tensorflow/tfjs-core';
import { heapAddress, wasmLoops } from './wasm-loops.js';
import { heapBackend, originalWasmKernel, simplifyTranspose, type Scratch } from './wasm-ops.js';

export const transposeKernelName = Transpose;

/** The swap loop that does `perm` on `shape` as [A, B, w] -> [B, A, w], or null. Plain matrices (w = 1)
 *  only when `matrices`: the built-in kernel is as fast on a whole one. */
function swapFor(backend: KernelBackend, shape: readonly number[], perm: readonly number[], dtype: string, matrices: boolean) {
  if (dtype !== 'float32') return null;
  const simple = simplifyTranspose(shape, perm);
  const blocks = simple.perm.length === 3 && simple.perm[0] === 1 && simple.perm[2] === 2;
  const matrix = matrices && simple.perm.length === 2 && simple.perm[0] === 1;
  if (!blocks && !matrix) return null;
  const swapOuter = wasmLoops(backend)?.swapOuter(blocks ? simple.shape[2] : 1) ?? null;
  return swapOuter === null ? null : { swapOuter, a: simple.shape[0], b: simple.shape[1] };
}

function builtIn(backend: KernelBackend, x: TensorInfo, perm: readonly number[]): TensorInfo {
  const original = originalWasmKernel(Transpose);
  if (original === undefined) throw new Error(`wasm kernel '${Transpose}' is not registered`);
  return original.kernelFunc({ inputs: { x }, backend, attrs: { perm: [...perm] } as unknown as NamedAttrMap }) as TensorInfo;
}

/** x with its axes permuted by `perm`: a new tensor the caller owns. */
export function transposeTensor(backend: KernelBackend, x: TensorInfo, perm: readonly number[]): TensorInfo {
  const swap = swapFor(backend, x.shape, perm, x.dtype, false);
  if (swap === null) return builtIn(backend, x, perm);
  const out = heapBackend(backend, Transpose).makeOutput(perm.map((axis) => x.shape[axis]), 'float32');
  swap.swapOuter(heapAddress(backend, x, Transpose), heapAddress(backend, out, Transpose), swap.a, swap.b);
  return out;
}

/**
 * Rows start .. start+count-1 of x's first axis, permuted by `perm`: a new tensor the caller owns. Where
 * the permutation is a block swap it reads them in place (the wasm Slice kernel is a slow general loop).
 */
export function transposeRows(backend: KernelBackend, x: TensorInfo, start: number, count: number, perm: readonly number[]): TensorInfo {
  const rows = [count, ...x.shape.slice(1)];
  const swap = swapFor(backend, rows, perm, x.dtype, true);
  if (swap === null) {
    if (start === 0 && count === x.shape[0]) return builtIn(backend, x, perm);
    const sliced = sliceRows(backend, x, start, count);
    try {
      return builtIn(backend, sliced, perm);
    } finally {
      backend.disposeData(sliced.dataId);
    }
  }
  const out = heapBackend(backend, Transpose).makeOutput(perm.map((axis) => rows[axis]), 'float32');
  const rowBytes = 4 * x.shape.slice(1).reduce((a, b) => a * b, 1);
  swap.swapOuter(heapAddress(backend, x, Transpose) + start * rowBytes, heapAddress(backend, out, Transpose), swap.a, swap.b);
  return out;
}

function sliceRows(backend: KernelBackend, x: TensorInfo, start: number, count: number): TensorInfo {
  const slice = originalWasmKernel('Slice');
  if (slice === undefined) throw new Error("wasm kernel 'Slice' is not registered");
  const begin = x.shape.map((_, i) => (i === 0 ? start : 0));
  const size = x.shape.map((n, i) => (i === 0 ? count : n));
  return slice.kernelFunc({ inputs: { x }, backend, attrs: { begin, size } as unknown as NamedAttrMap }) as TensorInfo;
}

export function transposeWasm(args: { inputs: NamedTensorInfoMap; backend: KernelBackend; attrs: TransposeAttrs }): TensorInfo {
  const x = args.inputs.x;
  if (x === undefined) throw new Error(`${Transpose}: input 'x' is required`);
  return transposeTensor(args.backend, x, args.attrs.perm);
}

/** transposeTensor as an intermediate held by `scratch`. */
export function transposeHeld(scratch: Scratch, x: TensorInfo, perm: readonly number[]): TensorInfo {
  return scratch.hold(transposeTensor(scratch.backend, x, perm));
}

/** transposeRows as an intermediate held by `scratch`. */
export function transposeRowsHeld(scratch: Scratch, x: TensorInfo, start: number, count: number, perm: readonly number[]): TensorInfo {
  return scratch.hold(transposeRows(scratch.backend, x, start, count, perm));
}
