// The filter gradient of a depthwise convolution as an assembled WebAssembly SIMD loop (lib/wasm-asm.ts)
// over the backend's own memory: dW[kh,kw,c] = sum_{b,oh,ow} x[b, oh*sh + kh - padTop, ow*sw + kw - padLeft, c]
// * dy[b,oh,ow,c], four channels per f32x4. For each sample, output row, filter row and filter column it
// runs along the output row, the taps whose input column lies in the image only (bounds worked out here,
// in JavaScript, so the loop has no test inside), with one f32x4 sum per four channels in locals; each
// row's sums (at most OW products) are then added in float64 (f64x2) to an accumulator in memory, so the
// result keeps float32 rounding however large the batch. The module is specialised to every size but the
// batch (the loops unrolled over filter columns and channel vectors) and cached per memory and sizes.
import { FunctionBuilder, op, simd, v128Load, v128Store, webAssembly, type WasmMemory } from '../../lib/wasm-asm.js';
import { loops } from './wasm-loops.js';

/** Most channels one pass of the loop covers (eight f32x4 sums); wider tensors take several passes. */
export const CHANNELS_PER_PASS = 32;

/** The sizes the loop is specialised to. Pixels are in floats; `channels` (a multiple of 4, at most
 *  CHANNELS_PER_PASS) are the pass's, at the start of the x / dy addresses given; `tapStride` is the
 *  distance in float64 entries between taps in the accumulator. */
export interface DepthwiseFilterSizes {
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
  xPixel: number;
  dyPixel: number;
  channels: number;
  tapStride: number;
}

const V128_ZERO = [...simd(0x0c), ...Array<number>(16).fill(0)];
/** The upper two f32 lanes moved to the lower two (i8x16.shuffle of the vector with itself). */
const HIGH_TO_LOW = [...simd(0x0d), 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7];
export const F32X4_ADD = simd(0xe4);
export const F32X4_MUL = simd(0xe6);
const F64X2_ADD = simd(0xf0);
const F64X2_PROMOTE_LOW = simd(0x5f);

/** The output columns [from, to) whose tap `kw` reads a column inside the image. */
export function columnRange(p: Pick<DepthwiseFilterSizes, 'padLeft' | 'strideWidth' | 'inWidth' | 'outWidth'>, kw: number): [number, number] {
  const from = Math.max(0, Math.ceil((p.padLeft - kw) / p.strideWidth));
  const to = Math.min(p.outWidth, Math.floor((p.inWidth - 1 + p.padLeft - kw) / p.strideWidth) + 1);
  return [from, Math.max(from, to)];
}

/** dw_filter_grad(x, dy, acc, batch): acc[kh, kw, c] (float64, tapStride apart per tap) += the sums. */
function depthwiseFilterGradFunction(p: DepthwiseFilterSizes): FunctionBuilder {
  const f = new FunctionBuilder('dw_filter_grad', ['i32', 'i32', 'i32', 'i32']);
  const [x, dy, acc, batch] = f.params;
  const [b, oh, kh, ih, ow, px, pd, xRow, dyRow, tap] = Array.from({ length: 10 }, () => f.local('i32'));
  const vectors = p.channels / 4;
  const sums = Array.from({ length: vectors }, () => f.local('v128'));
  const xPixelBytes = p.xPixel * 4;
  const dyPixelBytes = p.dyPixel * 4;
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
              // ih = oh * sh + kh - padTop, inside the image (unsigned compare): xRow = x + (b * inH + ih) * inW * xPixelBytes
              f.get(oh).i32(p.strideHeight).emit(op.i32Mul).get(kh).emit(op.i32Add).i32(p.padTop).emit(op.i32Sub).tee(ih).i32(p.inHeight).emit(op.i32LtU);
              f.ifThen(() => {
                f.get(x)
                  .get(b)
                  .i32(p.inHeight)
                  .emit(op.i32Mul)
                  .get(ih)
                  .emit(op.i32Add)
                  .i32(p.inWidth * xPixelBytes)
                  .emit(op.i32Mul)
                  .emit(op.i32Add)
                  .set(xRow);
                f.get(acc)
                  .get(kh)
                  .i32(p.filterWidth * p.tapStride * 8)
                  .emit(op.i32Mul)
                  .emit(op.i32Add)
                  .set(tap);
                for (let kw = 0; kw < p.filterWidth; kw++) {
                  const [from, to] = columnRange(p, kw);
                  if (to <= from) continue;
                  for (const s of sums) f.emit(...V128_ZERO).set(s);
                  f.get(xRow)
                    .i32((from * p.strideWidth + kw - p.padLeft) * xPixelBytes)
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
                      sums.forEach((s, v) => {
                        f.get(s)
                          .get(px)
                          .emit(...v128Load(16 * v))
                          .get(pd)
                          .emit(...v128Load(16 * v), ...F32X4_MUL, ...F32X4_ADD)
                          .set(s);
                      });
                      f.get(px)
                        .i32(p.strideWidth * xPixelBytes)
                        .emit(op.i32Add)
                        .set(px);
                      f.get(pd).i32(dyPixelBytes).emit(op.i32Add).set(pd);
                    },
                  );
                  // acc[tap + kw, 4v .. 4v+3] += the row's sums, as two f64x2.
                  sums.forEach((s, v) => {
                    const low = (kw * p.tapStride + 4 * v) * 8;
                    f.get(tap)
                      .get(tap)
                      .emit(...v128Load(low, 3))
                      .get(s)
                      .emit(...F64X2_PROMOTE_LOW, ...F64X2_ADD, ...v128Store(low, 3));
                    f.get(tap)
                      .get(tap)
                      .emit(...v128Load(low + 16, 3))
                      .get(s)
                      .get(s)
                      .emit(...HIGH_TO_LOW, ...F64X2_PROMOTE_LOW, ...F64X2_ADD, ...v128Store(low + 16, 3));
                  });
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

/** The loop for `sizes` on `memory`, or null where this host has no WebAssembly (or no SIMD). */
export function depthwiseFilterGradLoop(memory: WasmMemory, sizes: DepthwiseFilterSizes): ((x: number, dy: number, acc: number, batch: number) => void) | null {
  if (webAssembly === undefined || sizes.channels % 4 !== 0 || sizes.channels > CHANNELS_PER_PASS || sizes.channels === 0) return null;
  try {
    return loops(memory, `dw_filter_grad/${JSON.stringify(sizes)}`, () => [depthwiseFilterGradFunction(sizes)]).dw_filter_grad;
  } catch {
    return null; // a host without wasm SIMD refuses the module
  }
}
