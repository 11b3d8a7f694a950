// Reads a TF.js LayersModel artefact (model.json and the weight shards its manifest names) into the
// neutral form of artifact.ts. Accepted as tfjs-layers' own loader accepts them (models.js,
// loadLayersModelFromIOHandler): the topology under `modelTopology` or under `modelTopology.model_config`
// (tensorflowjs_converter), a Sequential `config` as `{name, layers}` or, in old files, the bare layer list.
// The shards are concatenated in manifest order and the weights laid end to end over them, as
// tf.io.decodeWeights does; the byte count is checked first so that a truncated or missing shard is
// reported by file rather than as a misread weight.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { requireLittleEndian } from '../../lib/byte-order.js';
import { ModelFileError, type ModelArtifact, type NamedWeight, type Topology, type TopologyLayer } from './artifact.js';

/** One weight of a manifest, as TF.js writes it (tf.io.WeightsManifestEntry). */
interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  group?: string;
  quantization?: { dtype: string; min?: number; scale?: number };
}

/** One group of a manifest: its shard files, in order, and the weights laid over their concatenation. */
interface ManifestGroup {
  paths: string[];
  weights: WeightSpec[];
}

const TOPOLOGY_CLASSES = new Set(['Sequential', 'Functional', 'Model']);
// Bytes per stored value, by stored type (tfjs-core's DTYPE_VALUE_SIZE_MAP plus the quantized types).
const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8, uint8: 1, uint16: 2, float16: 2 };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads `file` (a model.json) and its weight shards. */
export async function readTfjsModel(file: string): Promise<ModelArtifact> {
  const path = resolve(file);
  const json = parseJson(await readBytes(path, path, 'model.json'), path);
  if (!isObject(json) || !('modelTopology' in json)) throw new ModelFileError(`${path}: no "modelTopology": not a TF.js LayersModel model.json`, path);
  if (json.format !== undefined && json.format !== 'layers-model') {
    throw new ModelFileError(`${path}: format ${JSON.stringify(json.format)} is not a LayersModel ("layers-model"); graph models from tensorflowjs_converter cannot be read`, path);
  }
  const topology = tfjsTopology(json.modelTopology, path);
  const groups = manifest(json.weightsManifest, path);
  const shards = await Promise.all(groups.map((g) => Promise.all(g.paths.map((p) => readBytes(resolve(dirname(path), p), path, `weight shard ${p}`)))));
  return { file: path, format: 'tfjs', topology, weights: decodeWeights(groups, shards, topology, path) };
}

async function readBytes(path: string, file: string, what: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'is missing' : `cannot be read (${(err as Error).message})`;
    throw new ModelFileError(path === file ? `${file} ${why}` : `${file}: ${what} (${path}) ${why}`, file);
  }
}

