// NumPy .npy files (format versions 1, 2 and 3, as numpy/lib/format.py writes them) and .npz archives of
// them. The header is parsed as the small Python literal it is (never evaluated). Inputs become float32
// as stored, divided by `scale` when configured; labels must be non-negative integers. Large inputs are
// streamed: each example read from the file by offset when needed.
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { unzipSync } from 'fflate';
import type { NpyDatasetConfig } from '../config/user-datasets.js';
import { DataError, StreamedSplit, type ExampleSource, type Split, type TaskData } from './dataset.js';
import { impliedCount, integerNames } from './labels.js';
import { parsePyLiteral } from './py-literal.js';
import { allIndices, holdOut, keepAtMost } from './split.js';

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY
/** Inputs larger than this as float32 are streamed unless the config says otherwise. */
export const NPY_STREAM_BYTES = 2 ** 30;

export interface NpyDtype {
  descr: string;
  kind: 'f' | 'i' | 'u' | 'b';
  bytes: number;
  littleEndian: boolean;
}

export interface NpyHeader {
  /** Where the array came from, for messages: a file, or an archive and member. */
  file: string;
  version: [number, number];
  dtype: NpyDtype;
  fortranOrder: boolean;
  shape: number[];
  /** Byte offset of the data from the start of the .npy bytes. */
  dataOffset: number;
  /** Entries in the array: the product of the shape. */
  entries: number;
}

const SUPPORTED: Record<string, number[]> = { f: [2, 4, 8], i: [1, 2, 4, 8], u: [1, 2, 4, 8], b: [1] };
const KIND_NAMES: Record<string, string> = { c: 'complex', U: 'unicode string', S: 'byte string', a: 'byte string', O: 'Python object', M: 'datetime', m: 'timedelta', V: 'raw or structured' };

/** A dtype descr such as '<f4' or '|u1'; an unsupported one is an error naming the file. */
export function parseDescr(descr: string, file: string): NpyDtype {
  const m = /^([<>|=])([a-zA-Z])(\d+)$/.exec(descr);
  const what = m ? KIND_NAMES[m[2]] : undefined;
  if (!m || !SUPPORTED[m[2]]?.includes(Number(m[3]))) {
    throw new DataError(`${file}: dtype ${JSON.stringify(descr)}${what ? ` (${what})` : ''} is not supported; use a real number type: float16/32/64, int8/16/32/64, uint8/16/32/64 or bool`, file);
  }
  const bytes = Number(m[3]);
  // '=' is the writer's native order; numpy writes '<' or '>' explicitly, and '|' where order is moot.
  return { descr, kind: m[2] as NpyDtype['kind'], bytes, littleEndian: m[1] !== '>' };
}

/** Parses the header at the start of `buf` (which must hold at least the whole header). */
export function parseNpyHeader(buf: Uint8Array, file: string): NpyHeader {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < 10 || !b.subarray(0, 6).equals(MAGIC)) throw new DataError(`${file}: not a .npy file (no \\x93NUMPY magic string)`, file);
  const major = b[6];
  const minor = b[7];
  if (major < 1 || major > 3) throw new DataError(`${file}: .npy format version ${major}.${minor} is not supported (versions 1, 2 and 3 are)`, file);
  const lenBytes = major === 1 ? 2 : 4;
  if (b.length < 8 + lenBytes) throw new DataError(`${file}: truncated inside the .npy header`, file);
  const headerLen = major === 1 ? b.readUInt16LE(8) : b.readUInt32LE(8);
  const start = 8 + lenBytes;
  if (b.length < start + headerLen) throw new DataError(`${file}: truncated: the .npy header promises ${headerLen} bytes, the file has ${b.length - start} after its preamble`, file);
  const text = b.toString(major === 3 ? 'utf8' : 'latin1', start, start + headerLen);
  let dict: unknown;
  try {
    dict = parsePyLiteral(text);
  } catch (err) {
    throw new DataError(`${file}: the .npy header is not a Python literal (${(err as Error).message}): ${JSON.stringify(text.trim())}`, file);
  }
  if (!(dict instanceof Map)) throw new DataError(`${file}: the .npy header is not a dict: ${JSON.stringify(text.trim())}`, file);
  const keys = [...dict.keys()].map(String).sort();
  if (keys.join() !== 'descr,fortran_order,shape') throw new DataError(`${file}: the .npy header has keys ${keys.join(', ')}; expected descr, fortran_order, shape`, file);
  const descr: unknown = dict.get('descr');
  if (typeof descr !== 'string') throw new DataError(`${file}: structured dtypes (descr ${JSON.stringify(descr)}) are not supported`, file);
  const fortranOrder: unknown = dict.get('fortran_order');
  const shape: unknown = dict.get('shape');
  if (typeof fortranOrder !== 'boolean') throw new DataError(`${file}: fortran_order must be True or False`, file);
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) {
    throw new DataError(`${file}: shape must be a tuple of non-negative integers`, file);
  }
  const dtype = parseDescr(descr, file);
  const dims = shape as number[];
  // Column-major data would need a transpose; for 0 or 1 dimensions (or all but one of size 1) it is the same layout.
  if (fortranOrder && dims.filter((d) => d !== 1).length > 1) {
    throw new DataError(`${file}: fortran_order is True (column-major data) and that is not supported; save it with np.save(f, np.ascontiguousarray(a))`, file);
  }
  return { file, version: [major, minor], dtype, fortranOrder, shape: dims, dataOffset: start + headerLen, entries: dims.reduce((a, d) => a * d, 1) };
}

