// Writes Keras 3 `.keras` files without Python, laid out as keras-team/keras' saving_lib.py lays them out,
// so tests (and examples) can make them: a zip (stored, not deflated, as Python's zipfile writes by
// default) of metadata.json, config.json and model.weights.h5, in that order. In the h5 each layer's
// variables are `layers/<key>/vars/<i>`, `<key>` being the layer's class in snake case numbered from the
// second of a class on (dense, dense_1), over model.layers, which for a Sequential leaves out its InputLayer.
// The key is computed here independently of model/files/keras3.ts, from Keras' source, so the reader is
// tested against the format rather than against itself. The config builders below give Keras 3's JSON
// shapes (serialize_keras_object: {module, class_name, config, registered_name, build_config}).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strToU8, zipSync } from 'fflate';
import h5wasm from 'h5wasm/node';

/** One variable: its shape and row-major values. */
export interface Keras3Variable {
  shape: number[];
  values: ArrayLike<number>;
}

export type Json = Record<string, unknown>;

export interface Keras3WriteOptions {
  /** Keras >= 3.6 writes a `vars` group with a `name` attribute for every saveable that has a name (the
   *  model at the root, every layer, weightless or not); Keras 3.0-3.5 only the groups of layers with
   *  variables, unnamed. Default true. */
  nameAttributes?: boolean;
  /** Variables of a compiled model's optimizer (`optimizer/vars/<i>`), which a reader must skip. */
  optimizer?: Keras3Variable[];
  /** Archive entries to leave out, to make broken files. */
  omit?: string[];
  /** Bytes to put in place of model.weights.h5, to make broken files. */
  weightsBytes?: Uint8Array;
  kerasVersion?: string;
}

// ---------------------------------------------------------------------------------------------------
// config.json builders

export function dtypePolicy(name = 'float32'): Json {
  return { module: 'keras', class_name: 'DTypePolicy', config: { name }, registered_name: null };
}

export function kerasObject(module: string, className: string, config: Json = {}): Json {
  return { module, class_name: className, config, registered_name: null };
}

/** A layer of keras.layers as Keras 3 serializes it. `inbound` (functional models) lists its calls. */
export function keras3Layer(className: string, config: Json & { name: string }, opts: { inputShape?: (number | null)[]; inbound?: Json[] } = {}): Json {
  const layer: Json = { module: 'keras.layers', class_name: className, config: { trainable: true, dtype: dtypePolicy(), ...config }, registered_name: null };
  if (opts.inputShape) layer.build_config = { input_shape: opts.inputShape };
  if (opts.inbound) {
    layer.name = config.name;
    layer.inbound_nodes = opts.inbound;
  }
  return layer;
}

/** keras.Input(shape, name): an InputLayer, whose dtype Keras 3 writes as a plain string. */
export function keras3Input(name: string, shape: number[], functional = false): Json {
  const layer: Json = {
    module: 'keras.layers',
    class_name: 'InputLayer',
    config: { batch_shape: [null, ...shape], dtype: 'float32', sparse: false, ragged: false, name, optional: false },
    registered_name: null,
  };
  if (functional) Object.assign(layer, { name, inbound_nodes: [] });
  return layer;
}

/** A call's inputs: {args, kwargs}, the tensors as __keras_tensor__ with their keras_history. */
export function keras3Call(args: unknown[], kwargs: Json = {}): Json {
  return { args, kwargs };
}

export function kerasTensor(layer: string, shape: (number | null)[], node = 0, tensor = 0): Json {
  return { class_name: '__keras_tensor__', config: { shape, dtype: 'float32', keras_history: [layer, node, tensor] } };
}

export function keras3Sequential(name: string, layers: Json[]): Json {
  const first = layers[0]?.config as Json | undefined;
  const shape = first?.batch_shape;
  return {
    module: 'keras',
    class_name: 'Sequential',
    config: { name, trainable: true, dtype: dtypePolicy(), layers, ...(shape ? { build_input_shape: shape } : {}) },
    registered_name: null,
    build_config: { input_shape: shape ?? null },
  };
}

/** A functional model; `inputs`/`outputs` one [layer, node, tensor] each or a list of them, as Keras 3
 *  writes a single input bare. */
