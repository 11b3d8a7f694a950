// Add for the wasm backend, for a row added to every row of a tensor: a bias [C] added to activations
// [..., C]. The built-in kernel hands that broadcast to XNNPACK one row of C values at a time, so for a
// convolution's few channels it is mostly call overhead: lenet5's conv1 bias add, [128, 28, 28, 6] + [6],
// takes ~2.8 ms, against ~0.3 ms for an assembled wasm loop (wasm-loops.ts) with the row held in locals.
// Everything else (same shapes, other broadcasts, rows wider than the loop unrolls, other dtypes) goes
// to the built-in kernel. Float addition commutes, so the row may be either input.
import { Add, util, type KernelBackend, type NamedTensorInfoMap, type TensorInfo } from '@tensorflow/tfjs-core';
import { heapAddress, wasmLoops } from './wasm-loops.js';
import { heapBackend, originalWasmKernel } from './wasm-ops.js';

export const addKernelName = Add;

/** Whether `row` (leading 1s aside) is the trailing part of `full`'s shape, and smaller than `full`. */
export function isTrailingRow(full: readonly number[], row: readonly number[]): boolean {
  const first = row.findIndex((n) => n !== 1);
  const trimmed = first === -1 ? [] : row.slice(first);
  if (trimmed.length === 0 || row.length > full.length) return false;
  const tail = full.slice(full.length - trimmed.length);
  return tail.every((n, i) => n === trimmed[i]) && util.sizeFromShape(trimmed) < util.sizeFromShape([...full]);
}

export function addWasm(args: { inputs: NamedTensorInfoMap; backend: KernelBackend }): TensorInfo {
  const { backend } = args;
  const { a, b } = args.inputs;
  if (a === undefined || b === undefined) throw new Error(`${Add}: inputs 'a' and 'b' are required`);
  if (a.dtype === 'float32' && b.dtype === 'float32') {
    const [full, row] = isTrailingRow(a.shape, b.shape) ? [a, b] : isTrailingRow(b.shape, a.shape) ? [b, a] : [null, null];
    if (full !== null && row !== null) {
      const width = util.sizeFromShape(row.shape);
      const addRows = wasmLoops(backend)?.addRows(width) ?? null;
      if (addRows !== null) {
        const out = heapBackend(backend, Add).makeOutput(full.shape.slice(), 'float32');
        const at = (t: TensorInfo) => heapAddress(backend, t, Add);
        addRows(at(full), at(row), at(out), util.sizeFromShape(full.shape) / width);
        return out;
      }
    }
  }
  const original = originalWasmKernel(Add);
  if (original === undefined) throw new Error(`wasm kernel '${Add}' is not registered`);
  return original.kernelFunc({ inputs: args.inputs, backend, attrs: {} }) as TensorInfo;
}
