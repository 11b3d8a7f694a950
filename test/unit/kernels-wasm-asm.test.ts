// The WebAssembly encoder the plain-loop kernels are written with: assembled functions validate, run,
// and compute what their instructions say, in loops, with branch-free selects and memory access.
import { describe, expect, it } from 'vitest';
import { assembleModule, FunctionBuilder, op } from '../../lib/wasm-asm.js';

interface Memory {
  buffer: ArrayBuffer;
}
const WA = (
  globalThis as unknown as {
    WebAssembly: {
      Memory: new (d: { initial: number }) => Memory;
      Module: new (b: Uint8Array) => object;
      Instance: new (m: object, i: object) => { exports: Record<string, (...a: number[]) => number> };
      validate(b: Uint8Array): boolean;
    };
  }
).WebAssembly;

function instantiate(fns: FunctionBuilder[]) {
  const memory = new WA.Memory({ initial: 1 });
  const bytes = assembleModule(fns);
  expect(WA.validate(bytes)).toBe(true);
  return { memory, exports: new WA.Instance(new WA.Module(bytes), { env: { memory } }).exports };
}

describe('wasm-asm', () => {
  it('encodes constants of any size and sign (LEB128) and sums a range in a loop', () => {
    const f = new FunctionBuilder('sum_to', ['i32'], 'i32');
    const [n] = f.params;
    const i = f.local('i32');
    const total = f.local('i32');
    f.i32(-5_000_000).set(total); // a multi-byte negative constant
    f.forRange(
      i,
      () => f.i32(0),
      () => f.get(n),
      () => {
        f.get(total).get(i).emit(op.i32Add).set(total);
      },
    );
    f.get(total);
    const { exports } = instantiate([f]);
    expect(exports.sum_to(1000)).toBe(-5_000_000 + 499_500);
    expect(exports.sum_to(0)).toBe(-5_000_000);
  });

  it('selects without branching and reads and writes float32 memory', () => {
    // out[i] = max(a[i], b[i]) by select, over float32 arrays in the imported memory.
    const f = new FunctionBuilder('max_into', ['i32', 'i32', 'i32', 'i32']);
    const [a, b, out, n] = f.params;
    const i = f.local('i32');
    const addr = f.local('i32');
    const x = f.local('f32');
    const y = f.local('f32');
    f.forRange(
      i,
      () => f.i32(0),
      () => f.get(n),
      () => {
        f.get(i).i32(2).emit(op.i32Shl).set(addr);
        f.get(a).get(addr).emit(op.i32Add).memory(op.f32Load).set(x);
        f.get(b).get(addr).emit(op.i32Add).memory(op.f32Load).set(y);
        f.get(out).get(addr).emit(op.i32Add);
        f.get(x).get(y).get(x).get(y).emit(op.f32Gt, op.select);
        f.memory(op.f32Store);
      },
    );
    const { memory, exports } = instantiate([f]);
    const heap = new Float32Array(memory.buffer);
    heap.set([1, -2, 3.5, -0.5], 0);
    heap.set([0, 5, 3, -1], 4);
    exports.max_into(0, 16, 32, 4);
    expect(Array.from(heap.subarray(8, 12))).toEqual([1, 5, 3.5, -0.5]);
  });

  it('fills memory and stores float64 at constant offsets', () => {
    const f = new FunctionBuilder('fill_then_mark', ['i32', 'i32']);
    const [at, n] = f.params;
    f.get(at).i32(0x7f).get(n).memoryFill();
    f.get(at).f64(0.1).memory(op.f64Store, 8);
    const { memory, exports } = instantiate([f]);
    exports.fill_then_mark(64, 32);
    const bytes = new Uint8Array(memory.buffer);
    expect(bytes[64]).toBe(0x7f);
    expect(bytes[64 + 31]).toBe(0x7f);
    expect(bytes[64 + 32]).toBe(0);
    expect(new Float64Array(memory.buffer, 72, 1)[0]).toBe(0.1);
  });

  it('refuses constants it cannot encode', () => {
    const f = new FunctionBuilder('bad', []);
    expect(() => f.i32(2 ** 31)).toThrow(/not an i32/);
    expect(() => f.i32(1.5)).toThrow(/not an i32/);
  });
});
