// Identity, and Cast to the same dtype, for the wasm backend: a new reference to the same buffer, as
// tfjs' cpu backend does, instead of the built-in's copy. tfjs' engine clones (Identity) every tensor a
// gradient saves for the backward pass: 36 copies per lenet5 step, the largest a layer's activations
// (measured ~1 ms per step at batch 128 on a loaded machine, ~0.05 ms shared). Sharing is safe because no wasm kernel writes into its inputs and a
// tensor's buffer is freed only when its last reference is disposed (the wasm Reshape kernel relies on
// the same reference count). Cast to bool is also fixed here: the built-in kernel wraps (-2.7 -> 254)
// where tfjs' cpu backend gives x != 0.
import { Cast, Identity, type CastAttrs, type KernelBackend, type NamedAttrMap, type NamedTensorInfoMap, type TensorInfo } from '@tensorflow/tfjs-core';
import { heapBackend, originalWasmKernel } from './wasm-ops.js';

export const identityKernelName = Identity;
export const castKernelName = Cast;

function shared(backend: KernelBackend, x: TensorInfo): TensorInfo {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape.slice(), dtype: x.dtype };
}

export function identityWasm(args: { inputs: NamedTensorInfoMap; backend: KernelBackend }): TensorInfo {
  const x = args.inputs.x;
  if (x === undefined) throw new Error(`${Identity}: input 'x' is required`);
  // Strings live outside the wasm heap; the built-in handles them.
  if (x.dtype === 'string') return builtIn(Identity, args, {});
  return shared(args.backend, x);
}

export function castWasm(args: { inputs: NamedTensorInfoMap; backend: KernelBackend; attrs: CastAttrs }): TensorInfo {
  const x = args.inputs.x;
  if (x === undefined) throw new Error(`${Cast}: input 'x' is required`);
  if (x.dtype === args.attrs.dtype && x.dtype !== 'string') return shared(args.backend, x);
  if (args.attrs.dtype === 'bool' && (x.dtype === 'float32' || x.dtype === 'int32')) return toBool(args.backend, x);
  return builtIn(Cast, args, args.attrs as unknown as NamedAttrMap);
}

/** x != 0 as bool. The built-in kernel copies with Uint8Array.set, which wraps instead (-2.7 -> 254). */
function toBool(backend: KernelBackend, x: TensorInfo): TensorInfo {
  const heap = heapBackend(backend, Cast);
  const out = heap.makeOutput(x.shape.slice(), 'bool');
  const from = heap.typedArrayFromHeap(x);
  const to = heap.typedArrayFromHeap(out);
  for (let i = 0; i < from.length; i++) to[i] = from[i] !== 0 ? 1 : 0;
  return out;
}

function builtIn(name: string, args: { inputs: NamedTensorInfoMap; backend: KernelBackend }, attrs: NamedAttrMap): TensorInfo {
  const original = originalWasmKernel(name);
  if (original === undefined) throw new Error(`wasm kernel '${name}' is not registered`);
  return original.kernelFunc({ inputs: args.inputs, backend: args.backend, attrs }) as TensorInfo;
}
