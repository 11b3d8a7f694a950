// Reads a Keras 3 `.keras` file into the neutral form of artifact.ts. The format, as keras-team/keras
// writes it (keras/src/saving/saving_lib.py, serialization_lib.py, models/functional.py):
//  - a zip of config.json (the model serialized by serialize_keras_object), metadata.json (keras_version,
//    date_saved) and model.weights.h5 (the weights; `.npz` instead when saved with weights_format='npz');
//  - in the h5, a layer's variables are the datasets `layers/<key>/vars/0`, `1`, ... in the order of
//    Layer.save_own_variables: its trainable variables, then its non-trainable ones, each in creation
//    order (Dense: kernel, bias; BatchNormalization: gamma, beta, moving_mean, moving_variance);
//  - `<key>` is not the layer's name but its class in snake case, numbered from the second of a class on
//    (`dense`, `dense_1`; _save_container_state over model.layers), and Sequential.layers leaves out the
//    InputLayer that its config lists first; Keras >= 3.6 also writes the layer's name as the `name`
//    attribute of each `vars` group, which is preferred when present. Keras 2.13's
//    `_layer_checkpoint_dependencies` in place of `layers` is accepted as Keras' own loader accepts it;
//  - config.json is Keras 3's form: every object as {module, class_name, config, registered_name,
//    build_config}, dtypes as DTypePolicy objects, InputLayer's `batch_shape`, and functional calls as
//    {args, kwargs} with inputs as `__keras_tensor__` objects carrying keras_history [layer, node, tensor].
// The topology is rewritten into the Keras 2 form TF.js writes (the test loads it with tfjs-layers'
// modelFromJSON) and the weights are named `<layer name>/<weight>` with TF.js' weight names.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { unzipSync } from 'fflate';
import { type InboundRef, ModelFileError, type ModelArtifact, type NamedWeight, type Topology, type TopologyLayer } from './artifact.js';
import { endpoints } from './tfjs-artifact.js';

type H5Wasm = (typeof import('h5wasm/node'))['default'];
type H5Group = InstanceType<H5Wasm['Group']>;
type H5Dataset = InstanceType<H5Wasm['Dataset']>;

let loading: Promise<H5Wasm> | undefined;
/** h5wasm, loaded on first use: importing it compiles HDF5's wasm (about 0.1 s and 40 MB), which the
 *  processes that never read a .keras file (workers, the coordinator) should not pay for. */
function hdf5(): Promise<H5Wasm> {
  loading ??= import('h5wasm/node').then(async ({ default: lib }) => {
    await lib.ready;
    return lib;
  });
  return loading;
}

const CONFIG = 'config.json';
const WEIGHTS = 'model.weights.h5';
const MODEL_CLASSES = new Set(['Sequential', 'Functional', 'Model']);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads a `.keras` file. */
export async function readKeras3Model(file: string): Promise<ModelArtifact> {
  const path = resolve(file);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ModelFileError(`${path} ${code === 'ENOENT' ? 'is missing' : `cannot be read (${(err as Error).message})`}`, path);
  }
  return readKeras3Bytes(bytes, path);
}

/** Reads the bytes of a `.keras` file; `file` names it in errors and in the artifact. */
export async function readKeras3Bytes(bytes: Uint8Array, file: string): Promise<ModelArtifact> {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes, { filter: (f) => f.name === CONFIG || f.name === WEIGHTS || f.name === 'model.weights.npz' });
  } catch (err) {
    throw new ModelFileError(`${file} is not a Keras 3 .keras file: it cannot be read as a zip archive (${(err as Error).message})`, file);
  }
  const configBytes = entries[CONFIG];
  if (!configBytes) throw new ModelFileError(`${file}: the archive has no ${CONFIG}`, file);
  let config: unknown;
  try {
    config = JSON.parse(Buffer.from(configBytes.buffer, configBytes.byteOffset, configBytes.byteLength).toString('utf8'));
  } catch (err) {
    throw new ModelFileError(`${file}: ${CONFIG} is not valid JSON: ${(err as Error).message}`, file);
  }
  const topology = keras3Topology(config, file);
  const h5 = entries[WEIGHTS];
  if (!h5) {
    const npz = entries['model.weights.npz'] ? " (it holds model.weights.npz: re-save with Keras' default weights_format='h5')" : '';
    throw new ModelFileError(`${file}: the archive has no ${WEIGHTS}${npz}`, file);
  }
  return { file, format: 'keras3', topology, weights: await readWeights(h5, topology, file) };
}

// ---------------------------------------------------------------------------------------------------
// config.json -> Keras 2 topology

