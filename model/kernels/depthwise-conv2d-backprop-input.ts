// DepthwiseConv2dNativeBackpropInput for the wasm backend, which (tfjs 4.22) registers none, so the
// gradient of a depthwise convolution with respect to its input fails on wasm. Two forms:
//
// - loop (channels a multiple of 4, strides above 1 or channel multiples): an assembled SIMD loop adding
//   each dy pixel times the taps into the dx pixels it came from (depthwise-input-loop.ts): no work for
//   the stride's zeros, the multiples summed in place.
// - XNNPACK (stride 1 without multiples, and any channel count):
//   dx[b,r,c,ch] = sum_{kh,kw,m} dyd[b, r + padTop - kh, c + padLeft - kw, ch*M + m] * w[kh,kw,ch,m], where
//   dyd is dy with stride-1 zeros between its rows and columns (as in conv2d-backprop-input.ts' conv
//   form): a stride-1 depthwise convolution of dyd, channel multiplier 1, with the filter rotated by 180
//   degrees as [KH, KW, C*M, 1]; for M > 1 its output [B, H, W, C*M] is then summed over m. The zeros
//   cost work for strides above 1 (75% of the products at stride 2).
// Both are ~1e-7 of the largest value from tfjs' cpu kernel, and 30-100x faster than it.
//
// Dilations other than 1 are refused (see depthwise-conv2d-backprop-filter.ts).
import {
  backend_util,
  DepthwiseConv2dNativeBackpropInput,
  type DepthwiseConv2dNativeBackpropInputAttrs,
  type KernelBackend,
  type NamedTensorInfoMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { requireUnitDilations } from './depthwise-conv2d-backprop-filter.js';
import { CHANNELS_PER_PASS } from './depthwise-filter-loop.js';
import { depthwiseInputGradLoop, MAX_WEIGHT_VECTORS } from './depthwise-input-loop.js';
import { transposeHeld } from './transpose.js';
import { backendMemory, heapAddress } from './wasm-loops.js';
import { heapBackend, heapF32, spreadByStride, withScratch } from './wasm-ops.js';

export const depthwiseConv2dBackpropInputKernelName = DepthwiseConv2dNativeBackpropInput;

function required(inputs: NamedTensorInfoMap, name: string): TensorInfo {
  const info = inputs[name];
  if (info === undefined) throw new Error(`${DepthwiseConv2dNativeBackpropInput}: input '${name}' is missing`);
  if (info.dtype !== 'float32') throw new Error(`${DepthwiseConv2dNativeBackpropInput}: input '${name}' is ${info.dtype}, expected float32`);
  return info;
}

/** The rows [begin, end) of a spread dy of `spread` rows that a stride-1 correlation with a filter of
 *  `filter` taps reads to give `size` rows, and the zero rows it needs before and after them. */
export function rowsRead(spread: number, size: number, filter: number, padBefore: number): { begin: number; end: number; before: number; after: number } {
  // Output row i reads rows i - (filter - 1 - padBefore) .. i + padBefore of the spread dy.
  const first = padBefore - (filter - 1);
  const last = size + padBefore; // exclusive
  return { begin: Math.max(0, first), end: Math.min(spread, last), before: Math.max(0, -first), after: Math.max(0, last - spread) };
}

export function depthwiseConv2dBackpropInputWasm(args: { inputs: NamedTensorInfoMap; backend: KernelBackend; attrs: DepthwiseConv2dNativeBackpropInputAttrs }): TensorInfo {
  const { backend, attrs } = args;
  const { strides, pad, dimRoundingMode, inputShape, dilations } = attrs;
  requireUnitDilations(DepthwiseConv2dNativeBackpropInput, dilations);
  const dy = required(args.inputs, 'dy');
  const filter = required(args.inputs, 'filter');
  if (filter.shape.length !== 4 || dy.shape.length !== 4) throw new Error(`${DepthwiseConv2dNativeBackpropInput}: dy [${dy.shape}] and filter [${filter.shape}] must be rank 4`);
  const info = backend_util.computeConv2DInfo(inputShape, filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode, true);
  const { batchSize, outHeight, outWidth, outChannels } = info;
  if (dy.shape[0] !== batchSize || dy.shape[1] !== outHeight || dy.shape[2] !== outWidth || dy.shape[3] !== outChannels) {
    throw new Error(
      `${DepthwiseConv2dNativeBackpropInput}: dy has shape [${dy.shape}] but input [${inputShape}] and filter [${filter.shape}] give ` + `[${batchSize},${outHeight},${outWidth},${outChannels}]`,
    );
  }
  // At stride 1 without multiples XNNPACK's convolution is a little faster than the loop (MobileNet's
  // [32, 56, 56, 32]: ~13 against ~16 ms); with a stride or multiples, the loop (~10 against ~17 ms at
  // stride 2; ~19 against ~44 ms for [16, 112, 112, 16], multiplier 2, stride 2).
  const plain = info.strideHeight === 1 && info.strideWidth === 1 && outChannels === info.inChannels;
  return (plain ? null : loopForm(backend, dy, filter, info)) ?? xnnpackForm(backend, dy, filter, info);
}

/** The SIMD loop (depthwise-input-loop.ts), where the channels are a multiple of 4 and the backend's
 *  memory is reachable; else null. */
function loopForm(backend: KernelBackend, dy: TensorInfo, filter: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo | null {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth, strideHeight, strideWidth, padInfo } = info;
  const memory = backendMemory(backend);
  const multiplier = outChannels / inChannels;
  const perPass = Math.min(CHANNELS_PER_PASS, 4 * Math.floor(MAX_WEIGHT_VECTORS / multiplier));
  if (memory === null || inChannels % 4 !== 0 || perPass === 0) return null;
  const passes: { c0: number; run: (dx: number, dy: number, w: number, batch: number) => void }[] = [];
  for (let c0 = 0; c0 < inChannels; c0 += perPass) {
    const sizes = { inHeight, inWidth, outHeight, outWidth, strideHeight, strideWidth, padTop: padInfo.top, padLeft: padInfo.left, filterHeight, filterWidth };
    const channels = Math.min(perPass, inChannels - c0);
    const run = depthwiseInputGradLoop(memory, { ...sizes, dxPixel: inChannels, dyPixel: outChannels, channels, multiplier, blockStride: inChannels });
    if (run === null) return null;
    passes.push({ c0, run });
  }
  const heap = heapBackend(backend, DepthwiseConv2dNativeBackpropInput);
  return withScratch(backend, (scratch) => {
    // dy [.., C, M] -> [.., M, C] and the filter [KH, KW, C, M] -> [KH, KW, M, C]: each multiple's channels contiguous.
    const [dyByMultiple, weights] =
      multiplier === 1
        ? [dy, filter]
        : [
            transposeHeld(scratch, scratch.reshape(dy, [batchSize * outHeight * outWidth, inChannels, multiplier]), [0, 2, 1]),
            transposeHeld(scratch, scratch.reshape(filter, [filterHeight * filterWidth, inChannels, multiplier]), [0, 2, 1]),
          ];
    const dx = heap.makeOutput([batchSize, inHeight, inWidth, inChannels], 'float32');
    heapF32(heap, dx).fill(0);
    const at = (t: TensorInfo) => heapAddress(backend, t, DepthwiseConv2dNativeBackpropInput);
    for (const { c0, run } of passes) run(at(dx) + c0 * 4, at(dyByMultiple) + c0 * 4, at(weights) + c0 * 4, batchSize);
    return dx;
  });
}

/** The XNNPACK form (see the top of this file), for any channel count. */
function xnnpackForm(backend: KernelBackend, dy: TensorInfo, filter: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels, outChannels, filterHeight, filterWidth, strideHeight, strideWidth, padInfo } = info;
  const multiplier = outChannels / inChannels;
  return withScratch(backend, (scratch) => {
    const flipped = scratch.run('Reverse', { x: filter }, { dims: [0, 1] });
    const rotated = scratch.reshape(flipped, [filterHeight, filterWidth, outChannels, 1]);
    let spread = spreadByStride(scratch, dy, strideHeight, strideWidth);
    const rows = rowsRead(spread.shape[1], inHeight, filterHeight, padInfo.top);
    const cols = rowsRead(spread.shape[2], inWidth, filterWidth, padInfo.left);
    if (rows.begin > 0 || cols.begin > 0 || rows.end < spread.shape[1] || cols.end < spread.shape[2]) {
      spread = scratch.run('Slice', { x: spread }, { begin: [0, rows.begin, cols.begin, 0], size: [batchSize, rows.end - rows.begin, cols.end - cols.begin, outChannels] });
    }
    const convAttrs = {
      strides: [1, 1],
      dilations: [1, 1],
      pad: [
        [0, 0],
        [rows.before, rows.after],
        [cols.before, cols.after],
        [0, 0],
      ],
      dataFormat: 'NHWC',
    };
    if (multiplier === 1) return scratch.runKept('DepthwiseConv2dNative', { x: spread, filter: rotated }, convAttrs);
    // [B, H, W, C*M] -> [B*H*W*C, M], summed over m.
    const each = scratch.run('DepthwiseConv2dNative', { x: spread, filter: rotated }, convAttrs);
    const byChannel = scratch.reshape(each, [batchSize * inHeight * inWidth * inChannels, multiplier]);
    const summed = scratch.run('Sum', { x: byChannel }, { axis: [1], keepDims: false });
    return scratch.runKept('Reshape', { x: summed }, { shape: [batchSize, inHeight, inWidth, inChannels] });
  });
}
