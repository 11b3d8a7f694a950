// A faster read-back (dataSync / data()) for the wasm backend. tfjs 4.22's BackendWasm.readSync copies a
// tensor out of the heap with Uint8Array.prototype.slice, which in Node 20 is slow for large arrays
// (~0.5 ms per MB, 20-25x a plain copy, and much worse when the garbage collector runs alongside: 15-30 ms
// for the MLP's 784x256 gradient, measured). The training step reads g_t back every round, so it pays
// that on every step. This replacement allocates the result and copies into it with TypedArray.set;
// what it returns is the same (a fresh array of the tensor's values, of its dtype).
//
// It replaces a method of the backend's class (not a kernel: reading is not one), found through the
// current wasm backend instance; uninstallFastReadBack puts the original back.
import { findBackend, util, type DataId, type KernelBackend } from '@tensorflow/tfjs-core';

type ReadSync = (this: unknown, dataId: DataId, start?: number, end?: number) => unknown;

/** What the read-back needs of tfjs' BackendWasm. */
interface WasmReadable {
  dataIdMap: { get(dataId: DataId): { memoryOffset: number; dtype: string; shape: number[] } | undefined };
  wasm: { HEAPU8: Uint8Array };
  readSync: ReadSync;
}

const originals = new WeakMap<object, ReadSync>();

function isWasmReadable(backend: unknown): backend is WasmReadable {
  const b = backend as Partial<WasmReadable> | null;
  return typeof b?.readSync === 'function' && typeof b.dataIdMap?.get === 'function' && b.wasm?.HEAPU8 instanceof Uint8Array;
}

function fastReadSync(original: ReadSync): ReadSync {
  return function readSync(this: unknown, dataId: DataId, start?: number, end?: number): unknown {
    if (!isWasmReadable(this)) return original.call(this, dataId, start, end);
    const data = this.dataIdMap.get(dataId);
    if (data === undefined || (data.dtype !== 'float32' && data.dtype !== 'int32' && data.dtype !== 'bool')) {
      return original.call(this, dataId, start, end);
    }
    const from = start || 0;
    const to = end || util.sizeFromShape(data.shape);
    const count = Math.max(0, to - from);
    const buffer = this.wasm.HEAPU8.buffer;
    const at = data.memoryOffset + from * util.bytesPerElement(data.dtype);
    if (data.dtype === 'float32') {
      const out = new Float32Array(count);
      out.set(new Float32Array(buffer, at, count));
      return out;
    }
    if (data.dtype === 'int32') {
      const out = new Int32Array(count);
      out.set(new Int32Array(buffer, at, count));
      return out;
    }
    const out = new Uint8Array(count);
    out.set(new Uint8Array(buffer, at, count));
    return out;
  };
}

/** The class (prototype) of the registered wasm backend, or null while no wasm backend exists. */
function wasmPrototype(): WasmReadable | null {
  let backend: KernelBackend | null = null;
  try {
    backend = findBackend('wasm');
  } catch {
    return null;
  }
  if (!isWasmReadable(backend)) return null;
  return Object.getPrototypeOf(backend) as WasmReadable;
}

/** Installs the read-back on the wasm backend's class. Idempotent; false where no wasm backend exists yet. */
export function installFastReadBack(): boolean {
  const proto = wasmPrototype();
  if (proto === null) return false;
  if (!originals.has(proto)) {
    const original = proto.readSync;
    originals.set(proto, original);
    proto.readSync = fastReadSync(original);
  }
  return true;
}

/** Puts tfjs' own read-back back. */
export function uninstallFastReadBack(): void {
  const proto = wasmPrototype();
  if (proto === null) return;
  const original = originals.get(proto);
  if (original === undefined) return;
  proto.readSync = original;
  originals.delete(proto);
}

/** Whether the fast read-back is installed on the current wasm backend's class. */
export function isFastReadBackInstalled(): boolean {
  const proto = wasmPrototype();
  return proto !== null && originals.has(proto);
}