function checkDataLength(h: NpyHeader, total: number): void {
  const need = h.dataOffset + h.entries * h.dtype.bytes;
  if (total < need) throw new DataError(`${h.file}: truncated: shape (${h.shape.join(', ')}) of ${h.dtype.descr} needs ${need} bytes, the file has ${total}`, h.file);
  if (total > need) throw new DataError(`${h.file}: ${total - need} bytes after the data that shape (${h.shape.join(', ')}) of ${h.dtype.descr} holds`, h.file);
}

/** Reads the header of a .npy file without reading its data. */
export function readNpyHeader(file: string): NpyHeader & { fileBytes: number } {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException | null)?.code;
    throw new DataError(`${file}: ${code === 'ENOENT' ? 'file not found' : `cannot read (${(err as Error).message})`}`, file);
  }
  try {
    const pre = Buffer.alloc(12);
    const n = readSync(fd, pre, 0, 12, 0);
    const len = n >= 12 && pre[6] !== 1 ? pre.readUInt32LE(8) + 12 : n >= 10 ? pre.readUInt16LE(8) + 10 : n;
    const head = Buffer.alloc(Math.min(len, 1 << 24));
    const got = readSync(fd, head, 0, head.length, 0);
    const h = parseNpyHeader(head.subarray(0, got), file);
    const fileBytes = statSync(file).size;
    checkDataLength(h, fileBytes);
    return { ...h, fileBytes };
  } finally {
    closeSync(fd);
  }
}

/** A parsed array: its header and the bytes of its data. */
export interface NpyArray {
  header: NpyHeader;
  data: DataView;
}

/** A .npy file's bytes (read whole, or a member of an archive), checked. */
export function parseNpy(bytes: Uint8Array, file: string): NpyArray {
  const header = parseNpyHeader(bytes, file);
  checkDataLength(header, bytes.length);
  return { header, data: new DataView(bytes.buffer, bytes.byteOffset + header.dataOffset, header.entries * header.dtype.bytes) };
}

function readWhole(file: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException | null)?.code;
    throw new DataError(`${file}: ${code === 'ENOENT' ? 'file not found' : `cannot read (${(err as Error).message})`}`, file);
  }
}

/** The arrays `keys` of an .npz archive (members `<key>.npy`); a missing one names what the archive holds. */
export function readNpz(file: string, keys: readonly string[]): Map<string, NpyArray> {
  const wanted = new Set(keys.map((k) => `${k}.npy`));
  const members: string[] = [];
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(readWhole(file), {
      filter: (f) => {
        members.push(f.name);
        return wanted.has(f.name);
      },
    });
  } catch (err) {
    if (err instanceof DataError) throw err;
    throw new DataError(`${file}: not a valid .npz (zip) archive (${(err as Error).message})`, file);
  }
  const out = new Map<string, NpyArray>();
  for (const key of keys) {
    const bytes = files[`${key}.npy`];
    if (!bytes) throw new DataError(`${file}: no array ${JSON.stringify(key)} in the archive (it holds ${members.map((m) => m.replace(/\.npy$/, '')).join(', ') || 'nothing'})`, file);
    out.set(key, parseNpy(bytes, `${file}[${key}]`));
  }
  return out;
}

/** A reader of entry k of an array of this dtype, at byte offset o of a view. */
function getter(t: NpyDtype): (v: DataView, o: number) => number {
  const le = t.littleEndian;
  switch (`${t.kind}${t.bytes}`) {
    case 'f2':
      return (v, o) => half(v.getUint16(o, le));
    case 'f4':
      return (v, o) => v.getFloat32(o, le);
    case 'f8':
      return (v, o) => v.getFloat64(o, le);
    case 'i1':
      return (v, o) => v.getInt8(o);
    case 'i2':
      return (v, o) => v.getInt16(o, le);
    case 'i4':
      return (v, o) => v.getInt32(o, le);
    case 'i8':
      return (v, o) => Number(v.getBigInt64(o, le));
    case 'u2':
      return (v, o) => v.getUint16(o, le);
    case 'u4':
      return (v, o) => v.getUint32(o, le);
    case 'u8':
      return (v, o) => Number(v.getBigUint64(o, le));
    default: // u1, b1
      return (v, o) => v.getUint8(o);
  }
}

