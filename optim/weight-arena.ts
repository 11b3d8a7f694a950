// W, its optimizer's slots and the buffers pushes are decoded into, in one place, with the arithmetic of
// a round on them: the weighted sum of the tasks' gradients and an SGD or Adam update of W. The step and
// the wire decoder share it: pushes decode into its buffers, which the step reads where they are.
//
// Two arenas compute the same bits. WasmArena keeps everything in one WebAssembly memory and does the
// round in one SIMD pass (optim/step-kernels.ts); JsArena (optim/js-arena.ts) is the same arithmetic in JavaScript, where the
// host has no WebAssembly or the sizes pass a 32-bit memory. Both evaluate in float64 and round to
// float32 at each store, in the same order.
import { allFinite } from '../lib/finite.js';
import { webAssembly, type WasmMemory } from '../lib/wasm-asm.js';
import { BLOCK, blockDot, blockGram, scatterTerms, sparseTerms } from './arena-arithmetic.js';
import { JsArena } from './js-arena.js';
import { instantiateKernels, STRIDE, type StepKernels } from './step-kernels.js';

/** One gradient of a round and its coefficient in the sum. `label` names it in errors (a task). */
export interface WeightedTerm {
  label: string;
  weight: number;
  /** One array per tensor of the arena. */
  gradient: readonly Float32Array[];
  /** Per tensor, the increasing indices of the only entries that can be non-zero (a TOPK push): the sum
   *  then reads those alone, when every term of the step has one. */
  support?: readonly Uint32Array[];
}

export interface ArenaLayout {
  /** Optimizer slots per tensor: SGD's momentum, Adam's two moments. */
  slots: number;
  /** Buffers to decode pushes into (each one array per tensor), read in place by the step. */
  pushBuffers?: number;
  /** An input for Adam's second moment beside W, written before a step that uses it. */
  second?: boolean;
  /** A mirror of W as the workers hold it, and W minus it, written by every step in its pass over W. */
  mirror?: boolean;
  /** 'auto' (default): WebAssembly where it can be had, else JavaScript; 'js': JavaScript. */
  kind?: 'auto' | 'js';
}

export interface WeightArena {
  readonly kind: 'wasm' | 'js';
  readonly sizes: readonly number[];
  /** W: one array per tensor. */
  readonly params: Float32Array[];
  /** slots[s][t]: optimizer slot s of tensor t. */
  readonly slots: Float32Array[][];
  /** pushBuffers[k][t]: push buffer k, tensor t. */
  readonly pushBuffers: Float32Array[][];
  /** The second moment's own input, one array per tensor; null unless the layout asked for it. */
  readonly second: Float32Array[] | null;
  /** The downlink's mirror of W and, after each step, W minus the mirror; null unless asked for. */
  readonly mirror: { tensors: Float32Array[]; delta: Float32Array[] } | null;
  /** Whether every entry is finite (in SIMD where `values` lie in a wasm arena). */
  allFinite(values: Float32Array): boolean;
  /** a . b, the same bits in both arenas: block by block (BLOCK entries), each block summed in four
   *  float32 lanes, (s0 + s1) + (s2 + s3) in float64, then its last entries past a multiple of four one
   *  by one; the blocks' sums added in float64, in order. */
  dot(a: Float32Array, b: Float32Array): number;
  /** Every pair's dot product (i <= j, mirrored) of vectors of one length, each as `dot` computes it,
   *  block by block over all pairs, so that a block of every vector is read from memory once. */
  gram(vectors: readonly Float32Array[]): number[][];
  /** m = mu m + sum; W -= lr m (slot 0 is m). */
  sgd(terms: readonly WeightedTerm[], lr: number, mu: number): void;
  /** Adam on the sum (slots 0 and 1 are the moments); with `second`, v takes the second input instead. */
  adam(terms: readonly WeightedTerm[], lr: number, beta1: number, beta2: number, epsilon: number, second: boolean): void;
}

/** An arena of `sizes` (zeroed): WebAssembly unless the layout or the host says otherwise. */
export function createWeightArena(sizes: readonly number[], layout: ArenaLayout): WeightArena {
  if ((layout.kind ?? 'auto') === 'auto') {
    const wasm = WasmArena.create(sizes, layout);
    if (wasm !== null) return wasm;
  }
  return new JsArena(sizes, layout);
}

