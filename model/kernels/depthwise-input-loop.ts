// The input gradient of a depthwise convolution as an assembled WebAssembly SIMD loop (lib/wasm-asm.ts)
// over the backend's own memory, four channels per f32x4:
//   dx[b, oh*sh + kh - padTop, ow*sw + kw - padLeft, c] += sum_m dy[b, oh, ow, m, c] * w[kh, kw, m, c]
// (dy and w with each multiple's channels contiguous: the kernel lays them out so). For each sample,
// output row and filter row inside the image, and each filter column (unrolled, its output columns
// inside the image worked out here), the tap's weights are held in locals while the loop runs along the
// output row adding into dx. Unlike the XNNPACK form (a convolution of dy spread by the stride) it does
// no work for the stride's zeros, and sums the multiples without a second pass. dx must be zero first.
// The module is specialised to every size but the batch and cached per memory and sizes.
import { FunctionBuilder, op, v128Load, v128Store, webAssembly, type WasmMemory } from '../../lib/wasm-asm.js';
import { columnRange, F32X4_ADD, F32X4_MUL } from './depthwise-filter-loop.js';
import { loops } from './wasm-loops.js';

/** Most weight vectors (channels / 4 times the multiplier) the loop holds in locals per tap. */
export const MAX_WEIGHT_VECTORS = 32;

/** The sizes the loop is specialised to. Pixels are in floats; `channels` (a multiple of 4) are the
 *  pass's, at the start of the dx / dy / w addresses given; dy and w hold `multiplier` blocks of
 *  `blockStride` floats per pixel / tap. */
export interface DepthwiseInputSizes {
  inHeight: number;
  inWidth: number;
  outHeight: number;
  outWidth: number;
  strideHeight: number;
  strideWidth: number;
  padTop: number;
  padLeft: number;
  filterHeight: number;
  filterWidth: number;
  dxPixel: number;
  dyPixel: number;
  channels: number;
  multiplier: number;
  blockStride: number;
}

/** dw_input_grad(dx, dy, w, batch): dx += the taps' products (see above). */
function depthwiseInputGradFunction(p: DepthwiseInputSizes): FunctionBuilder {
  const f = new FunctionBuilder('dw_input_grad', ['i32', 'i32', 'i32', 'i32']);
  const [dx, dy, w, batch] = f.params;
  const [b, oh, kh, ih, ow, px, pd, dxRow, dyRow, tap] = Array.from({ length: 10 }, () => f.local('i32'));
  const vectors = p.channels / 4;
  // weights[m][v]: the tap's weights for multiple m, channels 4v .. 4v+3.
  const weights = Array.from({ length: p.multiplier }, () => Array.from({ length: vectors }, () => f.local('v128')));
  const sum = f.local('v128');
  const dxPixelBytes = p.dxPixel * 4;
  const dyPixelBytes = p.dyPixel * 4;
  const tapBytes = p.multiplier * p.blockStride * 4;
  f.forRange(
    b,
    () => f.i32(0),
    () => f.get(batch),
    () => {
      f.forRange(
        oh,
        () => f.i32(0),
        () => f.i32(p.outHeight),
        () => {
          // dyRow = dy + (b * outH + oh) * outW * dyPixelBytes
          f.get(dy)
            .get(b)
            .i32(p.outHeight)
            .emit(op.i32Mul)
            .get(oh)
            .emit(op.i32Add)
            .i32(p.outWidth * dyPixelBytes)
            .emit(op.i32Mul)
            .emit(op.i32Add)
            .set(dyRow);
          f.forRange(
            kh,
            () => f.i32(0),
            () => f.i32(p.filterHeight),
            () => {
              // ih = oh * sh + kh - padTop, inside the image (unsigned compare)
              f.get(oh).i32(p.strideHeight).emit(op.i32Mul).get(kh).emit(op.i32Add).i32(p.padTop).emit(op.i32Sub).tee(ih).i32(p.inHeight).emit(op.i32LtU);
              f.ifThen(() => {
                f.get(dx)
                  .get(b)
                  .i32(p.inHeight)
                  .emit(op.i32Mul)
                  .get(ih)
                  .emit(op.i32Add)
                  .i32(p.inWidth * dxPixelBytes)
                  .emit(op.i32Mul)
                  .emit(op.i32Add)
                  .set(dxRow);
                f.get(w)
                  .get(kh)
                  .i32(p.filterWidth * tapBytes)
                  .emit(op.i32Mul)
                  .emit(op.i32Add)
                  .set(tap);
                for (let kw = 0; kw < p.filterWidth; kw++) {
                  const [from, to] = columnRange(p, kw);
                  if (to <= from) continue;
                  weights.forEach((row, m) =>
                    row.forEach((reg, v) =>
                      f
                        .get(tap)
                        .emit(...v128Load(kw * tapBytes + (m * p.blockStride + 4 * v) * 4))
                        .set(reg),
                    ),
                  );
                  f.get(dxRow)
                    .i32((from * p.strideWidth + kw - p.padLeft) * dxPixelBytes)
                    .emit(op.i32Add)
                    .set(px);
                  f.get(dyRow)
                    .i32(from * dyPixelBytes)
                    .emit(op.i32Add)
                    .set(pd);
                  f.forRange(
                    ow,
                    () => f.i32(from),
                    () => f.i32(to),
                    () => {
                      for (let v = 0; v < vectors; v++) {
                        f.get(px)
                          .emit(...v128Load(16 * v))
                          .set(sum);
                        weights.forEach((row, m) => {
                          f.get(sum)
                            .get(pd)
                            .emit(...v128Load((m * p.blockStride + 4 * v) * 4))
                            .get(row[v])
                            .emit(...F32X4_MUL, ...F32X4_ADD)
                            .set(sum);
                        });
                        f.get(px)
                          .get(sum)
                          .emit(...v128Store(16 * v));
                      }
                      f.get(px)
                        .i32(p.strideWidth * dxPixelBytes)
                        .emit(op.i32Add)
                        .set(px);
                      f.get(pd).i32(dyPixelBytes).emit(op.i32Add).set(pd);
                    },
                  );
                }
              });
            },
          );
        },
      );
    },
  );
  return f;
}

/** The loop for `sizes` on `memory`, or null where it does not apply or this host has no wasm SIMD. */
export function depthwiseInputGradLoop(memory: WasmMemory, sizes: DepthwiseInputSizes): ((dx: number, dy: number, w: number, batch: number) => void) | null {
  const vectors = sizes.channels / 4;
  if (webAssembly === undefined || sizes.channels === 0 || sizes.channels % 4 !== 0 || vectors * sizes.multiplier > MAX_WEIGHT_VECTORS) return null;
  try {
    return loops(memory, `dw_input_grad/${JSON.stringify(sizes)}`, () => [depthwiseInputGradFunction(sizes)]).dw_input_grad;
  } catch {
    return null; // a host without wasm SIMD refuses the module
  }
}