/** IEEE 754 half precision to a number. */
function half(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Rows `indices` of an array (each `size` entries) as float32, divided by `scale`, to out[offset ..]. */
function convertRows(view: DataView, t: NpyDtype, size: number, indices: ArrayLike<number>, scale: number, out: Float32Array, offset = 0): void {
  const get = getter(t);
  for (let k = 0; k < indices.length; k++) {
    const base = indices[k] * size * t.bytes;
    const o = offset + k * size;
    for (let j = 0; j < size; j++) out[o + j] = get(view, base + j * t.bytes) / scale;
  }
}

/** A whole .npy file as examples: its input shape and every row as float32 divided by `scale` (what
 *  `hybrid predict` reads). */
export function readNpyExamples(file: string, scale = 1): { inputShape: number[]; count: number; x: Float32Array } {
  const arr = parseNpy(readWhole(file), file);
  const inputShape = npyInputShape(arr.header);
  const size = inputShape.reduce((a, b) => a * b, 1);
  const count = arr.header.shape[0];
  const x = new Float32Array(count * size);
  convertRows(
    arr.data,
    arr.header.dtype,
    size,
    Array.from({ length: count }, (_, i) => i),
    scale,
    x,
  );
  return { inputShape, count, x };
}

/** An array of labels (n,) or (n, 1): non-negative integers (a float array only where every value is whole). */
export function labelsOf(arr: NpyArray): Int32Array {
  const { header: h, data } = arr;
  if (!(h.shape.length === 1 || (h.shape.length === 2 && h.shape[1] === 1))) {
    throw new DataError(`${h.file}: labels must have shape (n,) or (n, 1), not (${h.shape.join(', ')})`, h.file);
  }
  const get = getter(h.dtype);
  const y = new Int32Array(h.shape[0]);
  for (let i = 0; i < y.length; i++) {
    const v = get(data, i * h.dtype.bytes);
    if (!Number.isInteger(v) || v < 0 || v >= 2 ** 31) throw new DataError(`${h.file} entry ${i}: label ${v} is not a non-negative integer class`, h.file);
    y[i] = v;
  }
  return y;
}

/** The shape of one input of an array (n, ...): shape[1:], with (n, h, w) read as one-channel images. */
export function npyInputShape(h: NpyHeader): number[] {
  if (h.shape.length < 2) throw new DataError(`${h.file}: inputs must have shape (n, features) or (n, height, width[, channels]), not (${h.shape.join(', ')})`, h.file);
  const rest = h.shape.slice(1);
  if (rest.some((d) => d === 0)) throw new DataError(`${h.file}: inputs of shape (${h.shape.join(', ')}) hold no values`, h.file);
  return rest.length === 2 ? [...rest, 1] : rest;
}

/** A .npy file's examples read by offset, one readSync each. */
class NpySource implements ExampleSource {
  readonly count: number;
  readonly size: number;
  readonly description: string;
  private readonly rowBytes: number;
  private readonly buf: Buffer;

  constructor(
    private readonly h: NpyHeader,
    private readonly scale: number,
  ) {
    this.count = h.shape[0];
    this.size = h.entries / Math.max(1, h.shape[0]);
    this.rowBytes = this.size * h.dtype.bytes;
    this.buf = Buffer.alloc(this.rowBytes);
    this.description = `.npy file ${h.file}`;
  }

  read(index: number, out: Float32Array, offset: number): void {
    let n: number;
    try {
      const fd = openSync(this.h.file, 'r');
      try {
        n = readSync(fd, this.buf, 0, this.rowBytes, this.h.dataOffset + index * this.rowBytes);
      } finally {
        closeSync(fd);
      }
    } catch (err) {
      throw new DataError(`${this.h.file}: cannot read example ${index} (${(err as Error).message})`, this.h.file);
    }
    if (n !== this.rowBytes) throw new DataError(`${this.h.file}: truncated: example ${index} ends past the end of the file (was it changed after loading?)`, this.h.file);
    convertRows(new DataView(this.buf.buffer, this.buf.byteOffset, this.rowBytes), this.h.dtype, this.size, [0], this.scale, out, offset);
  }
}

interface Part {
  /** Inputs: a parsed array in memory, or a header to stream by. */
  x: NpyArray | NpyHeader;
  y: Int32Array;
  /** Where the labels came from, for messages. */
  yFile: string;
}

function inMemorySplit(arr: NpyArray, y: Int32Array, indices: Int32Array, scale: number): Split {
  const size = arr.header.entries / arr.header.shape[0];
  const x = new Float32Array(indices.length * size);
  convertRows(arr.data, arr.header.dtype, size, indices, scale, x);
  return { x, y: indices.map((i) => y[i]), count: indices.length };
}

/** A task's data from .npy files or an .npz archive. */
export function loadNpy(name: string, cfg: NpyDatasetConfig, seed: number): TaskData {
  const scale = cfg.scale ?? 1;
  const hasTest = cfg.test_x !== undefined || cfg.test_x_key !== undefined;
  if (hasTest && cfg.test !== undefined) throw new DataError('npy: give test or test arrays, not both');
  let parts: Part[];
  if (cfg.npz !== undefined) {
    const keys = [cfg.x_key ?? 'x', cfg.y_key ?? 'y', ...(cfg.test_x_key !== undefined && cfg.test_y_key !== undefined ? [cfg.test_x_key, cfg.test_y_key] : [])];
    const arrays = readNpz(cfg.npz, keys);
    const get = (k: string) => arrays.get(k)!;
    const part = (xKey: string, yKey: string): Part => ({ x: get(xKey), y: labelsOf(get(yKey)), yFile: get(yKey).header.file });
    parts = [part(keys[0], keys[1])];
    if (keys.length === 4) parts.push(part(keys[2], keys[3]));
  } else {
    if (cfg.x === undefined || cfg.y === undefined) throw new DataError('npy: give x and y (.npy files) or npz');
    const files: [string, string][] = [[cfg.x, cfg.y]];
    if (cfg.test_x !== undefined && cfg.test_y !== undefined) files.push([cfg.test_x, cfg.test_y]);
    parts = files.map(([xFile, yFile]) => {
      const h = readNpyHeader(xFile);
      const rowFloats = h.entries / Math.max(1, h.shape[0]);
      const stream = cfg.stream ?? h.shape[0] * rowFloats * Float32Array.BYTES_PER_ELEMENT > NPY_STREAM_BYTES;
      return { x: stream ? h : parseNpy(readWhole(xFile), xFile), y: labelsOf(parseNpy(readWhole(yFile), yFile)), yFile };
    });
  }
  const headerOf = (p: Part) => ('data' in p.x ? p.x.header : p.x);
  const shapes = parts.map((p) => npyInputShape(headerOf(p)));
  parts.forEach((p) => {
    const h = headerOf(p);
    if (h.shape[0] !== p.y.length) throw new DataError(`${h.file}: ${h.shape[0]} examples, but ${p.yFile} holds ${p.y.length} labels`, h.file);
    if (h.shape[0] === 0) throw new DataError(`${h.file}: no examples`, h.file);
  });
  if (shapes.length === 2 && shapes[0].join() !== shapes[1].join()) {
    const h = headerOf(parts[1]);
    throw new DataError(`${h.file}: test inputs of shape (${h.shape.join(', ')}), the training inputs are (${headerOf(parts[0]).shape.join(', ')})`, h.file);
  }
  let max = 0;
  for (const p of parts) for (const v of p.y) max = Math.max(max, v);
  const classNames = cfg.classes ?? integerNames(impliedCount(max, parts.map((p) => headerOf(p).file).join(' and ')));
  if (max >= classNames.length) {
    const p = parts.find((q) => q.y.some((v) => v >= classNames.length))!;
    const i = p.y.findIndex((v) => v >= classNames.length);
    throw new DataError(`${p.yFile} entry ${i}: label ${p.y[i]} is not a class: classes lists ${classNames.length} (labels 0..${classNames.length - 1})`, p.yFile);
  }
  const sources = new Map<Part, ExampleSource>();
  const splitOf = (p: Part, indices: Int32Array): Split => {
    if ('data' in p.x) return inMemorySplit(p.x, p.y, indices, scale);
    // One source per file, shared by the splits drawn from it.
    const source = sources.get(p) ?? new NpySource(p.x, scale);
    sources.set(p, source);
    return new StreamedSplit(
      source,
      indices,
      indices.map((i) => p.y[i]),
    );
  };
  let train: Split, test: Split;
  if (parts.length === 2) {
    train = splitOf(parts[0], keepAtMost(allIndices(parts[0].y.length), cfg.train, seed, 'npy-train'));
    test = splitOf(parts[1], allIndices(parts[1].y.length));
  } else {
    const split = holdOut(parts[0].y.length, cfg.test, cfg.train, seed, 'npy');
    train = splitOf(parts[0], split.train);
    test = splitOf(parts[0], split.test);
  }
  return { name, inputShape: shapes[0], classes: classNames.length, classNames: [...classNames], train, test };
}
