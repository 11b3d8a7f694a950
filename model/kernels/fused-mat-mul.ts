// _FusedMatMul (matMul + bias + activation) for the wasm backend: the built-in kernel shares
// BatchMatMul's implementation, so transposeA / transposeB take the same slow scalar loop. Transpose
// explicitly and hand the untransposed product to the built-in kernel.
import { _FusedMatMul, type _FusedMatMulAttrs, type KernelBackend, type NamedAttrMap, type NamedTensorInfoMap, type TensorInfo } from '@tensorflow/tfjs-core';
import { transposeLastTwo } from './batch-mat-mul.js';
import { originalWasmKernel, withScratch } from './wasm-ops.js';

export const fusedMatMulKernelName = _FusedMatMul;

export function fusedMatMulWasm(args: { inputs: NamedTensorInfoMap; backend: KernelBackend; attrs: _FusedMatMulAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const original = originalWasmKernel(_FusedMatMul);
  if (original === undefined) throw new Error(`wasm kernel '${_FusedMatMul}' is not registered`);
  const { a, b } = inputs;
  if (a === undefined || b === undefined) throw new Error(`${_FusedMatMul}: inputs 'a' and 'b' are required`);
  if (!attrs.transposeA && !attrs.transposeB) {
    return original.kernelFunc({ inputs, backend, attrs: attrs as unknown as NamedAttrMap }) as TensorInfo;
  }
  return withScratch(backend, (scratch) => {
    const left = attrs.transposeA ? transposeLastTwo(scratch, a) : a;
    const right = attrs.transposeB ? transposeLastTwo(scratch, b) : b;
    const plainAttrs = { ...attrs, transposeA: false, transposeB: false } as unknown as NamedAttrMap;
    return original.kernelFunc({ inputs: { ...inputs, a: left, b: right }, backend, attrs: plainAttrs }) as TensorInfo;
  });
}
