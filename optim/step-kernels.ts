// The optimizer's step over W as WebAssembly SIMD kernels: the weighted sum of the tasks' gradients and
// the SGD or Adam update, each a loop over a block of a tensor in one wasm memory (optim/weight-arena.ts
// lays the memory out and calls them). The kernels do 2 entries per f64x2 operation (the divide and
// square root dominate) and read W and the slots once, about 3x faster than the same JavaScript.
//
// Bit-identical to the JavaScript in optim/weight-arena.ts's JsArena: that code evaluates in float64 and
// rounds to float32 at each store, and so do the kernels (f32 loads promoted to f64x2, f64x2 arithmetic
// in the same order, f64.sqrt and f64.div being the IEEE operations JavaScript uses, a demotion where
// JavaScript stores). Wasm never fuses a multiply and an add.
import { assembleModule, FunctionBuilder, op, simd, type Local, type WasmMemory, type WebAssemblyApi } from '../lib/wasm-asm.js';

export interface StepKernels {
  /** sum = fround(w * sum), entries [0, bytes / 4). */
  scale(sum: number, bytes: number, w: number): void;
  /** sum = fround(sum + w * term). */
  accumulate(sum: number, term: number, bytes: number, w: number): void;
  /** m = fround(mu m + g); p = fround(p - lr m). */
  sgd(p: number, m: number, g: number, bytes: number, lr: number, mu: number): void;
  /** m = fround(b1 m + c1 g); v = fround(b2 v + c2 g g); p = fround(p - lr m / (sqrt(v) + eps)). */
  adam(p: number, m: number, v: number, g: number, bytes: number, lr: number, b1: number, c1: number, b2: number, c2: number, eps: number): void;
  /** As adam, with the second moment fed s instead of g: v = fround(b2 v + c2 s s). */
  adam_second(p: number, m: number, v: number, g: number, s: number, bytes: number, lr: number, b1: number, c1: number, b2: number, c2: number, eps: number): void;
  /** The sum of x - x over entries [0, bytes / 4) (bytes a multiple of 32): 0 when all are finite. */
  finite(at: number, bytes: number): number;
  /** d = fround(p - m): W's change against the downlink's mirror, while the block is in cache. */
  delta(p: number, m: number, d: number, bytes: number): void;
  /** The dot product of a and b over entries [0, bytes / 4) (bytes a multiple of 16), for the Gram
   *  matrices of the aggregation methods: four float32 lanes, each lane's products and running sum
   *  rounded to float32 (f32x4 mul and add), then (s0 + s1) + (s2 + s3) in float64. Called per block of
   *  at most 16,384 entries, so a lane sums 4,096 products (relative error about 1e-6 on typical data);
   *  js-arena.ts does the same in JavaScript. */
  dot(a: number, b: number, bytes: number): number;
}

// SIMD instructions (lib/wasm-asm.ts simd), emitted as raw bytes. The f64x2 kernels keep their vectors on
// the stack, reloading an operand (from cache) where it is needed twice.
/** Two f32 at address + offset into the low lanes of a v128 (v128.load64_zero), as f64x2 (promote_low). */
const load2 = (offset: number): number[] => [...simd(0x5d), 3, offset, ...simd(0x5f)];
/** f64x2 on the stack to two f32 at address + offset (f32x4.demote_f64x2_zero, v128.store64_lane 0). */
const store2 = (offset: number): number[] => [...simd(0x5e), ...simd(0x5b), 3, offset, 0];
const SPLAT = simd(0x14);
const ADD = simd(0xf0);
const SUB = simd(0xf1);
const MUL = simd(0xf2);
const DIV = simd(0xf3);
const SQRT = simd(0xef);
/** v128.load (16-byte alignment hint) at address + offset; f32x4 add and sub. */
const load4 = (offset: number): number[] => [...simd(0x00), 4, offset];
const F32X4_ADD = simd(0xe4);
const F32X4_MUL = simd(0xe6);
const F64_PROMOTE_F32 = 0xbb;
const F32X4_SUB = simd(0xe5);
const lane = (i: number): number[] => [...simd(0x1f), i];

/** Entries per loop iteration: two f64x2 pairs. Tensors are padded to a multiple of it. */
export const STRIDE = 4;

