// W and the optimizer's slots in one WebAssembly memory, with SIMD kernels that sum the tasks' gradients
// and step the optimizer in one pass over it. In JavaScript the round's arithmetic on 4M parameters
// (weighted sum, then Adam) takes ~50 ms; the kernels do 2 entries per f64x2 operation (the divide and
// square root dominate) and read W and the slots once, ~3x faster.
//
// Bit-identical to the JavaScript in aggregation.ts and optimizer.ts: that code evaluates in float64
// and rounds to float32 at each store, and so do the kernels (f32 loads promoted to f64x2, f64x2
// arithmetic in the same order, f64.sqrt and f64.div being the IEEE operations JavaScript uses, a
// demotion where JavaScript stores). Wasm never fuses a multiply and an add.
//
// Gradients given as JavaScript arrays are copied in, one block at a time, to a staging area small
// enough to stay in cache; gradients decoded into the heap's own push buffers are read where they are.
// W and the slots stay in the memory between rounds. The memory is sized once and never grows, so the
// views handed out stay valid.
import { termWeight, type Contribution } from './aggregation.js';
import { assembleModule, FunctionBuilder, op, type Local } from '../model/kernels/wasm-asm.js';

// The project's TypeScript libs (ES2022, node) declare no WebAssembly namespace: the little used here.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WebAssemblyApi {
  Memory: new (descriptor: { initial: number; maximum: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
}

interface Kernels {
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
}

// SIMD instructions (prefix 0xfd, then the opcode as an unsigned LEB128); wasm-asm.ts has no v128 locals,
// so the kernels keep vectors on the stack and reload what they need twice (from cache).
const simd = (code: number): number[] => [0xfd, ...(code < 0x80 ? [code] : [(code & 0x7f) | 0x80, code >> 7])];
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
const F32X4_SUB = simd(0xe5);
const lane = (i: number): number[] => [...simd(0x1f), i];

/** Entries per loop iteration: two f64x2 pairs. Tensors are padded to a multiple of it. */
const STRIDE = 4;

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

const wasm = (globalThis as unknown as { WebAssembly?: WebAssemblyApi }).WebAssembly;
let compiled: object | null = null;

function instantiate(api: WebAssemblyApi, memory: WasmMemory): Kernels {
  compiled ??= new api.Module(assembleModule([scaleFunction(), accumulateFunction(), sgdFunction(), adamFunction(false), adamFunction(true), finiteFunction()]));
  return new api.Instance(compiled, { env: { memory } }).exports as unknown as Kernels;
}

/** Entries of a gradient staged at once: 2 x 64 KiB of staging stays in L2 next to the block of W. */
const BLOCK = 16384;
const PAGE = 65536;
/** A 32-bit wasm memory: at most 65536 pages (4 GiB). */
const MAX_PAGES = 65536;

const padded = (n: number): number => Math.ceil(n / STRIDE) * STRIDE;

export class StepHeap {
  /** The parameters' home: one view per tensor. */
  readonly params: Float32Array[];
  /** slots[s][t]: optimizer slot s of tensor t. */
  readonly slots: Float32Array[][];
  /** gradients[k][t]: push buffer k, tensor t. Contributions in them are read in place by the step. */
  readonly gradients: Float32Array[][];
  /** The second moment's own input (adam with `second`), one view per tensor; null if not made. */
  readonly second: Float32Array[] | null;
  private readonly secondAt: number[];
  private readonly buffer: ArrayBuffer;
  private readonly paramAt: number[];
  private readonly slotAt: number[][];
  private readonly f32: Float32Array;
  /** Byte addresses of the staged sum and of the term being added to it. */
  private readonly sumAt = 0;
  private readonly termAt = BLOCK * 4;

  private constructor(
    private readonly sizes: readonly number[],
    slotCount: number,
    gradientCount: number,
    second: boolean,
    memory: WasmMemory,
    private readonly kernels: Kernels,
  ) {
    this.buffer = memory.buffer;
    this.f32 = new Float32Array(memory.buffer);
    let next = 2 * BLOCK * 4;
    const region = (): { views: Float32Array[]; at: number[] } => {
      const at = sizes.map((n) => {
        const a = next;
        next += padded(n) * 4;
        return a;
      });
      return { views: sizes.map((n, t) => new Float32Array(memory.buffer, at[t], n)), at };
    };
    const params = region();
    this.params = params.views;
    this.paramAt = params.at;
    const slots = Array.from({ length: slotCount }, region);
    this.slots = slots.map((s) => s.views);
    this.slotAt = slots.map((s) => s.at);
    this.gradients = Array.from({ length: gradientCount }, () => region().views);
    const input = second ? region() : null;
    this.second = input?.views ?? null;
    this.secondAt = input?.at ?? [];
  }

  /** A zeroed heap for tensors of `sizes`, `slotCount` optimizer slots, `gradientCount` push buffers
   *  and, with `second`, the second moment's own input; or null where none can be had (no WebAssembly,
   *  or more than a 32-bit memory holds). */
  static create(sizes: readonly number[], slotCount: number, gradientCount = 0, second = false): StepHeap | null {
    if (wasm === undefined) return null;
    const regions = 1 + slotCount + gradientCount + (second ? 1 : 0);
    const bytes = 2 * BLOCK * 4 + regions * sizes.reduce((a, n) => a + padded(n) * 4, 0);
    const pages = Math.ceil(bytes / PAGE);
    if (pages > MAX_PAGES) return null;
    let memory: WasmMemory;
    try {
      memory = new wasm.Memory({ initial: pages, maximum: pages });
    } catch (err) {
      // No room for the reservation: the JavaScript path serves.
      if (err instanceof RangeError) return null;
      throw err;
    }
    return new StepHeap(sizes, slotCount, gradientCount, second, memory, instantiate(wasm, memory));
  }

  /** Whether every entry of `values` is finite: in SIMD where they are in this heap, else in JavaScript. */
  allFinite(values: Float32Array): boolean {
    const n = values.length;
    const whole = values.buffer === this.buffer ? n - (n % 8) : 0;
    if (whole > 0 && this.kernels.finite(values.byteOffset, whole * 4) !== 0) return false;
    for (let i = whole; i < n; i++) if (!Number.isFinite(values[i])) return false;
    return true;
  }

  /** Whether `params` are this heap's own views (so the kernels can update them in place). */
  holds(params: readonly Float32Array[]): boolean {
    return params.length === this.params.length && params.every((p, t) => p === this.params[t]);
  }

  /** SGD with momentum on the weighted sum of the contributions; slot 0 is the momentum. */
  sgd(contributions: readonly Contribution[], lr: number, mu: number): void {
    for (let t = 0; t < this.sizes.length; t++) {
      const p = this.paramAt[t];
      const m = this.slotAt[0][t];
      for (let from = 0; from < this.sizes[t]; from += BLOCK) {
        const bytes = this.stage(contributions, t, from);
        this.kernels.sgd(p + from * 4, m + from * 4, this.sumAt, bytes, lr, mu);
      }
    }
  }

  /** Adam on the weighted sum of the contributions; slots 0 and 1 are the first and second moments.
   *  With `second`, the second moment takes this heap's `second` input instead of the sum. */
  adam(contributions: readonly Contribution[], lr: number, beta1: number, beta2: number, epsilon: number, second = false): void {
    if (second && !this.second) throw new Error('StepHeap.adam: this heap has no second-moment input');
    const c1 = 1 - beta1;
    const c2 = 1 - beta2;
    for (let t = 0; t < this.sizes.length; t++) {
      const p = this.paramAt[t];
      const m = this.slotAt[0][t];
      const v = this.slotAt[1][t];
      for (let from = 0; from < this.sizes[t]; from += BLOCK) {
        const bytes = this.stage(contributions, t, from);
        if (second) this.kernels.adam_second(p + from * 4, m + from * 4, v + from * 4, this.sumAt, this.secondAt[t] + from * 4, bytes, lr, beta1, c1, beta2, c2, epsilon);
        else this.kernels.adam(p + from * 4, m + from * 4, v + from * 4, this.sumAt, bytes, lr, beta1, c1, beta2, c2, epsilon);
      }
    }
  }

  /** Leaves sum_k w_k g_k[from, from + BLOCK) of tensor t at sumAt, rounded to float32 after each term
   *  as weightedSum rounds it; returns the bytes the kernels cover. A short last block is rounded up
   *  to the stride: the entries past the tensor land in its padding and are never read. */
  private stage(contributions: readonly Contribution[], t: number, from: number): number {
    const to = Math.min(this.sizes[t], from + BLOCK);
    const bytes = padded(to - from) * 4;
    for (let k = 0; k < contributions.length; k++) {
      const c = contributions[k];
      const w = termWeight(c);
      const g = c.gradient[t];
      // A push buffer of this heap (a whole padded tensor region) is read in place; the padding read
      // past `to` only reaches the sum's padding, as the staged copies' stale entries do.
      const inHeap = g.buffer === this.buffer;
      if (k === 0) {
        if (inHeap) this.f32.copyWithin(this.sumAt / 4, g.byteOffset / 4 + from, g.byteOffset / 4 + to);
        else this.f32.set(from === 0 && to === g.length ? g : g.subarray(from, to), this.sumAt / 4);
        this.kernels.scale(this.sumAt, bytes, w);
      } else if (inHeap) {
        this.kernels.accumulate(this.sumAt, g.byteOffset + from * 4, bytes, w);
      } else {
        this.f32.set(from === 0 && to === g.length ? g : g.subarray(from, to), this.termAt / 4);
        this.kernels.accumulate(this.sumAt, this.termAt, bytes, w);
      }
    }
    return bytes;
  }
}