function parseJson(bytes: Uint8Array, file: string): unknown {
  try {
    return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch (err) {
    throw new ModelFileError(`${file} is not valid JSON: ${(err as Error).message}`, file);
  }
}

/** The Keras 2 topology of a model.json's `modelTopology`, in the one form of artifact.ts: the converter's
 *  `model_config` wrapper unwrapped, a bare Sequential layer list given its `{layers}` object, and every
 *  layer's name in its config (functional files also repeat it beside class_name). */
export function tfjsTopology(modelTopology: unknown, file: string): Topology {
  let t = modelTopology;
  if (isObject(t) && t.model_config != null) t = t.model_config;
  if (!isObject(t) || typeof t.class_name !== 'string') throw new ModelFileError(`${file}: "modelTopology" has no class_name: not a Keras model topology`, file);
  if (!TOPOLOGY_CLASSES.has(t.class_name)) {
    throw new ModelFileError(`${file}: the model's class is "${t.class_name}"; only Sequential and functional (Model/Functional) topologies are read`, file);
  }
  const raw = Array.isArray(t.config) ? { layers: t.config as unknown } : t.config;
  if (!isObject(raw) || !Array.isArray(raw.layers)) throw new ModelFileError(`${file}: the topology's config lists no layers`, file);
  const layers = raw.layers.map((l: unknown, i): TopologyLayer => {
    if (!isObject(l) || typeof l.class_name !== 'string' || !isObject(l.config)) throw new ModelFileError(`${file}: topology layer #${i} has no class_name and config`, file);
    const name = typeof l.config.name === 'string' ? l.config.name : l.name;
    if (typeof name !== 'string') throw new ModelFileError(`${file}: topology layer #${i} (${l.class_name}) has no name`, file);
    const layer: TopologyLayer = { class_name: l.class_name, config: { ...l.config, name } };
    if (l.name !== undefined) layer.name = name;
    if (Array.isArray(l.inbound_nodes)) layer.inbound_nodes = l.inbound_nodes as TopologyLayer['inbound_nodes'];
    return layer;
  });
  const config: Topology['config'] = { ...(raw as Topology['config']), layers };
  if (t.class_name !== 'Sequential') {
    config.input_layers = endpoints(raw.input_layers, 'input_layers', file);
    config.output_layers = endpoints(raw.output_layers, 'output_layers', file);
  }
  return { class_name: t.class_name as Topology['class_name'], config };
}

/** A functional model's input_layers or output_layers as a list of [layer, node, tensor]. Keras writes
 *  them in the structure of the model's inputs: a list, a dict for named inputs, and (Keras 3) a bare
 *  triple for a single one; tfjs-layers and artifact.ts take the list. */
export function endpoints(v: unknown, what: string, file: string): [string, number, number][] {
  if (Array.isArray(v) && v.length === 3 && typeof v[0] === 'string' && Number.isInteger(v[1]) && Number.isInteger(v[2])) return [v as [string, number, number]];
  const list = Array.isArray(v) ? v : isObject(v) ? Object.values(v) : undefined;
  if (!list || list.length === 0) throw new ModelFileError(`${file}: the functional model's config has no ${what}`, file);
  return list.flatMap((x) => endpoints(x, what, file));
}

function manifest(raw: unknown, file: string): ManifestGroup[] {
  // A model.json without weights describes an architecture only; hybrid reads files for their weights.
  if (!Array.isArray(raw)) throw new ModelFileError(`${file}: no "weightsManifest": the file carries no weights`, file);
  return raw.map((g: unknown, i): ManifestGroup => {
    if (!isObject(g) || !Array.isArray(g.paths) || !g.paths.every((p) => typeof p === 'string') || !Array.isArray(g.weights)) {
      throw new ModelFileError(`${file}: weightsManifest[${i}] needs "paths" (file names) and "weights"`, file);
    }
    const weights = g.weights.map((w: unknown, j): WeightSpec => {
      if (!isObject(w) || typeof w.name !== 'string' || typeof w.dtype !== 'string' || !Array.isArray(w.shape) || !w.shape.every((n) => Number.isInteger(n) && (n as number) >= 0)) {
        throw new ModelFileError(`${file}: weightsManifest[${i}].weights[${j}] needs a name, a dtype and a shape of non-negative integers`, file);
      }
      return w as unknown as WeightSpec;
    });
    return { paths: g.paths as string[], weights };
  });
}

/** The bytes a weight takes in the shards: its element count times the size of its stored type (the
 *  quantized type when quantized). Strings, whose length is only known by reading them, are refused. */
function byteLength(spec: WeightSpec, file: string): number {
  const stored = spec.quantization?.dtype ?? spec.dtype;
  const size = BYTES[stored];
  if (size === undefined) throw new ModelFileError(`${file}: weight "${spec.name}" is stored as ${stored}, whose size is unknown to this reader`, file);
  return spec.shape.reduce((a, b) => a * b, 1) * size;
}

function decodeWeights(groups: ManifestGroup[], shards: Uint8Array[][], topology: Topology, file: string): NamedWeight[] {
  requireLittleEndian('TF.js weight files');
  const expected = groups.map((g) => g.weights.reduce((n, w) => n + byteLength(w, file), 0));
  const actual = shards.map((s) => s.reduce((n, b) => n + b.byteLength, 0));
  const total = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
  // tfjs decodes over the concatenation of all groups, so only the grand total must agree; when it does
  // not, the groups that disagree name the shards at fault.
  if (total(expected) !== total(actual)) {
    const bad = groups.flatMap((g, i) =>
      expected[i] === actual[i] ? [] : [`${g.paths.map((p, k) => `${p} (${shards[i][k].byteLength} bytes)`).join(', ')} hold ${actual[i]} bytes but the manifest's weights take ${expected[i]}`],
    );
    throw new ModelFileError(`${file}: weight shards do not match the manifest: ${bad.join('; ') || `${total(actual)} bytes for ${total(expected)}`}`, file);
  }
  const data = new Uint8Array(total(actual));
  let at = 0;
  for (const b of shards.flat()) {
    data.set(b, at);
    at += b.byteLength;
  }
  const layers = new Map<string, TopologyLayer>(topology.config.layers.map((l) => [l.config.name, l]));
  const seen = new Map<string, string>();
  const out: NamedWeight[] = [];
  let offset = 0;
  for (const spec of groups.flatMap((g) => g.weights)) {
    const bytes = data.subarray(offset, offset + byteLength(spec, file));
    offset += bytes.byteLength;
    // Optimizer state saved with the model (includeOptimizer) is not part of the model.
    if (spec.group === 'optimizer') continue;
    const name = normaliseWeightName(spec.name, layers, file);
    const before = seen.get(name);
    if (before !== undefined) throw new ModelFileError(`${file}: weights "${before}" and "${spec.name}" both name ${name}`, file);
    seen.set(name, spec.name);
    out.push({ name, shape: [...spec.shape], values: decodeValues(spec, bytes, layers.get(name.split('/')[0]), file) });
  }
  return out;
}

/**
 * The TF.js variable name `<layer>/<weight>` of a manifest weight name. The rules:
 *  - a TensorFlow output suffix `:<n>` is dropped (`dense/kernel:0`, from converted Keras 2 HDF5 files);
 *  - the name is read from its first segment that names a layer of the topology, so a model-name prefix
 *    (`sequential/dense/kernel`) is dropped; tfjs' own loader drops it the same way for nested cells;
 *  - of what follows the layer, the last segment is the weight (`lstm/lstm_cell/kernel` is lstm/kernel,
 *    as tfjs' Container.loadWeights reads it).
 * Names by index (`dense/vars/0`, a TF.js conversion of a Keras 3 model) and names of no layer are refused.
 */
export function normaliseWeightName(raw: string, layers: ReadonlyMap<string, unknown>, file: string): string {
  const parts = raw.replace(/:\d+$/, '').split('/');
  const last = parts[parts.length - 1];
  if (/^\d+$/.test(last)) throw new ModelFileError(`${file}: weight "${raw}" is named by index (a TF.js conversion of a Keras 3 model); read the .keras file instead`, file);
  const at = parts.findIndex((p, i) => i < parts.length - 1 && layers.has(p));
  if (at < 0) throw new ModelFileError(`${file}: weight "${raw}" names no layer of the model's topology`, file);
  return `${parts[at]}/${last}`;
}

/** A weight's values as float32: float32 as stored; quantized values dequantized by tfjs' rules
 *  (io_utils.decodeWeight: uint8/uint16 as q * scale + min, float16 widened); int32 only for a layer that
 *  is not trainable (a counter or lookup table, exact as float32 up to 2^24), since a trained weight of
 *  integers cannot take float updates. */
function decodeValues(spec: WeightSpec, bytes: Uint8Array, layer: TopologyLayer | undefined, file: string): Float32Array {
  if (spec.dtype !== 'float32' && spec.dtype !== 'int32') throw new ModelFileError(`${file}: weight "${spec.name}" has dtype ${spec.dtype}; only float32 weights are read`, file);
  if (spec.dtype === 'int32' && layer?.config.trainable !== false) {
    throw new ModelFileError(`${file}: weight "${spec.name}" is int32 and its layer is trainable; only float32 weights can be trained`, file);
  }
  const copy = bytes.slice().buffer;
  const q = spec.quantization;
  let values: Float32Array;
  if (q === undefined) {
    values = spec.dtype === 'int32' ? Float32Array.from(new Int32Array(copy)) : new Float32Array(copy);
  } else if (q.dtype === 'float16') {
    if (spec.dtype !== 'float32') throw new ModelFileError(`${file}: weight "${spec.name}" is float16-quantized ${spec.dtype}; float16 quantization is for float32 weights`, file);
    values = Float32Array.from(new Uint16Array(copy), float16ToNumber);
  } else {
    if (q.dtype !== 'uint8' && q.dtype !== 'uint16') throw new ModelFileError(`${file}: weight "${spec.name}" is quantized as ${q.dtype}; tfjs quantizes to uint8, uint16 or float16`, file);
    const { min, scale } = q;
    if (typeof min !== 'number' || typeof scale !== 'number') throw new ModelFileError(`${file}: weight "${spec.name}" is ${q.dtype}-quantized without "min" and "scale"`, file);
    const stored = q.dtype === 'uint8' ? new Uint8Array(copy) : new Uint16Array(copy);
    values = Float32Array.from(stored, (v) => (spec.dtype === 'int32' ? Math.round(v * scale + min) : v * scale + min));
  }
  return values;
}

/** IEEE 754 half precision to a number (sign, 5-bit exponent, 10-bit fraction). */
function float16ToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}