/** Throws, naming the term and tensor, unless every term has one gradient per size with as many entries. */
export function checkTerms(terms: readonly WeightedTerm[], sizes: readonly number[]): void {
  for (const term of terms) {
    if (term.gradient.length !== sizes.length) throw new Error(`${term.label} sent ${term.gradient.length} tensors, expected ${sizes.length}`);
    for (let t = 0; t < sizes.length; t++) {
      const n = term.gradient[t].length;
      if (n !== sizes[t]) throw new Error(`${term.label} tensor ${t} has ${n} entries, expected ${sizes[t]}`);
    }
  }
}

const PAGE = 65536;
/** A 32-bit wasm memory: at most 65536 pages (4 GiB). */
const MAX_PAGES = 65536;

const padded = (n: number): number => Math.ceil(n / STRIDE) * STRIDE;

// The memory is sized once and never grows, so the views handed out stay valid. Gradients given as
// JavaScript arrays are copied in, one block at a time, to a staging area small enough to stay in cache;
// gradients decoded into the arena's own push buffers are read where they are.
class WasmArena implements WeightArena {
  readonly kind = 'wasm';
  readonly params: Float32Array[];
  readonly slots: Float32Array[][];
  readonly pushBuffers: Float32Array[][];
  readonly second: Float32Array[] | null;
  readonly mirror: { tensors: Float32Array[]; delta: Float32Array[] } | null;
  private readonly secondAt: number[];
  /** Byte addresses of the mirror's and the delta's tensors (empty without a mirror). */
  private readonly mirrorAt: number[];
  private readonly deltaAt: number[];
  private readonly buffer: ArrayBuffer;
  private readonly paramAt: number[];
  private readonly slotAt: number[][];
  private readonly f32: Float32Array;
  /** Byte addresses of the staged sum and of the term being added to it. */
  private readonly sumAt = 0;
  private readonly termAt = BLOCK * 4;
  /** Where each sparse term's indices resume in the tensor being stepped. */
  private cursors: number[] = [];

  private constructor(
    readonly sizes: readonly number[],
    layout: ArenaLayout,
    memory: WasmMemory,
    private readonly kernels: StepKernels,
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
    const slots = Array.from({ length: layout.slots }, region);
    this.slots = slots.map((s) => s.views);
    this.slotAt = slots.map((s) => s.at);
    this.pushBuffers = Array.from({ length: layout.pushBuffers ?? 0 }, () => region().views);
    const input = layout.second ? region() : null;
    this.second = input?.views ?? null;
    this.secondAt = input?.at ?? [];
    const mirror = layout.mirror ? region() : null;
    const delta = layout.mirror ? region() : null;
    this.mirror = mirror && delta ? { tensors: mirror.views, delta: delta.views } : null;
    this.mirrorAt = mirror?.at ?? [];
    this.deltaAt = delta?.at ?? [];
  }

  /** A zeroed arena, or null where none can be had (no WebAssembly, or more than a 32-bit memory holds). */
  static create(sizes: readonly number[], layout: ArenaLayout): WasmArena | null {
    if (webAssembly === undefined) return null;
    const regions = 1 + layout.slots + (layout.pushBuffers ?? 0) + (layout.second ? 1 : 0) + (layout.mirror ? 2 : 0);
    const bytes = 2 * BLOCK * 4 + regions * sizes.reduce((a, n) => a + padded(n) * 4, 0);
    const pages = Math.ceil(bytes / PAGE);
    if (pages > MAX_PAGES) return null;
    let memory: WasmMemory;
    try {
      memory = new webAssembly.Memory({ initial: pages, maximum: pages });
    } catch (err) {
      // No room for the reservation: the JavaScript arena serves.
      if (err instanceof RangeError) return null;
      throw err;
    }
    return new WasmArena(sizes, layout, memory, instantiateKernels(webAssembly, memory));
  }

  allFinite(values: Float32Array): boolean {
    const n = values.length;
    const whole = values.buffer === this.buffer ? n - (n % 8) : 0;
    if (whole === 0) return allFinite(values);
    return this.kernels.finite(values.byteOffset, whole * 4) === 0 && allFinite(values.subarray(whole));
  }

  dot(a: Float32Array, b: Float32Array): number {
    return blockDot(a, b, this.wholeBlock);
  }

  gram(vectors: readonly Float32Array[]): number[][] {
    return blockGram(vectors, this.wholeBlock);
  }

