// Conv2DBackpropFilter for the wasm backend, which (tfjs 4.22) registers none, so CNN training fails.
//
// dW[kh,kw,ci,co] = sum_{b,oh,ow} x[b, oh*s + kh - padTop, ow*s + kw - padLeft, ci] * dy[b,oh,ow,co]
// is a forward convolution with the roles swapped: the input channels become the images
// (x as [Cin, H, W, B]), the batch becomes the channels, dy becomes the filter ([OH, OW, B, Cout]),
// the stride becomes the dilation, and the output [Cin, KH, KW, Cout] is dW transposed. That runs on
// the backend's XNNPACK kernels, where an im2col matrix product built from strided slices took 30-280 ms
// and tfjs' cpu kernel 0.3-1.5 s for lenet5's shapes at batch 64-128.
//
// Two forms of that convolution:
// - dense (Conv2D): one GEMM whose reduction runs over all B*OH*OW terms in float32. Fastest while that
//   is short; over ~50k-100k terms (lenet5 conv1 at batch 64-128) its error reaches ~1e-5 of the
//   largest value. Splitting the batch into groups of ~32k terms, one convolution each, keeps it near
//   3e-6 but is slower than:
// - depthwise (DepthwiseConv2dNative with channel multiplier Cout): one output per sample, reduced over
//   OH*OW terms only, then summed over the batch (sum.ts, in float64). ~5e-7 on lenet5's conv1 and the
//   fastest form there (batch 128: 4.3 ms against 5.2 ms grouped).
// Either way XNNPACK packs dy, the operand playing the filter, on every call (~1 ms of conv2's ~3.4 ms at
// batch 128; any matrix-product form packs an operand as long as the sum). The transposes that lay x and
// dy out are wasm loops (transpose.ts).
import { backend_util, Conv2DBackpropFilter, type Conv2DBackpropFilterAttrs, type KernelBackend, type NamedTensorInfoMap, type TensorInfo } from '@tensorflow/tfjs-core';
import { sumWasm } from './sum.js';
import { transposeHeld, transposeTensor } from './transpose.js';
import { withScratch } from './wasm-ops.js';

/** Up to this many products (B*OH*OW) per weight, the dense form; above, the depthwise form. */
export const DENSE_UP_TO_TERMS = 16384;

export const conv2dBackpropFilterKernelName = Conv2DBackpropFilter;

type Padding4 = [[number, number], [number, number], [number, number], [number, number]];

function required(inputs: NamedTensorInfoMap, name: string): TensorInfo {
  const info = inputs[name];
  if (info === undefined) throw new Error(`${Conv2DBackpropFilter}: input '${name}' is missing`);
  return info;
}

export function conv2dBackpropFilterWasm(args: { inputs: NamedTensorInfoMap; backend: KernelBackend; attrs: Conv2DBackpropFilterAttrs }): TensorInfo {
  const { backend, attrs } = args;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
  return withScratch(backend, (scratch) => {
    let x = required(args.inputs, 'x');
    let dy = required(args.inputs, 'dy');
    // The wasm convolutions are channels-last only: bring NCHW operands to NHWC first.
    if (dataFormat === 'NCHW') {
      x = transposeHeld(scratch, x, [0, 2, 3, 1]);
      dy = transposeHeld(scratch, dy, [0, 2, 3, 1]);
    }
    const info = backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
    const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
    const { filterHeight, filterWidth, strideHeight, strideWidth, padInfo } = info;
    if (dy.shape[0] !== batchSize || dy.shape[1] !== outHeight || dy.shape[2] !== outWidth || dy.shape[3] !== outChannels) {
      throw new Error(`${Conv2DBackpropFilter}: dy has shape [${dy.shape}] but x [${x.shape}] and filter [${filterShape}] give ` + `[${batchSize},${outHeight},${outWidth},${outChannels}]`);
    }
    // Rows the filter reaches: padTop above the image, `bottom` below it. A negative `bottom` means the
    // last rows of x are never read (stride remainder under 'valid'): they are cut off instead.
    const bottom = filterHeight + (outHeight - 1) * strideHeight - inHeight - padInfo.top;
    const right = filterWidth + (outWidth - 1) * strideWidth - inWidth - padInfo.left;
    if (bottom < 0 || right < 0) {
      x = scratch.run('Slice', { x }, { begin: [0, 0, 0, 0], size: [batchSize, inHeight + Math.min(bottom, 0), inWidth + Math.min(right, 0), inChannels] });
    }
    const convPad: Padding4 = [
      [0, 0],
      [padInfo.top, Math.max(bottom, 0)],
      [padInfo.left, Math.max(right, 0)],
      [0, 0],
    ];
    const dilations: [number, number] = [strideHeight, strideWidth];
    const convAttrs = { strides: [1, 1], dilations, pad: convPad, dataFormat: 'NHWC' };
    const images = transposeHeld(scratch, x, [3, 1, 2, 0]); // [Cin, H, W, B]
    const filter = transposeHeld(scratch, dy, [1, 2, 0, 3]); // [OH, OW, B, Cout]
    let swapped: TensorInfo; // [Cin, KH, KW, Cout]
    if (batchSize * outHeight * outWidth <= DENSE_UP_TO_TERMS) {
      swapped = scratch.run('Conv2D', { x: images, filter }, convAttrs);
    } else {
      // [Cin, KH, KW, B*Cout]: sample b's filter gradient in channels b*Cout .. b*Cout + Cout-1.
      const perSample = scratch.run('DepthwiseConv2dNative', { x: images, filter }, convAttrs);
      const bySample = scratch.reshape(perSample, [inChannels * filterHeight * filterWidth, batchSize, outChannels]);
      const summed = scratch.hold(sumWasm({ inputs: { x: bySample }, backend, attrs: { axis: [1], keepDims: false } }));
      swapped = scratch.reshape(summed, [inChannels, filterHeight, filterWidth, outChannels]);
    }
    // [Cin, KH, KW, Cout] -> [KH, KW, Cin, Cout]
    return transposeTensor(backend, swapped, [1, 2, 0, 3]);
  });
}
