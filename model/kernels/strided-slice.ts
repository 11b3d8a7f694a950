// StridedSlice for the wasm backend, for slices with steps other than 1 (x[:, ::2, ::2, :], reversed
// axes). The built-in kernel's general path is wrong and slow: it makes its output float32 whatever the
// input's dtype, so an int32 slice comes back as int32 bits read as floats (2 -> 2.8e-45); and it walks
// the output with a general index computation (~3 ms for [16, 16, 16, 32] -> [16, 8, 8, 32], against
// ~0.03 ms here). Here the slice is an assembled wasm loop (lib/wasm-asm.ts) copying 4- or 1-byte
// elements over at most four nested axes (unit axes dropped, contiguous neighbours merged), with
// signed byte strides so negative steps need nothing more. Empty slices are made here too (the built-in
// kernel fails on begin > end with a step of 1). Slices of steps 1 (plain or leading-axis
// slices, identities: the built-in kernel's correct, fast paths), strings and slices needing more than
// four axes go to the built-in kernel.
import { slice_util, StridedSlice, util, type KernelBackend, type NamedAttrMap, type NamedTensorInfoMap, type StridedSliceAttrs, type TensorInfo } from '@tensorflow/tfjs-core';
import { FunctionBuilder, op } from '../../lib/wasm-asm.js';
import { takenAlong } from './strided-slice-grad.js';
import { backendMemory, heapAddress, loops } from './wasm-loops.js';
import { heapBackend, originalWasmKernel } from './wasm-ops.js';

export const stridedSliceKernelName = StridedSlice;

/** Axes the loop nests. */
export const LOOP_AXES = 4;

/** strided_copy(src, dst, n0..n3, s0..s3): dst (contiguous) = src[i0*s0 + i1*s1 + i2*s2 + i3*s3] for
 *  i_k < n_k, strides in bytes (signed), elements of `bytes` (4 or 1) bytes copied as integers. */
function stridedCopyFunction(bytes: 4 | 1): FunctionBuilder {
  const f = new FunctionBuilder('strided_copy', Array<'i32'>(2 + 2 * LOOP_AXES).fill('i32'));
  const [src, dst, ...rest] = f.params;
  const counts = rest.slice(0, LOOP_AXES);
  const strides = rest.slice(LOOP_AXES);
  const index = counts.map(() => f.local('i32'));
  const at = counts.map(() => f.local('i32')); // the source address at each depth
  const [load, store, align] = bytes === 4 ? [op.i32Load, 0x36, 2] : [0x2d, 0x3a, 0];
  const nest = (depth: number): void => {
    f.forRange(
      index[depth],
      () => f.i32(0),
      () => f.get(counts[depth]),
      () => {
        if (depth + 1 < LOOP_AXES) {
          f.get(at[depth]).set(at[depth + 1]);
          nest(depth + 1);
        } else {
          f.get(dst).get(at[depth]).emit(load, align, 0).emit(store, align, 0);
          f.get(dst).i32(bytes).emit(op.i32Add).set(dst);
        }
        f.get(at[depth]).get(strides[depth]).emit(op.i32Add).set(at[depth]);
      },
    );
  };
  f.get(src).set(at[0]);
  nest(0);
  return f;
}

/** The loop's counts and byte strides for taking counts[k] elements in steps of steps[k] (in elements
 *  of x) along each axis: unit axes dropped, axes that continue each other merged; null beyond LOOP_AXES. */
export function loopAxes(counts: readonly number[], steps: readonly number[]): { counts: number[]; steps: number[] } | null {
  const kept: { n: number; step: number }[] = [];
  counts.forEach((n, k) => {
    if (n === 1) return;
    const last = kept[kept.length - 1];
    // The previous axis continues this one when its step covers exactly this axis' run.
    if (last !== undefined && last.step === n * steps[k]) {
      last.n *= n;
      last.step = steps[k];
    } else kept.push({ n, step: steps[k] });
  });
  if (kept.length > LOOP_AXES) return null;
  while (kept.length < LOOP_AXES) kept.unshift({ n: 1, step: 0 });
  return { counts: kept.map((a) => a.n), steps: kept.map((a) => a.step) };
}

function builtIn(args: { inputs: NamedTensorInfoMap; backend: KernelBackend; attrs: StridedSliceAttrs }): TensorInfo {
  const original = originalWasmKernel(StridedSlice);
  if (original === undefined) throw new Error(`wasm kernel '${StridedSlice}' is not registered`);
  return original.kernelFunc({ inputs: args.inputs, backend: args.backend, attrs: args.attrs as unknown as NamedAttrMap }) as TensorInfo;
}

export function stridedSliceWasm(args: { inputs: NamedTensorInfoMap; backend: KernelBackend; attrs: StridedSliceAttrs }): TensorInfo {
  const { backend, attrs } = args;
  const x = args.inputs.x;
  if (x === undefined) throw new Error(`${StridedSlice}: input 'x' is required`);
  const { begin, end, strides, beginMask, endMask, ellipsisMask, newAxisMask, shrinkAxisMask } = attrs;
  const info = slice_util.sliceInfo(x.shape, begin, end, strides, beginMask, endMask, ellipsisMask, newAxisMask, shrinkAxisMask);
  const bytes = x.dtype === 'float32' || x.dtype === 'int32' ? 4 : x.dtype === 'bool' ? 1 : 0;
  const memory = backendMemory(backend);
  const counts = x.shape.map((_, k) => takenAlong(info.begin[k], info.end[k], info.strides[k]));
  // An empty slice: the built-in kernel fails on some (a negative size for its Slice when begin > end).
  if (counts.some((n) => n === 0) && x.dtype !== 'string') return heapBackend(backend, StridedSlice).makeOutput(info.finalShape, x.dtype);
  if (info.isIdentity || info.sliceDim0 || info.isSimpleSlice || bytes === 0 || memory === null) return builtIn(args);
  const elementStrides = util.computeStrides(x.shape).concat([1]);
  const axes = loopAxes(
    counts,
    counts.map((_, k) => info.strides[k] * elementStrides[k]),
  );
  if (axes === null) return builtIn(args);
  const out = heapBackend(backend, StridedSlice).makeOutput(info.finalShape, x.dtype);
  const first = info.begin.reduce((sum, b, k) => sum + b * elementStrides[k], 0);
  const copy = loops(memory, `strided_copy/${bytes}`, () => [stridedCopyFunction(bytes)]).strided_copy;
  copy(heapAddress(backend, x, StridedSlice) + first * bytes, heapAddress(backend, out, StridedSlice), ...axes.counts, ...axes.steps.map((s) => s * bytes));
  return out;
}