/** `for (i = 0; i < bytes; i += 16) body(offset)` for offset 0 and 8 (two pairs of entries). */
function pairs(f: FunctionBuilder, i: Local, bytes: Local, body: (offset: number) => void): void {
  f.forRange(
    i,
    () => f.i32(0),
    () => f.get(bytes),
    () => {
      body(0);
      body(8);
    },
    () => f.i32(STRIDE * 4),
  );
}

/** address local = base + i */
function at(f: FunctionBuilder, base: Local, i: Local, to: Local): void {
  f.get(base).get(i).emit(op.i32Add).set(to);
}

function scaleFunction(): FunctionBuilder {
  const f = new FunctionBuilder('scale', ['i32', 'i32', 'f64']);
  const [sum, bytes, w] = f.params;
  const [i, s] = [f.local('i32'), f.local('i32')];
  pairs(f, i, bytes, (o) => {
    if (o === 0) at(f, sum, i, s);
    f.get(s).get(w).emit(...SPLAT).get(s).emit(...load2(o), ...MUL, ...store2(o));
  });
  return f;
}

function accumulateFunction(): FunctionBuilder {
  const f = new FunctionBuilder('accumulate', ['i32', 'i32', 'i32', 'f64']);
  const [sum, term, bytes, w] = f.params;
  const [i, s, g] = [f.local('i32'), f.local('i32'), f.local('i32')];
  pairs(f, i, bytes, (o) => {
    if (o === 0) {
      at(f, sum, i, s);
      at(f, term, i, g);
    }
    f.get(s).get(s).emit(...load2(o)).get(w).emit(...SPLAT).get(g).emit(...load2(o), ...MUL, ...ADD, ...store2(o));
  });
  return f;
}

function sgdFunction(): FunctionBuilder {
  const f = new FunctionBuilder('sgd', ['i32', 'i32', 'i32', 'i32', 'f64', 'f64']);
  const [p, m, g, bytes, lr, mu] = f.params;
  const [i, pa, ma, ga] = [f.local('i32'), f.local('i32'), f.local('i32'), f.local('i32')];
  pairs(f, i, bytes, (o) => {
    if (o === 0) {
      at(f, p, i, pa);
      at(f, m, i, ma);
      at(f, g, i, ga);
    }
    // m = fround(mu * m + g)
    f.get(ma).get(mu).emit(...SPLAT).get(ma).emit(...load2(o), ...MUL).get(ga).emit(...load2(o), ...ADD, ...store2(o));
    // p = fround(p - lr * m), m re-read as stored
    f.get(pa).get(pa).emit(...load2(o)).get(lr).emit(...SPLAT).get(ma).emit(...load2(o), ...MUL, ...SUB, ...store2(o));
  });
  return f;
}

/** Adam; with `second`, the second moment takes its own input s (coordinator/held-back.ts). */
function adamFunction(second: boolean): FunctionBuilder {
  const f = new FunctionBuilder(second ? 'adam_second' : 'adam', ['i32', 'i32', 'i32', 'i32', ...(second ? (['i32'] as const) : []), 'i32', 'f64', 'f64', 'f64', 'f64', 'f64', 'f64']);
  const [p, m, v, g] = f.params;
  const sIn = second ? f.params[4] : null;
  const [bytes, lr, b1, c1, b2, c2, eps] = f.params.slice(second ? 5 : 4);
  const [i, pa, ma, va, ga] = [f.local('i32'), f.local('i32'), f.local('i32'), f.local('i32'), f.local('i32')];
  const sa = sIn ? f.local('i32') : ga;
  pairs(f, i, bytes, (o) => {
    if (o === 0) {
      at(f, p, i, pa);
      at(f, m, i, ma);
      at(f, v, i, va);
      at(f, g, i, ga);
      if (sIn) at(f, sIn, i, sa);
    }
    // m = fround(b1 * m + c1 * g)
    f.get(ma).get(b1).emit(...SPLAT).get(ma).emit(...load2(o), ...MUL);
    f.get(c1).emit(...SPLAT).get(ga).emit(...load2(o), ...MUL, ...ADD, ...store2(o));
    // v = fround(b2 * v + c2 * s * s), s being g unless the second moment has its own input
    f.get(va).get(b2).emit(...SPLAT).get(va).emit(...load2(o), ...MUL);
    f.get(c2).emit(...SPLAT).get(sa).emit(...load2(o), ...MUL).get(sa).emit(...load2(o), ...MUL, ...ADD, ...store2(o));
    // p = fround(p - (lr * m) / (sqrt(v) + eps)), m and v re-read as stored
    f.get(pa).get(pa).emit(...load2(o)).get(lr).emit(...SPLAT).get(ma).emit(...load2(o), ...MUL);
    f.get(va).emit(...load2(o), ...SQRT).get(eps).emit(...SPLAT, ...ADD, ...DIV, ...SUB, ...store2(o));
  });
  return f;
}

