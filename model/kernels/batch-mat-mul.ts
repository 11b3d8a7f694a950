// BatchMatMul for the wasm backend. The built-in kernel uses XNNPACK only for an untransposed product
// with batch 1; transposeA / transposeB (every backward pass of a dense layer: dW = x^T dy,
// dx = dy W^T) and batches > 1 fall to a scalar loop, ~6-15x slower than transposing explicitly
// (one cheap wasm Transpose) and then running the XNNPACK product.
import {
  BatchMatMul,
  broadcast_util,
  util,
  type BatchMatMulAttrs,
  type KernelBackend,
  type NamedAttrMap,
  type NamedTensorInfoMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { originalWasmKernel, withScratch, type Scratch } from './wasm-ops.js';

export const batchMatMulKernelName = BatchMatMul;

/** `x` with its last two axes swapped, as a new wasm tensor held by `scratch`. */
export function transposeLastTwo(scratch: Scratch, x: TensorInfo): TensorInfo {
  const rank = x.shape.length;
  const perm = [...Array(rank).keys()];
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return scratch.run('Transpose', { x }, { perm });
}

export function batchMatMulWasm(args: { inputs: NamedTensorInfoMap; backend: KernelBackend; attrs: BatchMatMulAttrs }): TensorInfo {
  const { backend, attrs } = args;
  const a = args.inputs.a;
  const b = args.inputs.b;
  if (a === undefined || b === undefined) throw new Error(`${BatchMatMul}: inputs 'a' and 'b' are required`);
  return withScratch(backend, (scratch) => {
    const left = attrs.transposeA ? transposeLastTwo(scratch, a) : a;
    const right = attrs.transposeB ? transposeLastTwo(scratch, b) : b;
    return untransposedProduct(scratch, left, right);
  });
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
    const outShape = broadcast_util
      .assertAndGetBroadcastShape(left.shape.slice(0, -2), right.shape.slice(0, -2))
      .concat([m, n]);
    const rows = scratch.reshape(left, [1, leftBatch * m, k]);
    const matrix = scratch.reshape(right, [1, k, n]);
    const out = original.kernelFunc({ inputs: { a: rows, b: matrix }, backend: scratch.backend, attrs: plain }) as TensorInfo;
    out.shape = outShape;
    return out;
  }
  return original.kernelFunc({ inputs: { a: left, b: right }, backend: scratch.backend, attrs: plain }) as TensorInfo;
}