/** The Keras 2 topology (artifact.ts) of a Keras 3 config.json. */
export function keras3Topology(json: unknown, file: string): Topology {
  if (!isObject(json) || typeof json.class_name !== 'string' || !isObject(json.config))
    throw new ModelFileError(`${file}: ${CONFIG} is not a Keras model config (no class_name and config)`, file);
  const cls = json.class_name;
  const raw = json.config;
  if (!MODEL_CLASSES.has(cls) || !Array.isArray(raw.layers)) {
    throw new ModelFileError(
      `${file}: ${CONFIG} describes a ${cls} whose config lists no layers; only Sequential and functional models are read (a subclassed model's layers live in its Python code)`,
      file,
    );
  }
  const functional = cls !== 'Sequential';
  const layers = raw.layers.map((l: unknown, i) => convertLayer(l, i, functional, file));
  const name = typeof raw.name === 'string' ? raw.name : undefined;
  if (!functional) {
    // A Sequential built without an Input has no InputLayer; its input shape is in build_input_shape.
    const first = layers[0];
    const built = raw.build_input_shape ?? (isObject(raw.layers[0]) && isObject(raw.layers[0].build_config) ? raw.layers[0].build_config.input_shape : undefined);
    if (first && first.class_name !== 'InputLayer' && first.config.batch_input_shape === undefined && Array.isArray(built)) first.config.batch_input_shape = built;
    return { class_name: 'Sequential', config: { ...(name === undefined ? {} : { name }), layers } };
  }
  return {
    class_name: 'Functional',
    config: {
      ...(name === undefined ? {} : { name }),
      layers,
      input_layers: endpoints(raw.input_layers, 'input_layers', file),
      output_layers: endpoints(raw.output_layers, 'output_layers', file),
    },
  };
}

function convertLayer(raw: unknown, i: number, functional: boolean, file: string): TopologyLayer {
  if (!isObject(raw) || typeof raw.class_name !== 'string' || !isObject(raw.config)) throw new ModelFileError(`${file}: ${CONFIG} layer #${i} has no class_name and config`, file);
  const config = plain(raw.config) as Record<string, unknown>;
  const name = typeof config.name === 'string' ? config.name : raw.name;
  if (typeof name !== 'string') throw new ModelFileError(`${file}: ${CONFIG} layer #${i} (${raw.class_name}) has no name`, file);
  const where = `layer "${name}" (${raw.class_name})`;
  if (MODEL_CLASSES.has(raw.class_name)) throw new ModelFileError(`${file}: ${where} is a nested model; nested models are not read`, file);
  if (typeof config.dtype === 'string') {
    // Quantized policies ("int8_from_float32", ...) store integer kernels and scales, not the float weights.
    if (/int8|int4|float8|gptq|awq|ternary|_from_/.test(config.dtype))
      throw new ModelFileError(`${file}: ${where} is quantized (dtype policy ${config.dtype}); quantized weights are not read`, file);
    // Mixed policies compute in 16 bits but keep float32 variables, which are what the file holds.
    if (config.dtype.startsWith('mixed_')) config.dtype = 'float32';
  }
  if (raw.class_name === 'InputLayer') {
    // Keras 2 and TF.js call Keras 3's batch_shape batch_input_shape; `optional` is Keras 3's alone.
    if (config.batch_shape !== undefined) config.batch_input_shape = config.batch_shape;
    delete config.batch_shape;
    delete config.optional;
  }
  const layer: TopologyLayer = { class_name: raw.class_name, config: { ...config, name } };
  if (functional) {
    layer.name = name;
    layer.inbound_nodes = inboundNodes(raw.inbound_nodes, where, file);
  }
  return layer;
}

/** A config value with Keras 3's serialization wrappers taken off: {module, class_name, config,
 *  registered_name} becomes Keras 2's {class_name, config}, a dtype policy its name, and arrays or
 *  tensors serialized as __numpy__/__tensor__ their values. */
function plain(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(plain);
  if (!isObject(v)) return v;
  if (typeof v.class_name === 'string' && 'config' in v) {
    const inner = v.config;
    if (v.class_name === '__numpy__' || v.class_name === '__tensor__') return isObject(inner) ? inner.value : inner;
    if (v.class_name.endsWith('DTypePolicy')) return isObject(inner) && typeof inner.name === 'string' ? inner.name : v.class_name;
    if ('module' in v || 'registered_name' in v) return { class_name: v.class_name, config: plain(inner) };
  }
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
}

function isKerasTensor(v: unknown): v is { config: { keras_history: unknown } } {
  return isObject(v) && v.class_name === '__keras_tensor__' && isObject(v.config);
}

/** Keras 3's calls ({args, kwargs}, inputs as __keras_tensor__) as Keras 2's [[layer, node, tensor,
 *  kwargs], ...]; Keras 2's list form, which Keras 3 still loads (functional.deserialize_node), is kept. */
