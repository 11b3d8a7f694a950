// DepthwiseConv2dNativeBackpropFilter for the wasm backend, which (tfjs 4.22) registers none, so a
// depthwise convolution (MobileNet-style blocks, SeparableConv2D) cannot train on wasm at all.
//
// dW[kh,kw,c,m] = sum_{b,oh,ow} x[b, oh*s + kh - padTop, ow*s + kw - padLeft, c] * dy[b,oh,ow,c*M + m].
// Two forms:
// - loop (channels a multiple of 4): an assembled SIMD loop, four channels per f32x4, each output row's
//   sums added in float64 (depthwise-filter-loop.ts); for M > 1, dy is first laid out [.., M, C] so that
//   each m is one pass. ~3e-7 of the largest value against tfjs' cpu kernel.
// - XNNPACK (any channel count): as in Conv2DBackpropFilter's depthwise form (conv2d-backprop-filter.ts),
//   a forward depthwise convolution with the roles swapped: x as one image [1, H, W, B*C] (channel
//   b*C + c), dy as the filter [OH, OW, B*C, M] (its channel b*C*M + c*M + m is exactly dy's
//   [b, c*M + m]), the stride as the dilation; the output [1, KH, KW, B*C*M] holds each sample's filter
//   gradient, summed over the batch in float64 (sum.ts) into [KH, KW, C, M]. XNNPACK handles such a
//   large filter poorly: at MobileNet's sizes ([32, 56, 56, 32], 3x3, stride 1) it took ~160 ms, 25x
//   its forward convolution, where the loop takes ~5 ms (about the forward's time); on the probe's
//   small shapes (batch 16, 16x16x16) 1.2 ms against 0.1 ms (bench/kernels-probe.ts, --large).
//
// Dilations other than 1 are refused: tfjs-core's gradient of DepthwiseConv2dNative refuses them too,
// and the cpu backend's kernel ignores them.
import {
  backend_util,
  DepthwiseConv2dNativeBackpropFilter,
  type DepthwiseConv2dNativeBackpropFilterAttrs,
  type KernelBackend,
  type NamedTensorInfoMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { CHANNELS_PER_PASS, depthwiseFilterGradLoop } from './depthwise-filter-loop.js';
import { sumWasm } from './sum.js';
import { transposeHeld } from './transpose.js';
import { backendMemory, heapAddress } from './wasm-loops.js';
import { heapBackend, heapF32, withScratch } from './wasm-ops.js';

export const depthwiseConv2dBackpropFilterKernelName = DepthwiseConv2dNativeBackpropFilter;

type Padding4 = [[number, number], [number, number], [number, number], [number, number]];

function required(inputs: NamedTensorInfoMap, name: string): TensorInfo {
  const info = inputs[name];
  if (info === undefined) throw new Error(`${DepthwiseConv2dNativeBackpropFilter}: input '${name}' is missing`);
  if (info.dtype !== 'float32') throw new Error(`${DepthwiseConv2dNativeBackpropFilter}: input '${name}' is ${info.dtype}, expected float32`);
  return info;
}

/** Throws unless `dilations` (attribute form) are all 1. */
export function requireUnitDilations(kernel: string, dilations: number | [number, number] | undefined): void {
  const values = dilations === undefined ? [1] : typeof dilations === 'number' ? [dilations] : dilations;
  if (values.some((d) => d !== 1)) throw new Error(`${kernel}: dilations [${values}] are not supported on wasm (tfjs-core's gradient refuses them too)`);
}

export function depthwiseConv2dBackpropFilterWasm(args: { inputs: NamedTensorInfoMap; backend: KernelBackend; attrs: DepthwiseConv2dNativeBackpropFilterAttrs }): TensorInfo {
  const { backend, attrs } = args;
  const { strides, pad, dimRoundingMode, filterShape, dilations } = attrs;
  requireUnitDilations(DepthwiseConv2dNativeBackpropFilter, dilations);
  const x = required(args.inputs, 'x');
  const dy = required(args.inputs, 'dy');
  if (x.shape.length !== 4 || dy.shape.length !== 4) throw new Error(`${DepthwiseConv2dNativeBackpropFilter}: x [${x.shape}] and dy [${dy.shape}] must be rank 4`);
  const info = backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, true);
  const { batchSize, inChannels, outHeight, outWidth, outChannels } = info;
  if (filterShape[2] !== inChannels) {
    throw new Error(`${DepthwiseConv2dNativeBackpropFilter}: filter shape [${filterShape}] does not fit x [${x.shape}] (${inChannels} channels)`);
  }
  if (dy.shape[0] !== batchSize || dy.shape[1] !== outHeight || dy.shape[2] !== outWidth || dy.shape[3] !== outChannels) {
    throw new Error(
      `${DepthwiseConv2dNativeBackpropFilter}: dy has shape [${dy.shape}] but x [${x.shape}] and filter [${filterShape}] give ` + `[${batchSize},${outHeight},${outWidth},${outChannels}]`,
    );
  }
  return loopForm(backend, x, dy, info) ?? swappedForm(backend, x, dy, info);
}

/** The SIMD loop (depthwise-filter-loop.ts), where the channels are a multiple of 4 and the backend's
 *  memory is reachable; else null. */
