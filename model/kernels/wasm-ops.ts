// Calls into the wasm backend's own kernels from inside a kernel. Going through kernelFunc (not tf ops)
// keeps the engine out of it: nothing is recorded on the gradient tape and no tensor is counted, so
// every intermediate must be freed here with backend.disposeData.
import { getKernel, type backend_util, type DataType, type KernelBackend, type KernelConfig, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';

/** Inputs of a kernel call: named (most kernels) or a list (Concat, Pack, AddN). */
export type KernelInputs = Record<string, TensorInfo> | TensorInfo[];

const replaced = new Map<string, KernelConfig>();

/** Remembers the wasm backend's own kernel `name` before this project replaces it. */
export function rememberOriginalWasmKernel(name: string, config: KernelConfig): void {
  replaced.set(name, config);
}

/** The wasm backend's own kernel `name`: the original where this project replaced it. */
export function originalWasmKernel(name: string): KernelConfig | undefined {
  return replaced.get(name) ?? getKernel(name, 'wasm');
}

function kernelFuncOf(name: string): KernelConfig['kernelFunc'] {
  const config = originalWasmKernel(name);
  if (config === undefined) {
    throw new Error(`wasm kernel '${name}' is not registered: is @tensorflow/tfjs-backend-wasm loaded?`);
  }
  return config.kernelFunc;
}

/** Intermediate results of one kernel call, freed together when the call ends (also on error). */
export class Scratch {
  private readonly held: TensorInfo[] = [];

  constructor(readonly backend: KernelBackend) {}

  /** Runs wasm kernel `name` and holds its single output for disposal. */
  run(name: string, inputs: KernelInputs, attrs: NamedAttrMap = {}): TensorInfo {
    return this.hold(this.runKept(name, inputs, attrs));
  }

  /** Runs wasm kernel `name` and returns its output without holding it: the caller owns it. */
  runKept(name: string, inputs: KernelInputs, attrs: NamedAttrMap = {}): TensorInfo {
    const out = kernelFuncOf(name)({ inputs: inputs as Record<string, TensorInfo>, backend: this.backend, attrs });
    if (Array.isArray(out)) {
      for (const o of out) this.backend.disposeData(o.dataId);
      throw new Error(`wasm kernel '${name}' returned ${out.length} outputs where one was expected`);
    }
    return out;
  }

  /** A view of `x` with another shape (the wasm Reshape kernel only counts a reference). */
  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  /** Holds `info` (an intermediate made elsewhere) for disposal with the others. */
  hold<T extends TensorInfo>(info: T): T {
    this.held.push(info);
    return info;
  }

  dispose(): void {
    for (const info of this.held.splice(0)) this.backend.disposeData(info.dataId);
  }
}

/** Runs `body` with a Scratch whose intermediates are freed afterwards; `body` returns what it keeps. */
export function withScratch<T>(backend: KernelBackend, body: (scratch: Scratch) => T): T {
  const scratch = new Scratch(backend);
  try {
    return body(scratch);
  } finally {
    scratch.dispose();
  }
}

/** x [B, H, W, C] with stride-1 zero rows after each row and zero columns after each column:
 *  [B, H*sh, W*sw, C]. Built from reshapes and trailing pads, so every step stays rank 4. */
export function spreadByStride(scratch: Scratch, x: TensorInfo, sh: number, sw: number): TensorInfo {
  const [batch, height, width, channels] = x.shape;
  let out = x;
  if (sw > 1) {
    const columns = scratch.reshape(out, [batch * height, width, 1, channels]);
    const padded = scratch.run(
      'PadV2',
      { x: columns },
      {
        paddings: [
          [0, 0],
          [0, 0],
          [0, sw - 1],
          [0, 0],
        ],
        constantValue: 0,
      },
    );
    out = scratch.reshape(padded, [batch, height, width * sw, channels]);
  }
  if (sh > 1) {
    const rows = scratch.reshape(out, [batch, height, 1, width * sw * channels]);
    const padded = scratch.run(
      'PadV2',
      { x: rows },
      {
        paddings: [
          [0, 0],
          [0, 0],
          [0, sh - 1],
          [0, 0],
        ],
        constantValue: 0,
      },
    );
    out = scratch.reshape(padded, [batch, height * sh, width * sw, channels]);
  }
  return out;
}

/** What the plain-loop kernels need of tfjs' BackendWasm beyond KernelBackend: direct views of the heap. */
export interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): backend_util.TypedArray;
}

/** `backend` as a WasmHeapBackend; `kernel` names the caller in the error for any other backend. */
export function heapBackend(backend: KernelBackend, kernel: string): WasmHeapBackend {
  const candidate = backend as unknown as Partial<WasmHeapBackend>;
  if (typeof candidate.makeOutput !== 'function' || typeof candidate.typedArrayFromHeap !== 'function') {
    throw new Error(`${kernel}: this kernel runs on the wasm backend only (no makeOutput / typedArrayFromHeap)`);
  }
  return candidate as WasmHeapBackend;
}

/** A float32 view of `info`'s buffer on the wasm heap. Any later allocation may grow the heap and detach
 *  it: take views after the last makeOutput. */
export function heapF32(backend: WasmHeapBackend, info: TensorInfo): Float32Array {
  const view = backend.typedArrayFromHeap(info);
  if (!(view instanceof Float32Array)) throw new Error(`expected a float32 tensor, got ${info.dtype}`);
  return view;
}

/** `shape` and `perm` without the axes of size 1 and with runs of axes that stay adjacent and in order
 *  merged: the smallest transpose that moves the same memory. */
export function simplifyTranspose(shape: readonly number[], perm: readonly number[]): { shape: number[]; perm: number[] } {
  const kept = perm.filter((axis) => shape[axis] !== 1);
  // Renumber the kept axes 0..n-1 in input order.
  const order = [...kept].sort((a, b) => a - b);
  const renumbered = kept.map((axis) => order.indexOf(axis));
  const sizes = order.map((axis) => shape[axis]);
  // Merge output-adjacent axes that are also input-adjacent.
  const groups: number[][] = [];
  for (const axis of renumbered) {
    const last = groups[groups.length - 1];
    if (last !== undefined && last[last.length - 1] + 1 === axis) last.push(axis);
    else groups.push([axis]);
  }
  const byInput = [...groups].sort((a, b) => a[0] - b[0]);
  return { shape: byInput.map((g) => g.reduce((n, axis) => n * sizes[axis], 1)), perm: groups.map((g) => byInput.indexOf(g)) };
}
