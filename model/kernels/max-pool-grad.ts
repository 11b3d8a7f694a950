// MaxPoolGrad for the wasm backend. The built-in kernel (tfjs 4.22) is wrong, not just slow: it
// starts each window's running max at std::numeric_limits<float>::min() (the smallest positive float,
// not the lowest), so a window whose values are all <= 0 (all negative, or all zero after a ReLU,
// common in a CNN) sends its gradient to the wrong pixel; and on ties it takes the last maximum where
// tfjs' cpu kernel and TensorFlow take the first.
//
// Unlike the other kernels here this one is a plain loop over the wasm heap rather than a chain of
// the backend's kernels: the chains measured (strided slices + compare + select; transpose + ArgMax +
// OneHot) were 1.5-9x slower than the broken built-in, while one pass over x is ~3x faster than it
// (lenet5 pool1, batch 64: ~1.5 ms against ~5.7 ms). It writes only its own output, so nothing leaks.
//
// Semantics are those of tfjs' cpu kernel: each window's gradient goes to its first maximum in
// row-major order; padding never takes it; a window with no value above -Infinity (or only NaN)
// gives none.
import {
  backend_util,
  MaxPoolGrad,
  type DataType,
  type KernelBackend,
  type MaxPoolGradAttrs,
  type NamedTensorInfoMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core';

export const maxPoolGradKernelName = MaxPoolGrad;

/** What this kernel needs of tfjs' BackendWasm beyond KernelBackend. */
interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): backend_util.TypedArray;
}

function heapBackend(backend: KernelBackend): WasmHeapBackend {
  const candidate = backend as unknown as Partial<WasmHeapBackend>;
  if (typeof candidate.makeOutput !== 'function' || typeof candidate.typedArrayFromHeap !== 'function') {
    throw new Error(`${MaxPoolGrad}: this kernel runs on the wasm backend only (no makeOutput / typedArrayFromHeap)`);
  }
  return candidate as WasmHeapBackend;
}

function required(inputs: NamedTensorInfoMap, name: string): TensorInfo {
  const info = inputs[name];
  if (info === undefined) throw new Error(`${MaxPoolGrad}: input '${name}' is missing`);
  if (info.dtype !== 'float32') throw new Error(`${MaxPoolGrad}: input '${name}' is ${info.dtype}, expected float32`);
  return info;
}

export function maxPoolGradWasm(args: { inputs: NamedTensorInfoMap; backend: KernelBackend; attrs: MaxPoolGradAttrs }): TensorInfo {
  const { attrs } = args;
  const backend = heapBackend(args.backend);
  const dy = required(args.inputs, 'dy');
  const input = required(args.inputs, 'input');
  const info = backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, strideHeight, strideWidth, padInfo } = info;
  const windowHeight = info.effectiveFilterHeight;
  const windowWidth = info.effectiveFilterWidth;
  const expected = [batchSize, outHeight, outWidth, inChannels];
  if (dy.shape.join() !== expected.join()) {
    throw new Error(`${MaxPoolGrad}: dy has shape [${dy.shape}], expected [${expected}] for input [${input.shape}]`);
  }

  // makeOutput may grow the wasm memory, which detaches earlier heap views: take the views after it.
  const dx = backend.makeOutput(input.shape.slice(), 'float32');
  const x = backend.typedArrayFromHeap(input);
  const grad = backend.typedArrayFromHeap(dy);
  const out = backend.typedArrayFromHeap(dx);
  out.fill(0);
  const best = new Float32Array(inChannels);
  const at = new Int32Array(inChannels);
  for (let b = 0; b < batchSize; b++) {
    for (let r = 0; r < outHeight; r++) {
      const top = r * strideHeight - padInfo.top;
      const rowFrom = Math.max(0, top);
      const rowTo = Math.min(inHeight, top + windowHeight);
      for (let c = 0; c < outWidth; c++) {
        const left = c * strideWidth - padInfo.left;
        const colFrom = Math.max(0, left);
        const colTo = Math.min(inWidth, left + windowWidth);
        best.fill(Number.NEGATIVE_INFINITY);
        at.fill(-1);
        for (let row = rowFrom; row < rowTo; row++) {
          let offset = ((b * inHeight + row) * inWidth + colFrom) * inChannels;
          for (let col = colFrom; col < colTo; col++, offset += inChannels) {
            for (let ch = 0; ch < inChannels; ch++) {
              const value = x[offset + ch];
              if (value > best[ch]) {
                best[ch] = value;
                at[ch] = offset + ch;
              }
            }
          }
        }
        const gradOffset = ((b * outHeight + r) * outWidth + c) * inChannels;
        for (let ch = 0; ch < inChannels; ch++) {
          if (at[ch] >= 0) out[at[ch]] += grad[gradOffset + ch];
        }
      }
    }
  }
  return dx;
}