export function keras3Functional(name: string, layers: Json[], inputs: unknown[], outputs: unknown[]): Json {
  return {
    module: 'keras.src.models.functional',
    class_name: 'Functional',
    config: { name, trainable: true, layers, input_layers: inputs, output_layers: outputs },
    registered_name: 'Functional',
    build_config: { input_shape: null },
  };
}

// ---------------------------------------------------------------------------------------------------
// model.weights.h5 and the archive

/** keras/src/utils/naming.py to_snake_case. */
function toSnakeCase(name: string): string {
  let s = name.replace(/\W+/g, '');
  s = s.replace(/(.)([A-Z][a-z]+)/g, '$1_$2');
  return s.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}

/** The h5 key of every layer of model.layers, by layer name (saving_lib._get_unique_name). */
export function keras3LayerKeys(config: Json): Map<string, string> {
  const inner = config.config as Json;
  let layers = inner.layers as Json[];
  if (config.class_name === 'Sequential' && layers[0]?.class_name === 'InputLayer') layers = layers.slice(1);
  const used = new Map<string, number>();
  const keys = new Map<string, string>();
  for (const layer of layers) {
    const base = toSnakeCase(layer.class_name as string);
    const n = used.get(base);
    used.set(base, n === undefined ? 0 : n + 1);
    keys.set((layer.config as Json).name as string, n === undefined ? base : `${base}_${n + 1}`);
  }
  return keys;
}

/** The bytes of model.weights.h5 for a config.json object and each layer's variables (by layer name, in
 *  save order: vars/0, vars/1, ...). */
export async function keras3WeightsH5(config: Json, weights: Record<string, Keras3Variable[]>, options: Keras3WriteOptions = {}): Promise<Uint8Array> {
  await h5wasm.ready;
  const named = options.nameAttributes ?? true;
  const keys = keras3LayerKeys(config);
  for (const name of Object.keys(weights)) if (!keys.has(name)) throw new Error(`keras3-writer: no layer "${name}" in the config`);
  // h5wasm's node build writes to the host's file system, so the file is made in a temp dir and read back.
  const dir = mkdtempSync(join(tmpdir(), 'keras3-writer-'));
  try {
    const path = join(dir, 'model.weights.h5');
    const f = new h5wasm.File(path, 'w');
    const vars = (at: InstanceType<typeof h5wasm.Group>, name: string | undefined, values: Keras3Variable[]): void => {
      const g = at.create_group('vars');
      if (name !== undefined) g.create_attribute('name', name);
      values.forEach((v, i) => g.create_dataset({ name: String(i), data: Float32Array.from(v.values), shape: v.shape, dtype: '<f' }));
    };
    if (named) vars(f, (config.config as Json).name as string, []);
    const layersGroup = f.create_group('layers');
    for (const [name, key] of keys) {
      const values = weights[name] ?? [];
      if (named || values.length > 0) vars(layersGroup.create_group(key), named ? name : undefined, values);
    }
    if (options.optimizer) vars(f.create_group('optimizer'), named ? 'adam' : undefined, options.optimizer);
    f.close();
    return new Uint8Array(readFileSync(path));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The bytes of a `.keras` file. */
export async function keras3Archive(config: Json, weights: Record<string, Keras3Variable[]>, options: Keras3WriteOptions = {}): Promise<Uint8Array> {
  const entries: Record<string, Uint8Array> = {
    'metadata.json': strToU8(JSON.stringify({ keras_version: options.kerasVersion ?? '3.16.0', date_saved: '2026-01-01@00:00:00' })),
    'config.json': strToU8(JSON.stringify(config)),
    'model.weights.h5': options.weightsBytes ?? (await keras3WeightsH5(config, weights, options)),
  };
  for (const name of options.omit ?? []) delete entries[name];
  return zipSync(entries, { level: 0 });
}

/** Writes a `.keras` file. */
export async function writeKeras3File(path: string, config: Json, weights: Record<string, Keras3Variable[]>, options: Keras3WriteOptions = {}): Promise<void> {
  writeFileSync(path, await keras3Archive(config, weights, options));
}