function loopForm(backend: KernelBackend, x: TensorInfo, dy: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo | null {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth, strideHeight, strideWidth, padInfo } = info;
  const memory = backendMemory(backend);
  if (memory === null || inChannels % 4 !== 0) return null;
  const multiplier = outChannels / inChannels;
  const taps = filterHeight * filterWidth;
  const passes: { c0: number; run: (x: number, dy: number, acc: number, batch: number) => void }[] = [];
  for (let c0 = 0; c0 < inChannels; c0 += CHANNELS_PER_PASS) {
    const channels = Math.min(CHANNELS_PER_PASS, inChannels - c0);
    const sizes = { inHeight, inWidth, outHeight, outWidth, strideHeight, strideWidth, padTop: padInfo.top, padLeft: padInfo.left, filterHeight, filterWidth };
    const run = depthwiseFilterGradLoop(memory, { ...sizes, xPixel: inChannels, dyPixel: outChannels, channels, tapStride: inChannels });
    if (run === null) return null;
    passes.push({ c0, run });
  }
  const heap = heapBackend(backend, DepthwiseConv2dNativeBackpropFilter);
  return withScratch(backend, (scratch) => {
    // dy [B, OH, OW, C, M] -> [B, OH, OW, M, C]: each m's channels contiguous, as x's are.
    const byMultiple = multiplier === 1 ? dy : transposeHeld(scratch, scratch.reshape(dy, [batchSize * outHeight * outWidth, inChannels, multiplier]), [0, 2, 1]);
    // float64 accumulators [M, KH, KW, C], two floats each.
    const acc = scratch.hold(heap.makeOutput([multiplier * taps * inChannels * 2], 'float32'));
    const dw = heap.makeOutput([filterHeight, filterWidth, inChannels, multiplier], 'float32');
    const at = (t: TensorInfo) => heapAddress(backend, t, DepthwiseConv2dNativeBackpropFilter);
    const accAt = at(acc);
    if (accAt % 8 !== 0) throw new Error(`${DepthwiseConv2dNativeBackpropFilter}: the accumulator at ${accAt} is not 8-byte aligned`);
    new Float64Array(memory.buffer, accAt, multiplier * taps * inChannels).fill(0);
    for (let m = 0; m < multiplier; m++) {
      for (const { c0, run } of passes) run(at(x) + c0 * 4, at(byMultiple) + (m * inChannels + c0) * 4, accAt + (m * taps * inChannels + c0) * 8, batchSize);
    }
    const sums = new Float64Array(memory.buffer, accAt, multiplier * taps * inChannels);
    const out = heapF32(heap, dw);
    for (let m = 0; m < multiplier; m++) {
      for (let i = 0; i < taps * inChannels; i++) out[i * multiplier + m] = sums[m * taps * inChannels + i];
    }
    return dw;
  });
}

/** The XNNPACK form (see the top of this file), for any channel count. */
function swappedForm(backend: KernelBackend, xIn: TensorInfo, dy: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth, strideHeight, strideWidth, padInfo } = info;
  const multiplier = outChannels / inChannels;
  return withScratch(backend, (scratch) => {
    let x = xIn;
    // Rows the filter reaches: padTop above the image, `bottom` below it; a negative `bottom` means the
    // last rows of x are never read (stride remainder under 'valid'): they are cut off.
    const bottom = filterHeight + (outHeight - 1) * strideHeight - inHeight - padInfo.top;
    const right = filterWidth + (outWidth - 1) * strideWidth - inWidth - padInfo.left;
    if (bottom < 0 || right < 0) {
      x = scratch.run('Slice', { x }, { begin: [0, 0, 0, 0], size: [batchSize, inHeight + Math.min(bottom, 0), inWidth + Math.min(right, 0), inChannels] });
    }
    const [, usedHeight, usedWidth] = x.shape;
    // x [B, H, W, C] -> one image [1, H, W, B*C]; dy [B, OH, OW, C*M] -> filter [OH, OW, B*C, M].
    const image = scratch.reshape(transposeHeld(scratch, x, [1, 2, 0, 3]), [1, usedHeight, usedWidth, batchSize * inChannels]);
    const filter = scratch.reshape(transposeHeld(scratch, dy, [1, 2, 0, 3]), [outHeight, outWidth, batchSize * inChannels, multiplier]);
    const convPad: Padding4 = [
      [0, 0],
      [padInfo.top, Math.max(bottom, 0)],
      [padInfo.left, Math.max(right, 0)],
      [0, 0],
    ];
    const perSample = scratch.run('DepthwiseConv2dNative', { x: image, filter }, { strides: [1, 1], dilations: [strideHeight, strideWidth], pad: convPad, dataFormat: 'NHWC' });
    // [1, KH, KW, B*C*M] -> [KH*KW, B, C*M], summed over B.
    const bySample = scratch.reshape(perSample, [filterHeight * filterWidth, batchSize, outChannels]);
    const summed = scratch.hold(sumWasm({ inputs: { x: bySample }, backend, attrs: { axis: [1], keepDims: false } }));
    return scratch.runKept('Reshape', { x: summed }, { shape: [filterHeight, filterWidth, inChannels, multiplier] });
  });
}
