// A minimal WebAssembly encoder, for kernels that are plain loops over a wasm memory: the tfjs wasm
// backend's training kernels (model/kernels/wasm-loops.ts) and the optimizer's step over W
// (optim/step-kernels.ts). The project cannot compile C to wasm (no toolchain is a dependency), so the
// loops are written as instructions and assembled at run time into a module that imports the memory
// they work on, reading and writing it in place.
//
// Only what the kernels use is encoded: i32 / f32 / f64 arithmetic, loads and stores, structured
// control flow, select and memory.fill (SIMD instructions are emitted as raw bytes by their users). The
// binary format: https://webassembly.github.io/spec/core/binary/

// The project's TypeScript libs (ES2022, node) declare no WebAssembly namespace: the little used here.
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
export interface WebAssemblyApi {
  Memory: new (descriptor: { initial: number; maximum: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
}

/** The host's WebAssembly, where it has one. */
export const webAssembly: WebAssemblyApi | undefined = (globalThis as unknown as { WebAssembly?: WebAssemblyApi }).WebAssembly;

export type ValueType = 'i32' | 'f32' | 'f64' | 'v128';

const VALUE_TYPE: Record<ValueType, number> = { i32: 0x7f, f32: 0x7d, f64: 0x7c, v128: 0x7b };

/** Opcodes (single byte unless noted). */
export const op = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  return: 0x0f,
  drop: 0x1a,
  select: 0x1b,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Load: 0x28,
  f32Load: 0x2a,
  f32Store: 0x38,
  f64Load: 0x2b,
  f64Store: 0x39,
  i32Const: 0x41,
  f32Const: 0x43,
  f64Const: 0x44,
  i32Eqz: 0x45,
  i32Eq: 0x46,
  i32Ne: 0x47,
  i32LtS: 0x48,
  i32LtU: 0x49,
  i32GtS: 0x4a,
  i32LeS: 0x4c,
  i32GeS: 0x4e,
  f32Eq: 0x5b,
  f32Lt: 0x5d,
  f32Gt: 0x5e,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Mul: 0x6c,
  i32And: 0x71,
  i32Shl: 0x74,
  f32Sqrt: 0x91,
  f32Add: 0x92,
  f32Sub: 0x93,
  f32Mul: 0x94,
  f32Div: 0x95,
  f64Add: 0xa0,
  f32DemoteF64: 0xb6,
  f64PromoteF32: 0xbb,
  i32ReinterpretF32: 0xbc,
  f32ReinterpretI32: 0xbe,
} as const;

/** Block type "no result". */
const EMPTY = 0x40;

/** A SIMD instruction's bytes: the prefix 0xfd, then its opcode as an unsigned LEB128. Kernels emit
 *  these raw, beside the scalar ops of `op`. */
export function simd(code: number): number[] {
  return [0xfd, ...unsignedLeb(code)];
}

/** v128.load / v128.store at address + offset (alignment as a power of two: 2 is 4 bytes). */
export const v128Load = (offset: number, align = 2): number[] => [...simd(0x00), align, ...unsignedLeb(offset)];
export const v128Store = (offset: number, align = 2): number[] => [...simd(0x0b), align, ...unsignedLeb(offset)];

export function unsignedLeb(value: number): number[] {
  if (!Number.isInteger(value) || value < 0) throw new Error(`wasm-asm: ${value} is not an unsigned integer`);
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value = Math.floor(value / 128);
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

function signedLeb(value: number): number[] {
  if (!Number.isInteger(value) || value < -(2 ** 31) || value >= 2 ** 31) throw new Error(`wasm-asm: ${value} is not an i32`);
  const out: number[] = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    const done = (value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

function name(text: string): number[] {
  const bytes = [...new TextEncoder().encode(text)];
  return [...unsignedLeb(bytes.length), ...bytes];
}

function vector(items: number[][]): number[] {
  return [...unsignedLeb(items.length), ...items.flat()];
}

function section(id: number, content: number[]): number[] {
  return [id, ...unsignedLeb(content.length), ...content];
}

/** A local variable (parameters first, in order); its index is what local.get / local.set take. */
export interface Local {
  readonly index: number;
  readonly type: ValueType;
}

/** The body of one function: its parameters, its locals and its instructions, written in order. */
export class FunctionBuilder {
  readonly params: Local[];
  private readonly locals: Local[] = [];
  private readonly code: number[] = [];

  constructor(
    readonly exportName: string,
    paramTypes: readonly ValueType[],
    readonly resultType: ValueType | null = null,
  ) {
    this.params = paramTypes.map((type, index) => ({ index, type }));
  }

  local(type: ValueType): Local {
    const l = { index: this.params.length + this.locals.length, type };
    this.locals.push(l);
    return l;
  }

  /** Raw bytes: opcodes and their immediates. */
  emit(...bytes: number[]): this {
    this.code.push(...bytes);
    return this;
  }

  get(l: Local): this {
    return this.emit(op.localGet, ...unsignedLeb(l.index));
  }

  set(l: Local): this {
    return this.emit(op.localSet, ...unsignedLeb(l.index));
  }

  tee(l: Local): this {
    return this.emit(op.localTee, ...unsignedLeb(l.index));
  }

  i32(value: number): this {
    return this.emit(op.i32Const, ...signedLeb(value));
  }

  f32(value: number): this {
    const bytes = new Uint8Array(new Float32Array([value]).buffer);
    return this.emit(op.f32Const, ...bytes);
  }

  f64(value: number): this {
    const bytes = new Uint8Array(new Float64Array([value]).buffer);
    return this.emit(op.f64Const, ...bytes);
  }

  /** A load or store with a constant byte offset (alignment hint: natural). */
  memory(opcode: number, offset = 0): this {
    const align = opcode === op.f64Load || opcode === op.f64Store ? 3 : 2;
    return this.emit(opcode, align, ...unsignedLeb(offset));
  }

  /** memory.fill(dest, value byte, length), all three on the stack. */
  memoryFill(): this {
    return this.emit(0xfc, ...unsignedLeb(11), 0x00);
  }

  /** `for (counter = from; counter < to; counter += step) body`, with from / to / step as code that
   *  pushes an i32. Inside the body, br depth 0 continues the loop and depth 1 leaves it. */
  forRange(counter: Local, from: () => void, to: () => void, body: () => void, step: () => void = () => this.i32(1)): this {
    from();
    this.set(counter);
    this.emit(op.block, EMPTY, op.loop, EMPTY);
    this.get(counter);
    to();
    this.emit(op.i32GeS, op.brIf, 1);
    body();
    this.get(counter);
    step();
    this.emit(op.i32Add);
    this.set(counter);
    this.emit(op.br, 0, op.end, op.end);
    return this;
  }

  /** `if (condition on the stack) then()`. */
  ifThen(then: () => void): this {
    this.emit(op.if, EMPTY);
    then();
    return this.emit(op.end);
  }

  encode(): { type: number[]; body: number[] } {
    const type = [0x60, ...vector(this.params.map((p) => [VALUE_TYPE[p.type]])), ...vector(this.resultType ? [[VALUE_TYPE[this.resultType]]] : [])];
    // Locals are declared in runs of one type.
    const runs: number[][] = [];
    for (const l of this.locals) {
      const last = runs[runs.length - 1];
      if (last && last[1] === VALUE_TYPE[l.type]) last[0]++;
      else runs.push([1, VALUE_TYPE[l.type]]);
    }
    const declared = [...unsignedLeb(runs.length), ...runs.flatMap(([count, t]) => [...unsignedLeb(count), t])];
    const content = [...declared, ...this.code, op.end];
    return { type, body: [...unsignedLeb(content.length), ...content] };
  }
}

/** A module of `functions` that imports its memory as env.memory. */
export function assembleModule(functions: readonly FunctionBuilder[]): Uint8Array {
  const encoded = functions.map((f) => f.encode());
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vector(encoded.map((e) => e.type))),
    // import "env" "memory": memory type, limits without maximum, at least 1 page.
    ...section(2, vector([[...name('env'), ...name('memory'), 0x02, 0x00, 0x01]])),
    ...section(3, vector(encoded.map((_, i) => unsignedLeb(i)))),
    ...section(7, vector(functions.map((f, i) => [...name(f.exportName), 0x00, ...unsignedLeb(i)]))),
    ...section(10, vector(encoded.map((e) => e.body))),
  ];
  return Uint8Array.from(bytes);
}
