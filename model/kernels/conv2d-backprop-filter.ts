// Conv2DBackpropFilter for the wasm backend, which (tfjs 4.22) registers none, so CNN training fails.
//
// dW[kh,kw,ci,co] = sum_{b,oh,ow} x[b, oh*s + kh - padTop, ow*s + kw - padLeft, ci] * dy[b,oh,ow,co]
// is a forward convolution with the roles swapped: the input channels become the images
// (x as [Cin, H, W, B]), the batch becomes the channels, dy becomes the filter ([OH, OW, B, Cout]),
// the stride becomes the dilation, and the output [Cin, KH, KW, Cout] is dW transposed. That runs on
// the backend's XNNPACK kernels: 2-6 ms for lenet5's shapes at batch 64-128, where an im2col matrix
// product built from strided slices took 30-280 ms and tfjs' cpu kernel 0.3-1.5 s.
//
// Two forms of that convolution:
// - dense (Conv2D): one GEMM whose reduction runs over all B*OH*OW terms in float32. Fastest while
//   that is short; over ~50k-100k terms (lenet5 conv1) its error reaches ~1e-5 of the largest value.
// - depthwise (DepthwiseConv2dNative with channel multiplier Cout): one output per sample, reduced
//   over OH*OW terms only, then summed over the batch. As fast for lenet5's conv1 and ~10x more
//   accurate there; slower than the dense form where the sum is short (lenet5's conv2).
import {
  backend_util,
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  type KernelBackend,
  type NamedTensorInfoMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { withScratch, type Scratch } from './wasm-ops.js';

/** Above this many terms (B*OH*OW) per weight, the depthwise form is used. */
export const DEPTHWISE_ABOVE_TERMS = 16384;

export const conv2dBackpropFilterKernelName = Conv2DBackpropFilter;

type Padding4 = [[number, number], [number, number], [number, number], [number, number]];

function required(inputs: NamedTensorInfoMap, name: string): TensorInfo {
  const info = inputs[name];
  if (info === undefined) throw new Error(`${Conv2DBackpropFilter}: input '${name}' is missing`);
  return info;
}

export function conv2dBackpropFilterWasm(args: {
  inputs: NamedTensorInfoMap;
  backend: KernelBackend;
  attrs: Conv2DBackpropFilterAttrs;
}): TensorInfo {
  const { backend, attrs } = args;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
  return withScratch(backend, (scratch) => {
    let x = required(args.inputs, 'x');
    let dy = required(args.inputs, 'dy');
    // The wasm convolutions are channels-last only: bring NCHW operands to NHWC first.
    if (dataFormat === 'NCHW') {
      x = scratch.run('Transpose', { x }, { perm: [0, 2, 3, 1] });
      dy = scratch.run('Transpose', { x: dy }, { perm: [0, 2, 3, 1] });
    }
    const info = backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filterShape,
      strides,
      1,
      pad,
      dimRoundingMode,
      false,
      'channelsLast',
    );
    const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
    const { filterHeight, filterWidth, strideHeight, strideWidth, padInfo } = info;
    if (dy.shape[0] !== batchSize || dy.shape[1] !== outHeight || dy.shape[2] !== outWidth || dy.shape[3] !== outChannels) {
      throw new Error(
        `${Conv2DBackpropFilter}: dy has shape [${dy.shape}] but x [${x.shape}] and filter [${filterShape}] give ` +
          `[${batchSize},${outHeight},${outWidth},${outChannels}]`,
      );
    }
    // Rows the filter reaches: padTop above the image, `bottom` below it. A negative `bottom` means the
    // last rows of x are never read (stride remainder under 'valid'): they are cut off instead.
    const bottom = filterHeight + (outHeight - 1) * strideHeight - inHeight - padInfo.top;
    const right = filterWidth + (outWidth - 1) * strideWidth - inWidth - padInfo.left;
    if (bottom < 0 || right < 0) {
      x = scratch.run(
        'Slice',
        { x },
        { begin: [0, 0, 0, 0], size: [batchSize, inHeight + Math.min(bottom, 0), inWidth + Math.min(right, 0), inChannels] },
      );
    }
    const convPad: Padding4 = [
      [0, 0],
      [padInfo.top, Math.max(bottom, 0)],
      [padInfo.left, Math.max(right, 0)],
      [0, 0],
    ];
    const dilations: [number, number] = [strideHeight, strideWidth];
    const images = scratch.run('Transpose', { x }, { perm: [3, 1, 2, 0] }); // [Cin, H, W, B]
    const filter = scratch.run('Transpose', { x: dy }, { perm: [1, 2, 0, 3] }); // [OH, OW, B, Cout]
    const swapped =
      batchSize * outHeight * outWidth > DEPTHWISE_ABOVE_TERMS
        ? depthwiseForm(scratch, images, filter, dilations, convPad, [inChannels, filterHeight, filterWidth, outChannels])
        : scratch.run('Conv2D', { x: images, filter }, { strides: [1, 1], dilations, pad: convPad, dataFormat: 'NHWC' });
    // [Cin, KH, KW, Cout] -> [KH, KW, Cin, Cout]
    return scratch.runKept('Transpose', { x: swapped }, { perm: [1, 2, 0, 3] });
  });
}

/** The swapped convolution as per-sample depthwise products summed over the batch: [Cin, KH, KW, Cout]. */
function depthwiseForm(
  scratch: Scratch,
  images: TensorInfo,
  filter: TensorInfo,
  dilations: [number, number],
  pad: Padding4,
  swappedShape: [number, number, number, number],
): TensorInfo {
  const [inChannels, filterHeight, filterWidth, outChannels] = swappedShape;
  const batch = images.shape[3];
  // [Cin, KH, KW, B*Cout]: sample b's filter gradient in channels b*Cout .. b*Cout + Cout-1.
  const perSample = scratch.run(
    'DepthwiseConv2dNative',
    { x: images, filter },
    { strides: [1, 1], dilations, pad, dataFormat: 'NHWC' },
  );
  const bySample = scratch.reshape(perSample, [inChannels * filterHeight * filterWidth, batch, outChannels]);
  const summed = scratch.run('Sum', { x: bySample }, { axis: [1], keepDims: false });
  return scratch.reshape(summed, swappedShape);
}
