// MaxPoolGrad for the wasm backend. The built-in kernel (tfjs 4.22) is wrong, not just slow: it
// starts each window's running max at std::numeric_limits<float>::min() (the smallest positive float,
// not the lowest), so a window whose values are all <= 0 (all negative, or all zero after a ReLU,
// common in a CNN) sends its gradient to the wrong pixel; and on ties it takes the last maximum where
// tfjs' cpu kernel and TensorFlow take the first.
//
// Unlike most kernels here this one is a plain loop over the wasm heap rather than a chain of the
// backend's kernels: the chains measured (strided slices + compare + select; transpose + ArgMax +
// OneHot) were 1.5-9x slower than the broken built-in. The loop is assembled wasm (wasm-loops.ts):
// its comparisons become branch-free selects, where JavaScript's data-dependent branches mispredict
// (lenet5 pool1, batch 128: ~4 ms in JavaScript). It writes only its own output, so nothing leaks.
//
// Semantics are those of tfjs' cpu kernel: each window's gradient goes to its first maximum in
// row-major order; padding never takes it; a window with no value above -Infinity (or only NaN)
// gives none.
import { backend_util, MaxPoolGrad, type KernelBackend, type MaxPoolGradAttrs, type NamedTensorInfoMap, type TensorInfo } from '@tensorflow/tfjs-core';
import { heapAddress, wasmLoops } from './wasm-loops.js';
import { heapBackend, heapF32 } from './wasm-ops.js';

export const maxPoolGradKernelName = MaxPoolGrad;

function required(inputs: NamedTensorInfoMap, name: string): TensorInfo {
  const info = inputs[name];
  if (info === undefined) throw new Error(`${MaxPoolGrad}: input '${name}' is missing`);
  if (info.dtype !== 'float32') throw new Error(`${MaxPoolGrad}: input '${name}' is ${info.dtype}, expected float32`);
  return info;
}

export function maxPoolGradWasm(args: { inputs: NamedTensorInfoMap; backend: KernelBackend; attrs: MaxPoolGradAttrs }): TensorInfo {
  const { attrs } = args;
  const backend = heapBackend(args.backend, MaxPoolGrad);
  const dy = required(args.inputs, 'dy');
  const input = required(args.inputs, 'input');
  const info = backend_util.computePool2DInfo(input.shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, strideHeight, strideWidth, padInfo } = info;
  const windowHeight = info.effectiveFilterHeight;
  const windowWidth = info.effectiveFilterWidth;
  const expected = [batchSize, outHeight, outWidth, inChannels];
  if (dy.shape.join() !== expected.join()) {
    throw new Error(`${MaxPoolGrad}: dy has shape [${dy.shape}], expected [${expected}] for input [${input.shape}]`);
  }

  // makeOutput may grow the wasm memory, which detaches earlier heap views: take the views after it.
  const dx = backend.makeOutput(input.shape.slice(), 'float32');
  const sizes = [batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, strideHeight, strideWidth, padInfo.top, padInfo.left, windowHeight, windowWidth];
  const loops = wasmLoops(args.backend);
  if (loops !== null) {
    const address = (t: TensorInfo) => heapAddress(args.backend, t, MaxPoolGrad);
    // Windows that never reach past the image (no padding used) take the unrolled loop.
    const inside = padInfo.top === 0 && padInfo.left === 0 && (outHeight - 1) * strideHeight + windowHeight <= inHeight && (outWidth - 1) * strideWidth + windowWidth <= inWidth;
    const fixed = inside ? loops.maxPoolGradFixed({ batch: batchSize, inHeight, inWidth, channels: inChannels, outHeight, outWidth, strideHeight, strideWidth, windowHeight, windowWidth }) : null;
    if (fixed !== null) fixed(address(input), address(dy), address(dx), batchSize);
    else loops.maxPoolGrad([address(input), address(dy), address(dx), ...sizes]);
  } else {
    maxPoolGradLoop(heapF32(backend, input), heapF32(backend, dy), heapF32(backend, dx), sizes);
  }
  return dx;
}

/** The same loop in JavaScript, where the backend's memory is not reachable from another module. Its
 *  data-dependent branches mispredict, so it is ~5x slower than the wasm loop. `sizes` as the kernel
 *  passes them: batch, inH, inW, C, outH, outW, strideH, strideW, padTop, padLeft, windowH, windowW. */
export function maxPoolGradLoop(x: Float32Array, grad: Float32Array, out: Float32Array, sizes: number[]): void {
  const [batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, strideHeight, strideWidth, padTop, padLeft, windowHeight, windowWidth] = sizes;
  out.fill(0);
  const rowStride = inWidth * inChannels;
  let gradAt = 0;
  for (let b = 0; b < batchSize; b++) {
    const image = b * inHeight * rowStride;
    for (let r = 0; r < outHeight; r++) {
      const top = r * strideHeight - padTop;
      const rowFrom = Math.max(0, top);
      const rowTo = Math.min(inHeight, top + windowHeight);
      for (let c = 0; c < outWidth; c++) {
        const left = c * strideWidth - padLeft;
        const colFrom = Math.max(0, left);
        const colTo = Math.min(inWidth, left + windowWidth);
        const corner = image + rowFrom * rowStride + colFrom * inChannels;
        for (let ch = 0; ch < inChannels; ch++, gradAt++) {
          let best = Number.NEGATIVE_INFINITY;
          let at = -1;
          for (let row = rowFrom, rowAt = corner + ch; row < rowTo; row++, rowAt += rowStride) {
            for (let col = colFrom, offset = rowAt; col < colTo; col++, offset += inChannels) {
              const value = x[offset];
              if (value > best) {
                best = value;
                at = offset;
              }
            }
          }
          if (at >= 0) out[at] += grad[gradAt];
        }
      }
    }
  }
}
