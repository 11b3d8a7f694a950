// Conv2DBackpropInput for the wasm backend. The built-in one is a plain loop (~13 ms for lenet5's
// conv2 at batch 64, ~10x its forward convolution). Two faster forms:
//
// - matrix product (the default): cols = dy W^T ([B*OH*OW, Cout] x [Cout, KH*KW*Cin], XNNPACK), then
//   an assembled wasm loop (wasm-loops.ts, col2im) adds each row of cols into the input pixels its
//   window covers. No multiplication by padding, and the packed operand is the small filter: lenet5's
//   conv2 at batch 128 in ~3.9 ms against ~5.5 ms for the conv form, and ~4x more accurate.
// - conv: the input gradient as a forward convolution of dy (dilated by the stride) with the filter
//   rotated by 180 degrees and its channels swapped, on XNNPACK's convolution. It multiplies the zero
//   border (about twice the work for lenet5's conv2); used where the loop does not unroll the channels
//   or the intermediate cols would be too large:
//   dx[b,r,c,ci] = sum_{kh,kw,co} dyd[b, r + padTop - kh, c + padLeft - kw, co] * w[kh,kw,ci,co], where
//   dyd is dy with stride-1 zeros between its rows and columns: a stride-1 convolution of dyd with
//   w'[k,l,co,ci] = w[KH-1-k, KW-1-l, ci, co] and top padding KH-1-padTop.
import { backend_util, Conv2DBackpropInput, type Conv2DBackpropInputAttrs, type KernelBackend, type NamedAttrMap, type NamedTensorInfoMap, type TensorInfo } from '@tensorflow/tfjs-core';
import { product } from './batch-mat-mul.js';
import { heapAddress, wasmLoops } from './wasm-loops.js';
import { heapBackend, originalWasmKernel, spreadByStride, withScratch } from './wasm-ops.js';

/** Most floats the matrix-product form's intermediate (B*OH*OW x KH*KW*Cin) may take; above, the conv form. */
export const MAX_COLUMN_FLOATS = 16 * 1024 * 1024;

export const conv2dBackpropInputKernelName = Conv2DBackpropInput;

function required(inputs: NamedTensorInfoMap, name: string): TensorInfo {
  const info = inputs[name];
  if (info === undefined) throw new Error(`${Conv2DBackpropInput}: input '${name}' is missing`);
  return info;
}

function builtIn(args: { inputs: NamedTensorInfoMap; backend: KernelBackend; attrs: Conv2DBackpropInputAttrs }): TensorInfo {
  const original = originalWasmKernel(Conv2DBackpropInput);
  if (original === undefined) throw new Error(`wasm kernel '${Conv2DBackpropInput}' is not registered`);
  return original.kernelFunc({ ...args, attrs: args.attrs as unknown as NamedAttrMap }) as TensorInfo;
}

export function conv2dBackpropInputWasm(args: { inputs: NamedTensorInfoMap; backend: KernelBackend; attrs: Conv2DBackpropInputAttrs }): TensorInfo {
  const { backend, attrs } = args;
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs;
  const dy = required(args.inputs, 'dy');
  const filter = required(args.inputs, 'filter');
  // The wasm convolution is channels-last only; the built-in kernel handles NCHW.
  if (dataFormat === 'NCHW') return builtIn(args);
  const info = backend_util.computeConv2DInfo(inputShape, filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  const { batchSize, inHeight, inWidth, outHeight, outWidth, outChannels, filterHeight, filterWidth } = info;
  const { strideHeight, strideWidth, padInfo } = info;
  if (dy.shape[1] !== outHeight || dy.shape[2] !== outWidth || dy.shape[3] !== outChannels) {
    throw new Error(`${Conv2DBackpropInput}: dy has shape [${dy.shape}] but input [${inputShape}] and filter [${filter.shape}] give ` + `[${batchSize},${outHeight},${outWidth},${outChannels}]`);
  }
  const inChannels = info.inChannels;
  const columns = batchSize * outHeight * outWidth * filterHeight * filterWidth * inChannels;
  const col2im = columns <= MAX_COLUMN_FLOATS ? (wasmLoops(backend)?.col2im(inChannels) ?? null) : null;
  if (col2im !== null) {
    return withScratch(backend, (scratch) => {
      // cols [B*OH*OW, KH*KW*Cin] = dy [B*OH*OW, Cout] W^T, W as [KH*KW*Cin, Cout]; then scattered into dx.
      const rows = scratch.reshape(dy, [1, batchSize * outHeight * outWidth, outChannels]);
      const weights = scratch.reshape(filter, [1, filterHeight * filterWidth * inChannels, outChannels]);
      const cols = scratch.hold(product(scratch, rows, weights, false, true));
      const dx = heapBackend(backend, Conv2DBackpropInput).makeOutput([batchSize, inHeight, inWidth, inChannels], 'float32');
      const at = (t: TensorInfo) => heapAddress(backend, t, Conv2DBackpropInput);
      col2im(at(cols), at(dx), batchSize, outHeight, outWidth, inHeight, inWidth, strideHeight, strideWidth, padInfo.top, padInfo.left, filterHeight, filterWidth);
      return dx;
    });
  }

  // The conv form, for many input channels or a large intermediate.
  const top = filterHeight - 1 - padInfo.top;
  const left = filterWidth - 1 - padInfo.left;
  // Explicit padding wider than the filter leaves dy rows that touch no input pixel: rare enough to
  // leave to the built-in kernel.
  if (top < 0 || left < 0) return builtIn(args);
  return withScratch(backend, (scratch) => {
    const flipped = scratch.run('Reverse', { x: filter }, { dims: [0, 1] });
    const rotated = scratch.run('Transpose', { x: flipped }, { perm: [0, 1, 3, 2] }); // [KH, KW, Cout, Cin]
    let spread = spreadByStride(scratch, dy, strideHeight, strideWidth);
    const [, spreadHeight, spreadWidth] = spread.shape;
    // Padding below / right so the output is exactly inHeight x inWidth; negative means the last dyd
    // rows reach past the input and are cut.
    const bottom = inHeight - spreadHeight + padInfo.top;
    const right = inWidth - spreadWidth + padInfo.left;
    if (bottom < 0 || right < 0) {
      spread = scratch.run('Slice', { x: spread }, { begin: [0, 0, 0, 0], size: [batchSize, spreadHeight + Math.min(bottom, 0), spreadWidth + Math.min(right, 0), outChannels] });
    }
    return scratch.runKept(
      'Conv2D',
      { x: spread, filter: rotated },
      {
        strides: [1, 1],
        dilations: [1, 1],
        pad: [
          [0, 0],
          [top, Math.max(bottom, 0)],
          [left, Math.max(right, 0)],
          [0, 0],
        ],
        dataFormat: 'NHWC',
      },
    );
  });
}
