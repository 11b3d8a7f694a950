// Sums over leading axes of any row width, as assembled wasm loops (lib/wasm-asm.ts) over the backend's
// memory: x viewed as [outer, reduced, inner] gives out[o, i] = scale * sum_r x[o, r, i], in float64. The
// rows are taken in blocks of at most MAX_UNROLLED_WIDTH columns, each block's sums held in locals (one
// module per block width, cached), so a row of any width is summed without the transpose the built-in
// Sum and Mean kernels do first (a [32, 56, 56, 32] activation: ~19 ms of transpose for a ~2 ms sum).
import type { KernelBackend } from '@tensorflow/tfjs-core';
import { FunctionBuilder, op } from '../../lib/wasm-asm.js';
import { backendMemory, loops, MAX_UNROLLED_WIDTH } from './wasm-loops.js';

/** sum_block(x, out, outer, reduced, rowBytes, scale): out[o * rowBytes + 4i] = scale * sum_r
 *  x[(o * reduced + r) * rowBytes + 4i] for i < `width`, in float64, rounded once. */
function sumBlockFunction(width: number): FunctionBuilder {
  const f = new FunctionBuilder('sum_block', ['i32', 'i32', 'i32', 'i32', 'i32', 'f64']);
  const [x, out, outer, reduced, rowBytes, scale] = f.params;
  const [o, r, src, dst] = Array.from({ length: 4 }, () => f.local('i32'));
  const acc = Array.from({ length: width }, () => f.local('f64'));
  f.get(x).set(src);
  f.get(out).set(dst);
  f.forRange(
    o,
    () => f.i32(0),
    () => f.get(outer),
    () => {
      for (const a of acc) f.f64(0).set(a);
      f.forRange(
        r,
        () => f.i32(0),
        () => f.get(reduced),
        () => {
          acc.forEach((a, i) => {
            f.get(a)
              .get(src)
              .memory(op.f32Load, 4 * i)
              .emit(op.f64PromoteF32, op.f64Add)
              .set(a);
          });
          f.get(src).get(rowBytes).emit(op.i32Add).set(src);
        },
      );
      // src is now at the next group's first row.
      acc.forEach((a, i) => {
        f.get(dst)
          .get(a)
          .get(scale)
          .emit(0xa2 /* f64.mul */, op.f32DemoteF64)
          .memory(op.f32Store, 4 * i);
      });
      f.get(dst).get(rowBytes).emit(op.i32Add).set(dst);
    },
  );
  return f;
}

export type SumBlocks = (x: number, out: number, outer: number, reduced: number, inner: number, scale: number) => void;

/** The sums of x [outer, reduced, inner] (byte addresses, float32) over `reduced` into out [outer, inner],
 *  times `scale`; null where the backend's memory is not reachable. */
export function sumBlocksFor(backend: KernelBackend): SumBlocks | null {
  const memory = backendMemory(backend);
  if (memory === null) return null;
  const block = (width: number) => loops(memory, `sum_block/${width}`, () => [sumBlockFunction(width)]).sum_block;
  return (x, out, outer, reduced, inner, scale) => {
    for (let c0 = 0; c0 < inner; c0 += MAX_UNROLLED_WIDTH) {
      const width = Math.min(MAX_UNROLLED_WIDTH, inner - c0);
      block(width)(x + 4 * c0, out + 4 * c0, outer, reduced, 4 * inner, scale);
    }
  };
}
