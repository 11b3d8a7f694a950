// BatchMatMul for the wasm backend. The built-in kernel uses XNNPACK only for an untransposed product
// with batch 1; transposeA / transposeB (every backward pass of a dense layer: dW = x^T dy,
// dx = dy W^T) and batches > 1 fall to a scalar loop, ~6-15x slower than transposing explicitly
// (one cheap wasm Transpose) and then running the XNNPACK product.
//
// XNNPACK packs its right operand before every product (the wasm backend caches the packing per tensor,
// but in training every operand is new each step), at ~3 ns per float: up to a third of the product
// for a batch of 64-128 against a large weight matrix. So each product runs in the orientation whose
// packing and transposes cost less: C = A B directly, or C = (B^T A^T)^T. That pays for dx = dy W^T,
// whose direct form transposes and packs W (the MLP's 256->256 layer: 1.02 -> 0.79 ms at batch 128,
// 0.63 -> 0.39 ms at batch 64).
import { BatchMatMul, broadcast_util, util, type BatchMatMulAttrs, type KernelBackend, type NamedAttrMap, type NamedTensorInfoMap, type TensorInfo } from '@tensorflow/tfjs-core';
import { originalWasmKernel, withScratch, type Scratch } from './wasm-ops.js';

export const batchMatMulKernelName = BatchMatMul;

/** Relative costs per float of XNNPACK's packing of the right operand and of the wasm Transpose of a
 *  matrix, fitted to the measured products of the MLP and lenet5 (wasm, SIMD): with them the forward
 *  products stay direct (swapping them measured no faster) and dx = dy W^T is swapped. */
export const PACK_COST = 3;
export const TRANSPOSE_COST = 1.2;

function lastTwoSwapped(rank: number): number[] {
  const perm = [...Array(rank).keys()];
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return perm;
}

/** `x` with its last two axes swapped, as a new wasm tensor held by `scratch`. */
export function transposeLastTwo(scratch: Scratch, x: TensorInfo): TensorInfo {
  return scratch.run('Transpose', { x }, { perm: lastTwoSwapped(x.shape.length) });
}

/**
 * Whether C = op(A) op(B), op(A) [m, k], op(B) [k, n], is cheaper as (op(B)^T op(A)^T)^T: the direct form
 * packs k*n floats and transposes the operands stored transposed; the swapped form packs k*m floats,
 * transposes the operands stored untransposed, and transposes the m*n result back.
 */
export function swappedIsCheaper(m: number, k: number, n: number, transposeA: boolean, transposeB: boolean): boolean {
  const direct = PACK_COST * k * n + TRANSPOSE_COST * ((transposeA ? m * k : 0) + (transposeB ? k * n : 0));
  const swapped = PACK_COST * k * m + TRANSPOSE_COST * ((transposeA ? 0 : m * k) + (transposeB ? 0 : k * n) + m * n);
  return swapped < direct;
}

export function batchMatMulWasm(args: { inputs: NamedTensorInfoMap; backend: KernelBackend; attrs: BatchMatMulAttrs }): TensorInfo {
  const { backend, attrs } = args;
  const a = args.inputs.a;
  const b = args.inputs.b;
  if (a === undefined || b === undefined) throw new Error(`${BatchMatMul}: inputs 'a' and 'b' are required`);
  return withScratch(backend, (scratch) => product(scratch, a, b, attrs.transposeA, attrs.transposeB));
}

/** op(a) op(b) through the built-in kernel's XNNPACK path, in the cheaper orientation where both are
 *  single matrices. The result is a new tensor the caller owns. */
export function product(scratch: Scratch, a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): TensorInfo {
  const single = util.sizeFromShape(a.shape.slice(0, -2)) === 1 && util.sizeFromShape(b.shape.slice(0, -2)) === 1;
  if (single) {
    const [ar, ac] = a.shape.slice(-2);
    const [br, bc] = b.shape.slice(-2);
    const [m, k] = transposeA ? [ac, ar] : [ar, ac];
    const n = transposeB ? br : bc;
    if ((transposeB ? bc : br) === k && swappedIsCheaper(m, k, n, transposeA, transposeB)) {
      // C^T = op(B)^T op(A)^T: op(B)^T is b itself when transposeB, op(A)^T is a itself when transposeA.
      const left = transposeB ? b : transposeLastTwo(scratch, b);
      const right = transposeA ? a : transposeLastTwo(scratch, a);
      const resultT = scratch.hold(untransposedProduct(scratch, left, right));
      const out = scratch.runKept('Transpose', { x: resultT }, { perm: lastTwoSwapped(resultT.shape.length) });
      out.shape = broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2)).concat([m, n]);
      return out;
    }
  }
  const left = transposeA ? transposeLastTwo(scratch, a) : a;
  const right = transposeB ? transposeLastTwo(scratch, b) : b;
  return untransposedProduct(scratch, left, right);
}

/** left [..., m, k] times right [..., k, n] through the built-in kernel, on its XNNPACK path where possible. */
function untransposedProduct(scratch: Scratch, left: TensorInfo, right: TensorInfo): TensorInfo {
  const original = originalWasmKernel(BatchMatMul);
  if (original === undefined) throw new Error(`wasm kernel '${BatchMatMul}' is not registered`);
  const plain = { transposeA: false, transposeB: false } as NamedAttrMap;
  const leftBatch = util.sizeFromShape(left.shape.slice(0, -2));
  const rightBatch = util.sizeFromShape(right.shape.slice(0, -2));
  if (leftBatch > 1 && rightBatch === 1) {
    // A batch against one matrix is one taller matrix: rows [batch*m, k], which XNNPACK takes.
    const [m, k] = left.shape.slice(-2);
    const n = right.shape[right.shape.length - 1];
    const outShape = broadcast_util.assertAndGetBroadcastShape(left.shape.slice(0, -2), right.shape.slice(0, -2)).concat([m, n]);
    const rows = scratch.reshape(left, [1, leftBatch * m, k]);
    const matrix = scratch.reshape(right, [1, k, n]);
    const out = original.kernelFunc({ inputs: { a: rows, b: matrix }, backend: scratch.backend, attrs: plain }) as TensorInfo;
    out.shape = outShape;
    return out;
  }
  return original.kernelFunc({ inputs: { a: left, b: right }, backend: scratch.backend, attrs: plain }) as TensorInfo;
}