  /** A block's whole groups of four through the SIMD kernel, staged where not in the arena. */
  private readonly wholeBlock = (a: Float32Array, b: Float32Array, from: number, to: number): number =>
    this.kernels.dot(this.blockAt(a, from, to, this.sumAt), this.blockAt(b, from, to, this.termAt), (to - from) * 4);

  /** The address of values[from, to): where it lies in this arena, or a copy in the staging area at `stage`. */
  private blockAt(values: Float32Array, from: number, to: number, stage: number): number {
    if (values.buffer === this.buffer) return values.byteOffset + from * 4;
    this.f32.set(values.subarray(from, to), stage / 4);
    return stage;
  }

  sgd(terms: readonly WeightedTerm[], lr: number, mu: number): void {
    for (let t = 0; t < this.sizes.length; t++) {
      const p = this.paramAt[t];
      const m = this.slotAt[0][t];
      for (let from = 0; from < this.sizes[t]; from += BLOCK) {
        const bytes = this.stage(terms, t, from);
        this.kernels.sgd(p + from * 4, m + from * 4, this.sumAt, bytes, lr, mu);
        this.writeDelta(t, from, bytes);
      }
    }
  }

  adam(terms: readonly WeightedTerm[], lr: number, beta1: number, beta2: number, epsilon: number, second: boolean): void {
    if (second && !this.second) throw new Error('weight arena: this arena has no second-moment input');
    const c1 = 1 - beta1;
    const c2 = 1 - beta2;
    for (let t = 0; t < this.sizes.length; t++) {
      const p = this.paramAt[t];
      const m = this.slotAt[0][t];
      const v = this.slotAt[1][t];
      for (let from = 0; from < this.sizes[t]; from += BLOCK) {
        const bytes = this.stage(terms, t, from);
        if (second) this.kernels.adam_second(p + from * 4, m + from * 4, v + from * 4, this.sumAt, this.secondAt[t] + from * 4, bytes, lr, beta1, c1, beta2, c2, epsilon);
        else this.kernels.adam(p + from * 4, m + from * 4, v + from * 4, this.sumAt, bytes, lr, beta1, c1, beta2, c2, epsilon);
        this.writeDelta(t, from, bytes);
      }
    }
  }

  /** W minus the mirror over the block just stepped, while it is in cache (the padding too: never read). */
  private writeDelta(t: number, from: number, bytes: number): void {
    if (this.mirror) this.kernels.delta(this.paramAt[t] + from * 4, this.mirrorAt[t] + from * 4, this.deltaAt[t] + from * 4, bytes);
  }

  /** Leaves sum_k w_k g_k[from, from + BLOCK) of tensor t at sumAt, rounded to float32 after each term
   *  as JsArena rounds it; returns the bytes the kernels cover. A short last block is rounded up to the
   *  stride: the entries past the tensor land in its padding and are never read. */
  private stage(terms: readonly WeightedTerm[], t: number, from: number): number {
    const to = Math.min(this.sizes[t], from + BLOCK);
    const bytes = padded(to - from) * 4;
    if (sparseTerms(terms)) {
      if (from === 0) this.cursors = new Array<number>(terms.length).fill(0);
      this.f32.fill(0, this.sumAt / 4, this.sumAt / 4 + bytes / 4);
      scatterTerms(this.f32, this.sumAt / 4, t, from, to, terms, this.cursors);
      return bytes;
    }
    for (let k = 0; k < terms.length; k++) {
      const w = terms[k].weight;
      const g = terms[k].gradient[t];
      // A push buffer of this arena (a whole padded tensor region) is read in place; the padding read
      // past `to` only reaches the sum's padding, as the staged copies' stale entries do.
      const inArena = g.buffer === this.buffer;
      if (k === 0) {
        if (inArena) this.f32.copyWithin(this.sumAt / 4, g.byteOffset / 4 + from, g.byteOffset / 4 + to);
        else this.f32.set(from === 0 && to === g.length ? g : g.subarray(from, to), this.sumAt / 4);
        this.kernels.scale(this.sumAt, bytes, w);
      } else if (inArena) {
        this.kernels.accumulate(this.sumAt, g.byteOffset + from * 4, bytes, w);
      } else {
        this.f32.set(from === 0 && to === g.length ? g : g.subarray(from, to), this.termAt / 4);
        this.kernels.accumulate(this.sumAt, this.termAt, bytes, w);
      }
    }
    return bytes;
  }
}