function inboundNodes(raw: unknown, where: string, file: string): InboundRef[][] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new ModelFileError(`${file}: ${where}: inbound_nodes is not a list`, file);
  return raw.map((node: unknown): InboundRef[] => {
    if (Array.isArray(node)) return node as InboundRef[];
    if (!isObject(node)) throw new ModelFileError(`${file}: ${where}: an inbound node is neither {args, kwargs} nor a list`, file);
    if (JSON.stringify(node.kwargs ?? {}).includes('"__keras_tensor__"')) {
      throw new ModelFileError(`${file}: ${where} takes a tensor as a keyword argument; only positional tensor inputs are read`, file);
    }
    const kwargs = (plain(node.kwargs ?? {}) ?? {}) as Record<string, unknown>;
    const refs: InboundRef[] = [];
    const collect = (arg: unknown): void => {
      if (Array.isArray(arg)) return arg.forEach(collect);
      const h = isKerasTensor(arg) ? arg.config.keras_history : undefined;
      if (!Array.isArray(h) || h.length !== 3 || typeof h[0] !== 'string' || !Number.isInteger(h[1]) || !Number.isInteger(h[2])) {
        throw new ModelFileError(`${file}: ${where} is called with ${JSON.stringify(arg)}; only Keras tensors with a keras_history [layer, node, tensor] are read as inputs`, file);
      }
      refs.push([h[0], h[1] as number, h[2] as number, kwargs]);
    };
    collect(node.args ?? []);
    return refs;
  });
}

// ---------------------------------------------------------------------------------------------------
// model.weights.h5 -> named weights

const withBias = (c: Record<string, unknown>, names: string[]): string[] => (c.use_bias === false ? names : [...names, 'bias']);
const KERNEL_AND_BIAS = (c: Record<string, unknown>): string[] => withBias(c, ['kernel']);

/** The TF.js names of a layer's variables in Keras 3's save order (vars/0, vars/1, ...), for the layer
 *  classes whose variables are known; undefined for others. Keras 3 calls DepthwiseConv's kernel `kernel`
 *  (layers/convolutional/base_depthwise_conv.py); TF.js and Keras 2 call it `depthwise_kernel`. */
export function keras3WeightNames(layer: TopologyLayer): string[] | undefined {
  const c = layer.config;
  const on = (flag: unknown, name: string): string[] => (flag === false ? [] : [name]);
  switch (layer.class_name) {
    case 'Dense':
    case 'Conv1D':
    case 'Conv2D':
    case 'Conv3D':
    case 'Conv1DTranspose':
    case 'Conv2DTranspose':
    case 'Conv3DTranspose':
      return KERNEL_AND_BIAS(c);
    case 'DepthwiseConv1D':
    case 'DepthwiseConv2D':
      return withBias(c, ['depthwise_kernel']);
    case 'SeparableConv1D':
    case 'SeparableConv2D':
      return withBias(c, ['depthwise_kernel', 'pointwise_kernel']);
    case 'BatchNormalization':
      return [...on(c.scale, 'gamma'), ...on(c.center, 'beta'), 'moving_mean', 'moving_variance'];
    case 'LayerNormalization':
      return c.rms_scaling === true ? ['gamma'] : [...on(c.scale, 'gamma'), ...on(c.center, 'beta')];
    case 'Embedding':
      return ['embeddings'];
    case 'PReLU':
      return ['alpha'];
    default:
      return undefined;
  }
}

