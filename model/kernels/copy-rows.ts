// Concat and SplitV for the wasm backend, as strided copies of rows. Along any axis, concatenating
// [outer, w_i] blocks (w_i = the product of input i's shape from the axis on) interleaves their rows,
// and splitting is the reverse. The built-in Concat makes a subarray and calls set() for every row of
// every input, and SplitV is one built-in Slice per output, whose generic loop is slow for short rows: a
// channel concatenation in a DenseNet / Inception block, [16, 16, 16, 16] ++ [16, 16, 16, 32], takes
// ~0.4-0.8 ms (concat) and ~0.5-1 ms (its gradient, a split), against ~0.07 ms each as one assembled wasm loop
// (lib/wasm-asm.ts) per input: for each row, memory.copy of w_i elements. Other dtypes than 4-byte
// ones (strings, bool) go to the built-in kernels.
import { backend_util, Concat, SplitV, util, type ConcatAttrs, type KernelBackend, type NamedAttrMap, type SplitVAttrs, type TensorInfo } from '@tensorflow/tfjs-core';
import { FunctionBuilder, op } from '../../lib/wasm-asm.js';
import { backendMemory, heapAddress, loops } from './wasm-loops.js';
import { heapBackend, originalWasmKernel } from './wasm-ops.js';

export const concatKernelName = Concat;
export const splitVKernelName = SplitV;

type CopyRows = (dst: number, src: number, rows: number, dstStride: number, srcStride: number, width: number) => void;

/** copy_rows(dst, src, rows, dstStride, srcStride, width), all in bytes: row r's `width` bytes from
 *  src + r * srcStride to dst + r * dstStride (memory.copy: rows may not overlap). */
function copyRowsFunction(): FunctionBuilder {
  const f = new FunctionBuilder('copy_rows', Array<'i32'>(6).fill('i32'));
  const [dst, src, rows, dstStride, srcStride, width] = f.params;
  const r = f.local('i32');
  f.forRange(
    r,
    () => f.i32(0),
    () => f.get(rows),
    () => {
      f.get(dst).get(src).get(width).emit(0xfc, 10, 0, 0); // memory.copy
      f.get(dst).get(dstStride).emit(op.i32Add).set(dst);
      f.get(src).get(srcStride).emit(op.i32Add).set(src);
    },
  );
  return f;
}

function copyRowsFor(backend: KernelBackend): CopyRows | null {
  const memory = backendMemory(backend);
  if (memory === null) return null;
  try {
    return loops(memory, 'copy_rows', () => [copyRowsFunction()]).copy_rows;
  } catch {
    return null; // a host without bulk memory operations refuses the module
  }
}

/** Whether rows of `dtype` can be copied as bytes here (numbers of 4 bytes). */
function copyable(dtype: string): boolean {
  return dtype === 'float32' || dtype === 'int32';
}

function builtIn(name: string, args: { inputs: unknown; backend: KernelBackend; attrs: unknown }): TensorInfo | TensorInfo[] {
  const original = originalWasmKernel(name);
  if (original === undefined) throw new Error(`wasm kernel '${name}' is not registered`);
  return original.kernelFunc({ inputs: args.inputs as Record<string, TensorInfo>, backend: args.backend, attrs: args.attrs as NamedAttrMap });
}

export function concatWasm(args: { inputs: TensorInfo[]; backend: KernelBackend; attrs: ConcatAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  if (inputs.length === 0) throw new Error(`${Concat}: no inputs`);
  const axis = util.parseAxisParam(attrs.axis, inputs[0].shape)[0];
  const nonEmpty = inputs.filter((t) => util.sizeFromShape(t.shape) > 0);
  const copyRows = copyRowsFor(backend);
  if (copyRows === null || nonEmpty.length < 2 || !nonEmpty.every((t) => t.dtype === inputs[0].dtype && copyable(t.dtype))) return builtIn(Concat, args) as TensorInfo;
  backend_util.assertParamsConsistent(
    inputs.map((t) => t.shape),
    axis,
  );
  const outShape = backend_util.computeOutShape(
    inputs.map((t) => t.shape),
    axis,
  );
  const out = heapBackend(backend, Concat).makeOutput(outShape, inputs[0].dtype);
  const rows = util.sizeFromShape(outShape.slice(0, axis));
  const rowBytes = util.sizeFromShape(outShape.slice(axis)) * 4;
  let column = heapAddress(backend, out, Concat);
  for (const t of nonEmpty) {
    const width = util.sizeFromShape(t.shape.slice(axis)) * 4;
    copyRows(column, heapAddress(backend, t, Concat), rows, rowBytes, width, width);
    column += width;
  }
  return out;
}

export function splitVWasm(args: { inputs: { x?: TensorInfo }; backend: KernelBackend; attrs: SplitVAttrs }): TensorInfo[] {
  const { backend, attrs } = args;
  const x = args.inputs.x;
  if (x === undefined) throw new Error(`${SplitV}: input 'x' is required`);
  const copyRows = copyRowsFor(backend);
  if (copyRows === null || !copyable(x.dtype)) return builtIn(SplitV, args) as TensorInfo[];
  const axis = util.parseAxisParam(attrs.axis, x.shape)[0];
  const sizes = backend_util.prepareSplitSize(x, attrs.numOrSizeSplits, axis);
  const rows = util.sizeFromShape(x.shape.slice(0, axis));
  const inner = util.sizeFromShape(x.shape.slice(axis + 1)) * 4;
  const heap = heapBackend(backend, SplitV);
  const outs = sizes.map((size) => {
    const shape = x.shape.slice();
    shape[axis] = size;
    return heap.makeOutput(shape, x.dtype);
  });
  // Addresses after every makeOutput (any of which may move the heap's buffer, not the offsets).
  let column = heapAddress(backend, x, SplitV);
  outs.forEach((out, i) => {
    const width = sizes[i] * inner;
    if (width > 0 && rows > 0) copyRows(heapAddress(backend, out, SplitV), column, rows, width, x.shape[axis] * inner, width);
    column += width;
  });
  return outs;
}
