// Transpose for the wasm backend. The built-in kernel walks the output with a general index computation
// per element; the transposes the conv gradients need are mostly one swap of two outer blocks of rows
// ([A, B, w] -> [B, A, w], e.g. dy [B, OH*OW, Cout] to the filter layout [OH*OW, B, Cout]), which an
// assembled wasm loop (wasm-loops.ts) copies with the row width w unrolled: ~5x faster for lenet5's conv1
// dy at batch 128 (0.3 against 1.5 ms). Plain matrices (w = 1, where the built-in kernel is as fast),
// other permutations, other dtypes and rows wider than the loop unrolls go to the built-in kernel.
import { Transpose, type KernelBackend, type NamedTensorInfoMap, type TensorInfo, type TransposeAttrs } from '@tensorflow/tfjs-core';
import { heapAddress, wasmLoops } from './wasm-loops.js';
import { heapBackend, originalWasmKernel, simplifyTranspose, type Scratch } from './wasm-ops.js';

export const transposeKernelName = Transpose;

/** The swap loop that does `perm` on `shape` as [A, B, w] -> [B, A, w] with w > 1, or null. (For plain
 *  matrices, w = 1, the built-in kernel is as fast.) */
function swapFor(backend: KernelBackend, shape: readonly number[], perm: readonly number[], dtype: string) {
  if (dtype !== 'float32') return null;
  const simple = simplifyTranspose(shape, perm);
  if (simple.perm.length !== 3 || simple.perm[0] !== 1 || simple.perm[2] !== 2) return null;
  const swapOuter = wasmLoops(backend)?.swapOuter(simple.shape[2]) ?? null;
  return swapOuter === null ? null : { swapOuter, a: simple.shape[0], b: simple.shape[1] };
}

function builtIn(backend: KernelBackend, x: TensorInfo, perm: readonly number[]): TensorInfo {
  const original = originalWasmKernel(Transpose);
  if (original === undefined) throw new Error(`wasm kernel '${Transpose}' is not registered`);
  return original.kernelFunc({ inputs: { x }, backend, attrs: { perm: [...perm] } }) as TensorInfo;
}

/** x with its axes permuted by `perm`: a new tensor the caller owns. */
export function transposeTensor(backend: KernelBackend, x: TensorInfo, perm: readonly number[]): TensorInfo {
  const swap = swapFor(backend, x.shape, perm, x.dtype);
  if (swap === null) return builtIn(backend, x, perm);
  const out = heapBackend(backend, Transpose).makeOutput(
    perm.map((axis) => x.shape[axis]),
    'float32',
  );
  swap.swapOuter(heapAddress(backend, x, Transpose), heapAddress(backend, out, Transpose), swap.a, swap.b);
  return out;
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
