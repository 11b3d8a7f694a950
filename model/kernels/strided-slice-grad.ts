// The gradient of StridedSlice, which tfjs-core 4.22 does not register for any backend: tf.grads through
// tf.stridedSlice fails with "gradient function not found for StridedSlice" (x[:, ::2, ::2, :], a
// reversed or cropped axis). Not a kernel, but registered with the wasm training kernels (index.ts),
// and only where no gradient for StridedSlice is registered yet.
//
// The slice takes, along each input axis, n elements from `begin` in steps of `stride` (tfjs-core's
// slice_util.sliceInfo resolves the masks, ellipsis and negative indices into per-axis begin / end /
// stride). Its gradient puts dy back at those places and zeros elsewhere: dy as [n_0, ..., n_r-1],
// reversed along negative strides, spread along strides above 1 (stride - 1 zeros after each element,
// by reshape and pad), then padded to x's shape. Only reshape, reverse, pad and slice, whose kernels
// and gradients every backend has.
import {
  getGradient,
  pad,
  registerGradient,
  reshape,
  reverse,
  slice,
  slice_util,
  StridedSlice,
  zeros,
  type GradConfig,
  type NamedAttrMap,
  type StridedSliceAttrs,
  type Tensor,
} from '@tensorflow/tfjs-core';

/** Elements a slice takes along one axis from `begin` to `end` (exclusive) in steps of `stride`. */
export function takenAlong(begin: number, end: number, stride: number): number {
  const interval = end - begin;
  if (interval === 0 || interval < 0 !== stride < 0) return 0;
  return Math.trunc(interval / stride) + (interval % stride !== 0 ? 1 : 0);
}

/** dy of a strided slice of an input of `xShape`, put back in place (zeros where the slice took nothing). */
export function stridedSliceBackprop(dy: Tensor, xShape: readonly number[], attrs: StridedSliceAttrs): Tensor {
  const { begin, end, strides, beginMask, endMask, ellipsisMask, newAxisMask, shrinkAxisMask } = attrs;
  const info = slice_util.sliceInfo([...xShape], begin, end, strides, beginMask, endMask, ellipsisMask, newAxisMask, shrinkAxisMask);
  const taken = xShape.map((_, i) => takenAlong(info.begin[i], info.end[i], info.strides[i]));
  if (taken.some((n) => n === 0)) return zeros([...xShape], dy.dtype);
  let g = reshape(dy, taken);
  const paddings: [number, number][] = [];
  for (let axis = 0; axis < xShape.length; axis++) {
    const n = taken[axis];
    const stride = info.strides[axis];
    const step = Math.abs(stride);
    // The first (lowest) index the slice takes along this axis.
    const low = stride > 0 ? info.begin[axis] : info.begin[axis] + (n - 1) * stride;
    if (stride < 0 && n > 1) g = reverse(g, axis);
    if (step > 1 && n > 1) {
      // [.., n, ..] -> [.., n, 1, ..] -> padded [.., n, step, ..] -> [.., n * step, ..], cut to (n - 1) * step + 1.
      const shape = g.shape;
      const expanded = reshape(g, [...shape.slice(0, axis + 1), 1, ...shape.slice(axis + 1)]);
      const widths = expanded.shape.map((): [number, number] => [0, 0]);
      widths[axis + 1] = [0, step - 1];
      const spread = reshape(pad(expanded, widths), [...shape.slice(0, axis), n * step, ...shape.slice(axis + 1)]);
      const size = spread.shape.map((d, i) => (i === axis ? (n - 1) * step + 1 : d));
      g = slice(spread, 0, size);
    }
    const span = n > 1 ? (n - 1) * step + 1 : n;
    paddings.push([low, xShape[axis] - low - span]);
  }
  return paddings.some(([before, after]) => before > 0 || after > 0) ? pad(g, paddings) : g;
}

export const stridedSliceGradConfig: GradConfig = {
  kernelName: StridedSlice,
  inputsToSave: ['x'],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
    const [x] = saved;
    return { x: () => stridedSliceBackprop(dy as Tensor, x.shape, attrs as unknown as StridedSliceAttrs) };
  },
};

/** Registers the gradient above unless one for StridedSlice is registered already. Idempotent. */
export function registerStridedSliceGradient(): void {
  if (getGradient(StridedSlice) === undefined) registerGradient(stridedSliceGradConfig);
}