function deltaFunction(): FunctionBuilder {
  const f = new FunctionBuilder('delta', ['i32', 'i32', 'i32', 'i32']);
  const [p, m, d, bytes] = f.params;
  const [i, pa, ma, da] = [f.local('i32'), f.local('i32'), f.local('i32'), f.local('i32')];
  pairs(f, i, bytes, (o) => {
    if (o === 0) {
      at(f, p, i, pa);
      at(f, m, i, ma);
      at(f, d, i, da);
    }
    f.get(da).get(pa).emit(...load2(o)).get(ma).emit(...load2(o), ...SUB, ...store2(o));
  });
  return f;
}

function dotFunction(): FunctionBuilder {
  const f = new FunctionBuilder('dot', ['i32', 'i32', 'i32'], 'f64');
  const [a, b, bytes] = f.params;
  const [i, pa, pb, acc] = [f.local('i32'), f.local('i32'), f.local('i32'), f.local('v128')];
  f.forRange(
    i,
    () => f.i32(0),
    () => f.get(bytes),
    () => {
      at(f, a, i, pa);
      at(f, b, i, pb);
      f.get(acc).get(pa).emit(...load4(0)).get(pb).emit(...load4(0), ...F32X4_MUL, ...F32X4_ADD).set(acc);
    },
    () => f.i32(16),
  );
  // (s0 + s1) + (s2 + s3), each lane's float32 sum promoted to float64.
  f.get(acc).emit(...lane(0), F64_PROMOTE_F32).get(acc).emit(...lane(1), F64_PROMOTE_F32, op.f64Add);
  f.get(acc).emit(...lane(2), F64_PROMOTE_F32).get(acc).emit(...lane(3), F64_PROMOTE_F32, op.f64Add, op.f64Add);
  return f;
}

/** Two f32x4 sums of x - x, 8 entries an iteration, so that the adds do not wait on each other. */
function finiteFunction(): FunctionBuilder {
  const f = new FunctionBuilder('finite', ['i32', 'i32'], 'f32');
  const [base, bytes] = f.params;
  const [i, a, acc0, acc1] = [f.local('i32'), f.local('i32'), f.local('v128'), f.local('v128')];
  f.forRange(
    i,
    () => f.i32(0),
    () => f.get(bytes),
    () => {
      at(f, base, i, a);
      f.get(acc0).get(a).emit(...load4(0)).get(a).emit(...load4(0), ...F32X4_SUB, ...F32X4_ADD).set(acc0);
      f.get(acc1).get(a).emit(...load4(16)).get(a).emit(...load4(16), ...F32X4_SUB, ...F32X4_ADD).set(acc1);
    },
    () => f.i32(32),
  );
  f.get(acc0).get(acc1).emit(...F32X4_ADD).set(acc0);
  f.get(acc0).emit(...lane(0)).get(acc0).emit(...lane(1), op.f32Add).get(acc0).emit(...lane(2), op.f32Add).get(acc0).emit(...lane(3), op.f32Add);
  return f;
}

let compiled: object | null = null;

/** The kernels, instantiated against `memory`. */
export function instantiateKernels(api: WebAssemblyApi, memory: WasmMemory): StepKernels {
  compiled ??= new api.Module(assembleModule([scaleFunction(), accumulateFunction(), sgdFunction(), adamFunction(false), adamFunction(true), finiteFunction(), deltaFunction(), dotFunction()]));
  return new api.Instance(compiled, { env: { memory } }).exports as unknown as StepKernels;
}
