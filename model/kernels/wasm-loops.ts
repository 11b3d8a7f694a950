// Plain loops over tensors on the tfjs wasm heap, assembled at run time (lib/wasm-asm.ts) into modules that
// import the backend's own memory, so they read and write tensors in place: max-pool gradient, sum over
// leading axes, block transpose, bias add, col2im, Adam step. Each loop is specialised to its constant
// sizes where unrolling pays (a row width, a pooling window), instantiated once per specialisation and
// memory, and cached. They allocate nothing: the kernels make their outputs first and pass addresses.
import type { KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';
import { assembleModule, FunctionBuilder, op, webAssembly, type Local, type WasmMemory } from '../../lib/wasm-asm.js';
import { heapBackend } from './wasm-ops.js';

/** The Emscripten module inside tfjs' BackendWasm: its exports include the linear memory. */
interface EmscriptenHolder {
  wasm?: { asm?: { memory?: unknown }; wasmExports?: { memory?: unknown } };
}

/** The WebAssembly.Memory holding `backend`'s tensors, or null where this tfjs build does not expose it. */
export function backendMemory(backend: KernelBackend): WasmMemory | null {
  const wasm = (backend as unknown as EmscriptenHolder).wasm;
  const memory = wasm?.asm?.memory ?? wasm?.wasmExports?.memory;
  return webAssembly !== undefined && memory instanceof webAssembly.Memory ? (memory as WasmMemory) : null;
}

/** Byte address of `info`'s buffer on the wasm heap. */
export function heapAddress(backend: KernelBackend, info: TensorInfo, kernel: string): number {
  return heapBackend(backend, kernel).typedArrayFromHeap(info).byteOffset;
}

type Exports = Record<string, (...args: number[]) => void>;

const instances = new WeakMap<WasmMemory, Map<string, Exports>>();

/** The exports of the module `key` built by `build`, instantiated against `memory` (cached). Also used by
 *  the loops kept in their own files (depthwise-filter-loop.ts). */
export function loops(memory: WasmMemory, key: string, build: () => FunctionBuilder[]): Exports {
  let byKey = instances.get(memory);
  if (byKey === undefined) {
    byKey = new Map();
    instances.set(memory, byKey);
  }
  let exports = byKey.get(key);
  if (exports === undefined) {
    const module = new webAssembly!.Module(assembleModule(build()));
    exports = new webAssembly!.Instance(module, { env: { memory } }).exports as unknown as Exports;
    byKey.set(key, exports);
  }
  return exports;
}

/** i32 max / min of two locals, branch-free. */
function maxI32(f: FunctionBuilder, a: () => void, b: () => void): void {
  a();
  b();
  a();
  b();
  f.emit(op.i32GtS, op.select);
}

function minI32(f: FunctionBuilder, a: () => void, b: () => void): void {
  a();
  b();
  a();
  b();
  f.emit(op.i32LtS, op.select);
}

/** If value > best: best = value, at = addr. The choice is an i32 select of the float's bits: V8 turns
 *  an i32 select into a conditional move but an f32 select into a branch, which mispredicts on data. */
function selectIfGreater(f: FunctionBuilder, addr: Local, at: Local, value: Local, best: Local, greater: Local): void {
  f.get(value).get(best).emit(op.f32Gt).set(greater);
  f.get(addr).get(at).get(greater).emit(op.select).set(at);
  f.get(value).emit(op.i32ReinterpretF32).get(best).emit(op.i32ReinterpretF32).get(greater).emit(op.select, op.f32ReinterpretI32).set(best);
}

/**
 * max_pool_grad(x, dy, out, batch, inH, inW, C, outH, outW, strideH, strideW, padTop, padLeft, windowH, windowW)
 * (x, dy, out: byte addresses, NHWC float32). Each window's gradient goes to its first maximum in
 * row-major order (a strictly greater value replaces the best, so ties keep the first and NaN never
 * wins); a window with no value above -Infinity gives none. Overlapping windows add up.
 */
function maxPoolGradFunction(): FunctionBuilder {
  const f = new FunctionBuilder('max_pool_grad', Array(15).fill('i32'));
  const [x, dy, out, batch, inH, inW, C, outH, outW, sh, sw, padTop, padLeft, winH, winW] = f.params;
  const i32 = () => f.local('i32');
  const [b, r, c, ch, row, col, rowFrom, rowTo, colFrom, colTo, top, left, image, rowBytes, at, grad, addr] = Array.from({ length: 17 }, i32);
  const best = f.local('f32');
  const value = f.local('f32');
  const greater = f.local('i32');
  const g = (l: Local) => () => f.get(l);

  // out = 0
  f.get(out).i32(0).get(batch).get(inH).emit(op.i32Mul).get(inW).emit(op.i32Mul).get(C).emit(op.i32Mul).i32(4).emit(op.i32Mul).memoryFill();
  f.get(dy).set(grad);
  f.get(inW).get(C).emit(op.i32Mul).i32(4).emit(op.i32Mul).set(rowBytes);
  f.forRange(b, () => f.i32(0), g(batch), () => {
    f.get(x).get(b).get(inH).emit(op.i32Mul).get(rowBytes).emit(op.i32Mul).emit(op.i32Add).set(image);
    f.forRange(r, () => f.i32(0), g(outH), () => {
      f.get(r).get(sh).emit(op.i32Mul).get(padTop).emit(op.i32Sub).set(top);
      maxI32(f, g(top), () => f.i32(0));
      f.set(rowFrom);
      minI32(f, () => f.get(top).get(winH).emit(op.i32Add), g(inH));
      f.set(rowTo);
      f.forRange(c, () => f.i32(0), g(outW), () => {
        f.get(c).get(sw).emit(op.i32Mul).get(padLeft).emit(op.i32Sub).set(left);
        maxI32(f, g(left), () => f.i32(0));
        f.set(colFrom);
        minI32(f, () => f.get(left).get(winW).emit(op.i32Add), g(inW));
        f.set(colTo);
        f.forRange(ch, () => f.i32(0), g(C), () => {
          f.f32(Number.NEGATIVE_INFINITY).set(best);
          f.i32(-1).set(at);
          f.forRange(row, g(rowFrom), g(rowTo), () => {
            f.forRange(col, g(colFrom), g(colTo), () => {
              // addr = image + row * rowBytes + (col * C + ch) * 4
              f.get(image).get(row).get(rowBytes).emit(op.i32Mul).emit(op.i32Add);
              f.get(col).get(C).emit(op.i32Mul).get(ch).emit(op.i32Add).i32(2).emit(op.i32Shl).emit(op.i32Add).set(addr);
              f.get(addr).memory(op.f32Load).set(value);
              // at = value > best ? addr : at; best = value > best ? value : best
              selectIfGreater(f, addr, at, value, best, greater);
            });
          });
          f.get(at).i32(-1).emit(op.i32Ne);
          f.ifThen(() => {
            // out[at - x] += dy[grad]
            f.get(out).get(at).get(x).emit(op.i32Sub).emit(op.i32Add).tee(addr);
            f.get(addr).memory(op.f32Load).get(grad).memory(op.f32Load).emit(op.f32Add).memory(op.f32Store);
          });
          f.get(grad).i32(4).emit(op.i32Add).set(grad);
        });
      });
    });
  });
  return f;
}

/** Sizes of a max pooling, NHWC: what specialises max_pool_grad_fixed. */
export interface PoolSizes {
  batch: number;
  inHeight: number;
  inWidth: number;
  channels: number;
  outHeight: number;
  outWidth: number;
  strideHeight: number;
  strideWidth: number;
  windowHeight: number;
  windowWidth: number;
}

/**
 * max_pool_grad_fixed(x, dy, out, batch) for pools whose windows all lie inside the image (no padding
 * reached): the same rule as max_pool_grad, with every window tap and channel unrolled at constant
 * offsets, so the loop body is loads, compares and selects only (~10x fewer instructions per window).
 */
function maxPoolGradFixedFunction(p: PoolSizes): FunctionBuilder {
  const f = new FunctionBuilder('max_pool_grad_fixed', ['i32', 'i32', 'i32', 'i32']);
  const [x, dy, out, batch] = f.params;
  const [b, r, c, corner, rowStart, grad, at, addr] = Array.from({ length: 8 }, () => f.local('i32'));
  const best = f.local('f32');
  const value = f.local('f32');
  const greater = f.local('i32');
  const rowBytes = p.inWidth * p.channels * 4;
  const imageBytes = p.inHeight * rowBytes;
  f.get(out).i32(0).get(batch).i32(imageBytes).emit(op.i32Mul).memoryFill();
  f.get(dy).set(grad);
  f.forRange(b, () => f.i32(0), () => f.get(batch), () => {
    f.forRange(r, () => f.i32(0), () => f.i32(p.outHeight), () => {
      // rowStart = x + b * imageBytes + r * strideHeight * rowBytes
      f.get(x).get(b).i32(imageBytes).emit(op.i32Mul).emit(op.i32Add).get(r).i32(p.strideHeight * rowBytes).emit(op.i32Mul).emit(op.i32Add).set(rowStart);
      f.forRange(c, () => f.i32(0), () => f.i32(p.outWidth), () => {
        f.get(rowStart).get(c).i32(p.strideWidth * p.channels * 4).emit(op.i32Mul).emit(op.i32Add).set(corner);
        for (let ch = 0; ch < p.channels; ch++) {
          f.f32(Number.NEGATIVE_INFINITY).set(best);
          f.i32(-1).set(at);
          for (let row = 0; row < p.windowHeight; row++) {
            for (let col = 0; col < p.windowWidth; col++) {
              const offset = row * rowBytes + (col * p.channels + ch) * 4;
              f.get(corner).i32(offset).emit(op.i32Add).set(addr);
              f.get(addr).memory(op.f32Load).set(value);
              selectIfGreater(f, addr, at, value, best, greater);
            }
          }
          f.get(at).i32(-1).emit(op.i32Ne);
          f.ifThen(() => {
            f.get(out).get(at).get(x).emit(op.i32Sub).emit(op.i32Add).tee(addr);
            f.get(addr).memory(op.f32Load).get(grad).memory(op.f32Load, ch * 4).emit(op.f32Add).memory(op.f32Store);
          });
        }
        f.get(grad).i32(p.channels * 4).emit(op.i32Add).set(grad);
      });
    });
  });
  return f;
}

/** Most taps (window area x channels) max_pool_grad_fixed unrolls; wider pools take the general loop. */
export const MAX_UNROLLED_POOL_TAPS = 256;

/** sum_rows(x, out, outer, reduced): out[o, i] = sum_r x[o, r, i] for i < `width`, in float64, the
 *  `width` accumulators unrolled into locals. */
function sumRowsFunction(width: number): FunctionBuilder {
  const f = new FunctionBuilder('sum_rows', ['i32', 'i32', 'i32', 'i32']);
  const [x, out, outer, reduced] = f.params;
  const o = f.local('i32');
  const r = f.local('i32');
  const src = f.local('i32');
  const dst = f.local('i32');
  const acc = Array.from({ length: width }, () => f.local('f64'));
  f.get(x).set(src);
  f.get(out).set(dst);
  f.forRange(o, () => f.i32(0), () => f.get(outer), () => {
    for (const a of acc) f.f64(0).set(a);
    f.forRange(r, () => f.i32(0), () => f.get(reduced), () => {
      acc.forEach((a, i) => {
        f.get(a).get(src).memory(op.f32Load, 4 * i).emit(op.f64PromoteF32, op.f64Add).set(a);
      });
      f.get(src).i32(4 * width).emit(op.i32Add).set(src);
    });
    acc.forEach((a, i) => {
      f.get(dst).get(a).emit(op.f32DemoteF64).memory(op.f32Store, 4 * i);
    });
    f.get(dst).i32(4 * width).emit(op.i32Add).set(dst);
  });
  return f;
}

/** swap_outer(src, dst, A, B): [A, B, width] -> [B, A, width] float32, `width` unrolled. */
function swapOuterFunction(width: number): FunctionBuilder {
  const f = new FunctionBuilder('swap_outer', ['i32', 'i32', 'i32', 'i32']);
  const [src, dst, A, B] = f.params;
  const a = f.local('i32');
  const b = f.local('i32');
  const from = f.local('i32');
  const to = f.local('i32');
  const stride = f.local('i32');
  // to walks down a column of the output: stride A * width floats.
  f.get(A).i32(4 * width).emit(op.i32Mul).set(stride);
  f.get(src).set(from);
  f.forRange(a, () => f.i32(0), () => f.get(A), () => {
    f.get(dst).get(a).i32(4 * width).emit(op.i32Mul).emit(op.i32Add).set(to);
    f.forRange(b, () => f.i32(0), () => f.get(B), () => {
      for (let k = 0; k < width; k++) f.get(to).get(from).memory(op.f32Load, 4 * k).memory(op.f32Store, 4 * k);
      f.get(from).i32(4 * width).emit(op.i32Add).set(from);
      f.get(to).get(stride).emit(op.i32Add).set(to);
    });
  });
  return f;
}

/**
 * col2im(cols, dx, batch, outH, outW, inH, inW, strideH, strideW, padTop, padLeft, windowH, windowW):
 * dx[b, r, c, :] = sum of cols[b, oh, ow, kh, kw, :] over the windows with r = oh*strideH + kh - padTop,
 * c = ow*strideW + kw - padLeft (taps outside the image dropped), `channels` unrolled: the scatter half of
 * a transposed convolution computed as a matrix product.
 */
function col2imFunction(channels: number): FunctionBuilder {
  const f = new FunctionBuilder('col2im', Array(13).fill('i32'));
  const [cols, dx, batch, outH, outW, inH, inW, sh, sw, padTop, padLeft, winH, winW] = f.params;
  const [b, oh, ow, kh, kw, r, c, src, image, addr] = Array.from({ length: 10 }, () => f.local('i32'));
  const pixelBytes = channels * 4;
  const g = (l: Local) => () => f.get(l);
  f.get(dx).i32(0).get(batch).get(inH).emit(op.i32Mul).get(inW).emit(op.i32Mul).i32(pixelBytes).emit(op.i32Mul).memoryFill();
  f.get(cols).set(src);
  f.forRange(b, () => f.i32(0), g(batch), () => {
    f.get(dx).get(b).get(inH).emit(op.i32Mul).get(inW).emit(op.i32Mul).i32(pixelBytes).emit(op.i32Mul).emit(op.i32Add).set(image);
    f.forRange(oh, () => f.i32(0), g(outH), () => {
      f.forRange(ow, () => f.i32(0), g(outW), () => {
        f.forRange(kh, () => f.i32(0), g(winH), () => {
          f.get(oh).get(sh).emit(op.i32Mul).get(kh).emit(op.i32Add).get(padTop).emit(op.i32Sub).set(r);
          f.forRange(kw, () => f.i32(0), g(winW), () => {
            f.get(ow).get(sw).emit(op.i32Mul).get(kw).emit(op.i32Add).get(padLeft).emit(op.i32Sub).set(c);
            // 0 <= r < inH and 0 <= c < inW, as unsigned comparisons
            f.get(r).get(inH).emit(op.i32LtU).get(c).get(inW).emit(op.i32LtU).emit(op.i32And);
            f.ifThen(() => {
              f.get(image).get(r).get(inW).emit(op.i32Mul).get(c).emit(op.i32Add).i32(pixelBytes).emit(op.i32Mul).emit(op.i32Add).set(addr);
              for (let ch = 0; ch < channels; ch++) {
                f.get(addr).get(addr).memory(op.f32Load, ch * 4).get(src).memory(op.f32Load, ch * 4).emit(op.f32Add).memory(op.f32Store, ch * 4);
              }
            });
            f.get(src).i32(pixelBytes).emit(op.i32Add).set(src);
          });
        });
      });
    });
  });
  return f;
}

/**
 * adam_update(p, g, m, v, mask, pOut, mOut, vOut, n, lr, beta1, 1-beta1, beta2, 1-beta2, epsilon), float32:
 *   g' = g * mask;  m' = m * beta1 + g' * (1-beta1);  v' = v * beta2 + (g' * g') * (1-beta2);
 *   p' = p - (m' / (sqrt(v') + epsilon)) * lr * mask
 * in that order of float32 operations, so it rounds as tfjs' chain of ops does. `masked` false drops the
 * mask (its address is ignored).
 */
function adamUpdateFunction(masked: boolean): FunctionBuilder {
  const f = new FunctionBuilder('adam_update', [...Array<'i32'>(9).fill('i32'), 'f32', 'f32', 'f32', 'f32', 'f32', 'f32']);
  const [p, g, m, v, mask, pOut, mOut, vOut, n, lr, beta1, oneMinusBeta1, beta2, oneMinusBeta2, epsilon] = f.params;
  const i = f.local('i32');
  const at = f.local('i32');
  const grad = f.local('f32');
  const moment = f.local('f32');
  const velocity = f.local('f32');
  const step = f.local('f32');
  const offset = (base: Local) => f.get(base).get(at).emit(op.i32Add);
  f.forRange(i, () => f.i32(0), () => f.get(n), () => {
    f.get(i).i32(2).emit(op.i32Shl).set(at);
    offset(g);
    f.memory(op.f32Load);
    if (masked) {
      offset(mask);
      f.memory(op.f32Load).emit(op.f32Mul);
    }
    f.set(grad);
    offset(m);
    f.memory(op.f32Load).get(beta1).emit(op.f32Mul).get(grad).get(oneMinusBeta1).emit(op.f32Mul, op.f32Add).set(moment);
    offset(v);
    f.memory(op.f32Load).get(beta2).emit(op.f32Mul).get(grad).get(grad).emit(op.f32Mul).get(oneMinusBeta2).emit(op.f32Mul, op.f32Add).set(velocity);
    f.get(moment).get(velocity).emit(op.f32Sqrt).get(epsilon).emit(op.f32Add, op.f32Div).get(lr).emit(op.f32Mul).set(step);
    if (masked) {
      f.get(step);
      offset(mask);
      f.memory(op.f32Load).emit(op.f32Mul).set(step);
    }
    offset(mOut);
    f.get(moment).memory(op.f32Store);
    offset(vOut);
    f.get(velocity).memory(op.f32Store);
    offset(pOut);
    offset(p);
    f.memory(op.f32Load).get(step).emit(op.f32Sub).memory(op.f32Store);
  });
  return f;
}

/** add_rows(x, row, out, rows): out[r, i] = x[r, i] + row[i] for i < `width`, the row held in locals. */
function addRowsFunction(width: number): FunctionBuilder {
  const f = new FunctionBuilder('add_rows', ['i32', 'i32', 'i32', 'i32']);
  const [x, row, out, rows] = f.params;
  const r = f.local('i32');
  const src = f.local('i32');
  const dst = f.local('i32');
  const bias = Array.from({ length: width }, () => f.local('f32'));
  bias.forEach((b, i) => f.get(row).memory(op.f32Load, 4 * i).set(b));
  f.get(x).set(src);
  f.get(out).set(dst);
  f.forRange(r, () => f.i32(0), () => f.get(rows), () => {
    bias.forEach((b, i) => {
      f.get(dst).get(src).memory(op.f32Load, 4 * i).get(b).emit(op.f32Add).memory(op.f32Store, 4 * i);
    });
    f.get(src).i32(4 * width).emit(op.i32Add).set(src);
    f.get(dst).i32(4 * width).emit(op.i32Add).set(dst);
  });
  return f;
}

/** Widest row (channels) a specialised sum, swap, bias add or col2im unrolls. */
export const MAX_UNROLLED_WIDTH = 32;

export interface WasmLoops {
  maxPoolGrad(args: number[]): void;
  /** The unrolled loop for pools of these sizes without padding; null where it would be too large. */
  maxPoolGradFixed(sizes: PoolSizes): ((x: number, dy: number, out: number, batch: number) => void) | null;
  /** null where `width` is wider than MAX_UNROLLED_WIDTH. */
  sumRows(width: number): ((x: number, out: number, outer: number, reduced: number) => void) | null;
  swapOuter(width: number): ((src: number, dst: number, a: number, b: number) => void) | null;
  /** null where `channels` is more than MAX_UNROLLED_WIDTH. */
  col2im(channels: number): ((...args: number[]) => void) | null;
  adamUpdate(masked: boolean): (...args: number[]) => void;
  /** null where `width` is more than MAX_UNROLLED_WIDTH. */
  addRows(width: number): ((x: number, row: number, out: number, rows: number) => void) | null;
}

/** The loops for `backend`, or null where its memory is not reachable (then callers use slower paths). */
export function wasmLoops(backend: KernelBackend): WasmLoops | null {
  const memory = backendMemory(backend);
  if (memory === null) return null;
  return {
    maxPoolGrad: (args) => loops(memory, 'max_pool_grad', () => [maxPoolGradFunction()]).max_pool_grad(...args),
    maxPoolGradFixed: (p) =>
      p.windowHeight * p.windowWidth * p.channels > MAX_UNROLLED_POOL_TAPS
        ? null
        : loops(memory, `max_pool_grad_fixed/${JSON.stringify({ ...p, batch: 0 })}`, () => [maxPoolGradFixedFunction(p)]).max_pool_grad_fixed,
    sumRows: (width) => (width > MAX_UNROLLED_WIDTH ? null : loops(memory, `sum_rows/${width}`, () => [sumRowsFunction(width)]).sum_rows),
    addRows: (width) => (width > MAX_UNROLLED_WIDTH ? null : loops(memory, `add_rows/${width}`, () => [addRowsFunction(width)]).add_rows),
    adamUpdate: (masked) => loops(memory, `adam_update/${masked}`, () => [adamUpdateFunction(masked)]).adam_update,
    col2im: (channels) => (channels > MAX_UNROLLED_WIDTH ? null : loops(memory, `col2im/${channels}`, () => [col2imFunction(channels)]).col2im),
    swapOuter: (width) => (width > MAX_UNROLLED_WIDTH ? null : loops(memory, `swap_outer/${width}`, () => [swapOuterFunction(width)]).swap_outer),
  };
}