/** Keras' naming.to_snake_case. */
export function kerasSnakeCase(name: string): string {
  return name
    .replace(/\W+/g, '')
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/** A member of a group, or undefined; looked up among the group's keys because h5wasm's get() on a path
 *  through a dataset answers with a bogus group rather than null. */
function child(lib: H5Wasm, g: H5Group | undefined, key: string): H5Group | H5Dataset | undefined {
  if (!g || !g.keys().includes(key)) return undefined;
  const e = g.get(key);
  return e instanceof lib.Group || e instanceof lib.Dataset ? e : undefined;
}

function group(lib: H5Wasm, g: H5Group | undefined, key: string): H5Group | undefined {
  const e = child(lib, g, key);
  return e instanceof lib.Group ? e : undefined;
}

function nameAttribute(vars: H5Group): string | undefined {
  const v = 'name' in vars.attrs ? vars.attrs.name.value : undefined;
  return typeof v === 'string' ? v : undefined;
}

/** HDF5's signature, at the start of the file or of a user block (512, 1024, ... bytes in). */
function isHdf5(bytes: Uint8Array): boolean {
  const sig = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
  for (let at = 0; at + sig.length <= bytes.length; at = at === 0 ? 512 : at * 2) if (sig.every((b, i) => bytes[at + i] === b)) return true;
  return false;
}

async function readWeights(h5: Uint8Array, topology: Topology, file: string): Promise<NamedWeight[]> {
  // Checked first: h5wasm prints HDF5's error stack to stderr when asked to open something else.
  if (!isHdf5(h5)) throw new ModelFileError(`${file}: ${WEIGHTS} is not an HDF5 file`, file);
  const lib = await hdf5();
  // h5wasm's node build reads the host's file system (NODERAWFS), so the bytes go to a private temp file.
  const dir = await mkdtemp(join(tmpdir(), 'hybrid-keras3-'));
  try {
    const path = join(dir, WEIGHTS);
    await writeFile(path, h5);
    const f = new lib.File(path, 'r');
    try {
      return weightsOf(lib, f, topology, file);
    } finally {
      f.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function weightsOf(lib: H5Wasm, f: H5Group, topology: Topology, file: string): NamedWeight[] {
  const rootName = f.keys().includes('layers') || !f.keys().includes('_layer_checkpoint_dependencies') ? 'layers' : '_layer_checkpoint_dependencies';
  const root = group(lib, f, rootName);
  // Keras >= 3.6 names each saveable in its vars group: those names find a layer whatever its position.
  const named = new Map<string, string>();
  for (const key of root?.keys() ?? []) {
    const vars = group(lib, group(lib, root, key), 'vars');
    const n = vars && nameAttribute(vars);
    if (n !== undefined) named.set(n, key);
  }
  const used = new Map<string, number>();
  const out: NamedWeight[] = [];
  topology.config.layers.forEach((layer, i) => {
    if (topology.class_name === 'Sequential' && i === 0 && layer.class_name === 'InputLayer') return;
    // saving_lib._get_unique_name: the first of a class takes the bare name, the next ones _1, _2, ...
    const base = kerasSnakeCase(layer.class_name);
    const n = used.get(base);
    used.set(base, n === undefined ? 0 : n + 1);
    const key = named.get(layer.config.name) ?? (n === undefined ? base : `${base}_${n + 1}`);
    const path = `${rootName}/${key}/vars`;
    let vars = group(lib, group(lib, root, key), 'vars');
    const owner = vars && nameAttribute(vars);
    if (owner !== undefined && owner !== layer.config.name) vars = undefined;
    const count = vars?.keys().length ?? 0;
    const names = keras3WeightNames(layer);
    const where = `layer "${layer.config.name}" (${layer.class_name})`;
    if (names === undefined) {
      if (count > 0) throw new ModelFileError(`${file}: ${WEIGHTS} holds ${count} variables for ${where} at ${path}, whose weight names this reader does not know`, file);
      return;
    }
    if (names.length === 0) return;
    if (!vars) throw new ModelFileError(`${file}: ${WEIGHTS} has no group ${path} holding the weights of ${where}`, file);
    if (count !== names.length) throw new ModelFileError(`${file}: ${WEIGHTS} holds ${count} variables at ${path} but ${where} has ${names.length} (${names.join(', ')})`, file);
    names.forEach((weight, k) => {
      const ds = child(lib, vars, String(k));
      if (!(ds instanceof lib.Dataset)) throw new ModelFileError(`${file}: ${WEIGHTS} has no dataset ${path}/${k} (${layer.config.name}/${weight})`, file);
      out.push({ name: `${layer.config.name}/${weight}`, shape: ds.shape ?? [], values: floatValues(ds, `${path}/${k}`, file) });
    });
  });
  return out;
}

/** A dataset's values as float32: float32 as stored, float64 narrowed; anything else (integers, half
 *  floats, bfloat16 tagged by Keras' `dtype` attribute) is refused. */
function floatValues(ds: H5Dataset, path: string, file: string): Float32Array {
  const meta = ds.metadata;
  const tagged = 'dtype' in ds.attrs ? ds.attrs.dtype.value : undefined;
  // HDF5 type class 1 is H5T_FLOAT.
  if (tagged === undefined && meta.type === 1 && (meta.size === 4 || meta.size === 8)) {
    const v = ds.value;
    if (typeof v === 'number') return Float32Array.of(v);
    if (v instanceof Float32Array) return v;
    if (v instanceof Float64Array) return Float32Array.from(v);
  }
  const dtype = typeof tagged === 'string' ? tagged : typeof ds.dtype === 'string' ? ds.dtype : JSON.stringify(ds.dtype);
  throw new ModelFileError(`${file}: ${WEIGHTS} dataset ${path} is ${dtype}; only float32 and float64 weights are read`, file);
}
