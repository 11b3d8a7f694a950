// model/files/keras3.ts: Keras 3 `.keras` files made by test/support/keras3-writer.ts (Keras' layout,
// without Python), read back into the Keras 2 topology TF.js loads and weights named as TF.js names them;
// broken archives must name the file and the entry or dataset at fault.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { strToU8, unzipSync, zipSync } from 'fflate';
import h5wasm from 'h5wasm/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelFileError, type ModelArtifact } from '../../model/files/artifact.js';
import { kerasSnakeCase, readKeras3Bytes, readKeras3Model } from '../../model/files/keras3.js';
import { modelFileFormat, readModelFile } from '../../model/files/read-model-file.js';
import {
  dtypePolicy,
  type Json,
  keras3Archive,
  keras3Call,
  keras3Functional,
  keras3Input,
  keras3Layer,
  keras3Sequential,
  type Keras3Variable,
  type Keras3WriteOptions,
  kerasObject,
  kerasTensor,
  writeKeras3File,
} from '../support/keras3-writer.js';

const root = mkdtempSync(join(tmpdir(), 'hybrid-model-files-keras3-'));
beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

let seed = 1;
function variable(...shape: number[]): Keras3Variable {
  const n = shape.reduce((a, b) => a * b, 1);
  return { shape, values: Float32Array.from({ length: n }, () => (seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) };
}

const glorot = kerasObject('keras.initializers', 'GlorotUniform', { seed: null });
const zeros = kerasObject('keras.initializers', 'Zeros');
const dense = (name: string, units: number, extra: Json = {}, inbound?: Json[]): Json =>
  keras3Layer(
    'Dense',
    { name, units, activation: 'relu', use_bias: true, kernel_initializer: glorot, bias_initializer: zeros, kernel_regularizer: null, quantization_config: null, ...extra },
    { inbound },
  );

/** Sequential: Input(8, 8, 1) -> Conv2D -> BatchNormalization(scale=False) -> MaxPooling2D -> Flatten -> Dense -> Dense(use_bias=False). */
function sequential(): { config: Json; weights: Record<string, Keras3Variable[]> } {
  const layers = [
    keras3Input('input_layer', [8, 8, 1]),
    keras3Layer('Conv2D', {
      name: 'conv',
      filters: 2,
      kernel_size: [3, 3],
      strides: [1, 1],
      padding: 'valid',
      data_format: 'channels_last',
      dilation_rate: [1, 1],
      groups: 1,
      activation: 'relu',
      use_bias: true,
      kernel_initializer: glorot,
    }),
    keras3Layer('BatchNormalization', { name: 'bn', axis: -1, momentum: 0.99, epsilon: 0.001, center: true, scale: false, synchronized: false, renorm: false, beta_initializer: zeros }),
    keras3Layer('MaxPooling2D', { name: 'pool', pool_size: [2, 2], padding: 'valid', strides: [2, 2], data_format: 'channels_last' }),
    keras3Layer('Flatten', { name: 'flatten', data_format: 'channels_last' }),
    dense('fc1', 4),
    dense('fc2', 3, { use_bias: false, activation: 'softmax' }),
  ];
  const weights = { conv: [variable(3, 3, 1, 2), variable(2)], bn: [variable(2), variable(2), variable(2)], fc1: [variable(18, 4), variable(4)], fc2: [variable(4, 3)] };
  return { config: keras3Sequential('seq', layers), weights };
}

/** Functional with a skip: x -> hidden -> skip = Add(x, hidden) -> side; out = Dense(Concatenate(skip, side)). */
function functional(): { config: Json; weights: Record<string, Keras3Variable[]> } {
  const t = (layer: string, n: number): Json => kerasTensor(layer, [null, n]);
  const layers = [
    keras3Input('x', [4], true),
    dense('hidden', 4, {}, [keras3Call([t('x', 4)])]),
    keras3Layer('Add', { name: 'skip' }, { inbound: [keras3Call([[t('x', 4), t('hidden', 4)]])] }),
    dense('side', 3, {}, [keras3Call([t('skip', 4)])]),
    keras3Layer('Concatenate', { name: 'cat', axis: -1 }, { inbound: [keras3Call([[t('skip', 4), t('side', 3)]])] }),
    dense('out', 2, { activation: 'softmax' }, [keras3Call([t('cat', 7)])]),
  ];
  const weights = { hidden: [variable(4, 4), variable(4)], side: [variable(4, 3), variable(3)], out: [variable(7, 2), variable(2)] };
  return { config: keras3Functional('fun', layers, ['x', 0, 0], ['out', 0, 0]), weights };
}

let files = 0;
async function write(model: { config: Json; weights: Record<string, Keras3Variable[]> }, options: Keras3WriteOptions = {}): Promise<string> {
  const file = join(root, `m${files++}.keras`);
  await writeKeras3File(file, model.config, model.weights, options);
  return file;
}

function expectWeights(artifact: ModelArtifact, weights: Record<string, Keras3Variable[]>, names: Record<string, string[]>): void {
  const expected = Object.entries(names).flatMap(([layer, ws]) =>
    ws.map((w, i) => ({ name: `${layer}/${w}`, shape: weights[layer][i].shape, values: Float32Array.from(weights[layer][i].values) })),
  );
  expect(artifact.weights).toEqual(expected);
}

/** The h5's dataset paths, read with h5wasm directly: Keras' layout, stated here by hand. */
async function h5Paths(archive: Uint8Array): Promise<string[]> {
  await h5wasm.ready;
  const path = join(root, `paths${files++}.h5`);
  writeFileSync(path, unzipSync(archive)['model.weights.h5']);
  const f = new h5wasm.File(path, 'r');
  const paths = f.paths().filter((p) => f.get(p) instanceof h5wasm.Dataset);
  f.close();
  return paths;
}

async function failure(p: Promise<unknown>): Promise<ModelFileError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ModelFileError);
  return err as ModelFileError;
}

/** The weights a tfjs-layers model built from the topology has, by name and shape. */
async function tfjsWeights(artifact: ModelArtifact): Promise<[string, number[]][]> {
  const model = await tfl.models.modelFromJSON({ modelTopology: artifact.topology as unknown as tf.io.ModelJSON['modelTopology'] });
  return model.weights.map((w) => [w.originalName, w.shape as number[]]);
}

describe('the writer lays files out as Keras 3 does', () => {
  it('class-based keys numbered per class, Sequential without its InputLayer, vars named 0, 1, ...', async () => {
    const m = sequential();
    expect((await h5Paths(await keras3Archive(m.config, m.weights))).sort()).toEqual([
      'layers/batch_normalization/vars/0',
      'layers/batch_normalization/vars/1',
      'layers/batch_normalization/vars/2',
      'layers/conv2d/vars/0',
      'layers/conv2d/vars/1',
      'layers/dense/vars/0',
      'layers/dense/vars/1',
      'layers/dense_1/vars/0',
    ]);
    const entries = Object.keys(unzipSync(await keras3Archive(m.config, m.weights)));
    expect(entries).toEqual(['metadata.json', 'config.json', 'model.weights.h5']);
    expect(['Conv2D', 'MaxPooling2D', 'BatchNormalization', 'DepthwiseConv2D', 'InputLayer', 'ReLU'].map(kerasSnakeCase)).toEqual([
      'conv2d',
      'max_pooling2d',
      'batch_normalization',
      'depthwise_conv2d',
      'input_layer',
      're_lu',
    ]);
  });
});

describe('Keras 3 .keras files', () => {
  it.each([true, false])('reads a Sequential model (name attributes: %s): Keras 2 topology and weights', async (nameAttributes) => {
    const m = sequential();
    const file = await write(m, { nameAttributes, optimizer: [variable(1)] });
    const artifact = await readKeras3Model(file);
    expect(artifact).toMatchObject({ file, format: 'keras3' });
    const t = artifact.topology;
    expect(t.class_name).toBe('Sequential');
    expect(t.config.name).toBe('seq');
    expect(t.config.layers.map((l) => l.class_name)).toEqual(['InputLayer', 'Conv2D', 'BatchNormalization', 'MaxPooling2D', 'Flatten', 'Dense', 'Dense']);
    expect(t.config.layers[0].config).toEqual({ batch_input_shape: [null, 8, 8, 1], dtype: 'float32', sparse: false, ragged: false, name: 'input_layer' });
    expect(t.config.layers[1].config.dtype).toBe('float32');
    expect(t.config.layers[1].config.kernel_initializer).toEqual({ class_name: 'GlorotUniform', config: { seed: null } });
    expect(JSON.stringify(t)).not.toMatch(/"module"|registered_name|build_config|DTypePolicy/);
    expectWeights(artifact, m.weights, { conv: ['kernel', 'bias'], bn: ['beta', 'moving_mean', 'moving_variance'], fc1: ['kernel', 'bias'], fc2: ['kernel'] });
    // tfjs-layers builds the model from the converted topology, with exactly these weight names and shapes.
    expect((await tfjsWeights(artifact)).sort()).toEqual(artifact.weights.map((w) => [w.name, w.shape]).sort());
  });

  it.each([true, false])('reads a functional model with a skip and a Concatenate (name attributes: %s)', async (nameAttributes) => {
    const m = functional();
    const artifact = await readKeras3Model(await write(m, { nameAttributes }));
    const t = artifact.topology;
    expect(t.class_name).toBe('Functional');
    expect(t.config.input_layers).toEqual([['x', 0, 0]]);
    expect(t.config.output_layers).toEqual([['out', 0, 0]]);
    const byName = new Map(t.config.layers.map((l) => [l.name, l]));
    expect(byName.get('x')).toMatchObject({ class_name: 'InputLayer', inbound_nodes: [], config: { batch_input_shape: [null, 4] } });
    expect(byName.get('hidden')?.inbound_nodes).toEqual([[['x', 0, 0, {}]]]);
    expect(byName.get('skip')?.inbound_nodes).toEqual([
      [
        ['x', 0, 0, {}],
        ['hidden', 0, 0, {}],
      ],
    ]);
    expect(byName.get('cat')?.inbound_nodes).toEqual([
      [
        ['skip', 0, 0, {}],
        ['side', 0, 0, {}],
      ],
    ]);
    // Layer names differ from the h5 keys (dense, dense_1, dense_2): the weights still land by position.
    expectWeights(artifact, m.weights, { hidden: ['kernel', 'bias'], side: ['kernel', 'bias'], out: ['kernel', 'bias'] });
    expect((await tfjsWeights(artifact)).sort()).toEqual(artifact.weights.map((w) => [w.name, w.shape]).sort());
  });

  it('names depthwise, separable and layer-normalization weights as tfjs-layers does', async () => {
    const conv = { kernel_size: [3, 3], strides: [1, 1], padding: 'same', data_format: 'channels_last', dilation_rate: [1, 1], depth_multiplier: 2, use_bias: true };
    const layers = [
      keras3Input('input_layer', [6, 6, 2]),
      keras3Layer('DepthwiseConv2D', { name: 'dw', ...conv }),
      keras3Layer('SeparableConv2D', { name: 'sep', ...conv, filters: 3 }),
      keras3Layer('LayerNormalization', { name: 'ln', axis: [-1], epsilon: 0.001, center: true, scale: true, rms_scaling: false }),
    ];
    const weights = { dw: [variable(3, 3, 2, 2), variable(4)], sep: [variable(3, 3, 4, 2), variable(1, 1, 8, 3), variable(3)], ln: [variable(3), variable(3)] };
    const artifact = await readKeras3Model(await write({ config: keras3Sequential('s', layers), weights }));
    expectWeights(artifact, weights, { dw: ['depthwise_kernel', 'bias'], sep: ['depthwise_kernel', 'pointwise_kernel', 'bias'], ln: ['gamma', 'beta'] });
    expect((await tfjsWeights(artifact)).sort()).toEqual(artifact.weights.map((w) => [w.name, w.shape]).sort());
  });

  it('converts call kwargs, Keras 3.0 string dtypes, mixed policies and a Sequential without InputLayer', async () => {
    const m = functional();
    const layers = (m.config.config as Json).layers as Json[];
    layers[1].inbound_nodes = [keras3Call([kerasTensor('x', [null, 4])], { training: false })];
    (layers[3].config as Json).dtype = 'float32';
    (layers[5].config as Json).dtype = dtypePolicy('mixed_float16');
    const artifact = await readKeras3Model(await write(m));
    expect(artifact.topology.config.layers[1].inbound_nodes).toEqual([[['x', 0, 0, { training: false }]]]);
    expect(artifact.topology.config.layers.map((l) => l.config.dtype)).toEqual(['float32', 'float32', 'float32', 'float32', 'float32', 'float32']);

    const s = sequential();
    const rest = ((s.config.config as Json).layers as Json[]).slice(1);
    const noInput = { config: keras3Sequential('seq', rest), weights: s.weights };
    (noInput.config.config as Json).build_input_shape = [null, 8, 8, 1];
    const seq = await readKeras3Model(await write(noInput));
    expect(seq.topology.config.layers[0].config.batch_input_shape).toEqual([null, 8, 8, 1]);
    expect(await tfjsWeights(seq)).toHaveLength(8);
  });

  it('readModelFile reads .keras files, and renamed ones by their zip signature', async () => {
    const m = sequential();
    const file = await write(m);
    expect((await readModelFile(file)).format).toBe('keras3');
    const renamed = join(root, 'model.bin');
    writeFileSync(renamed, await keras3Archive(m.config, m.weights));
    expect(await modelFileFormat(renamed)).toBe('keras3');
    expect((await readModelFile(renamed)).weights).toHaveLength(8);
  });
});

describe('broken Keras 3 files', () => {
  it('not a zip', async () => {
    const err = await failure(readKeras3Bytes(strToU8('not a zip at all'), '/x/m.keras'));
    expect(err.file).toBe('/x/m.keras');
    expect(err.message).toMatch(/^\/x\/m\.keras is not a Keras 3 \.keras file: it cannot be read as a zip archive/);
  });

  it('missing model.weights.h5, config.json, or an h5 that is not HDF5', async () => {
    const m = sequential();
    const file = await write(m, { omit: ['model.weights.h5'] });
    expect((await failure(readKeras3Model(file))).message).toBe(`${file}: the archive has no model.weights.h5`);
    const noConfig = await write(m, { omit: ['config.json'] });
    expect((await failure(readKeras3Model(noConfig))).message).toBe(`${noConfig}: the archive has no config.json`);
    const bad = await write(m, { weightsBytes: strToU8('garbage') });
    expect((await failure(readKeras3Model(bad))).message).toBe(`${bad}: model.weights.h5 is not an HDF5 file`);
    const npz = zipSync({ 'config.json': strToU8(JSON.stringify(m.config)), 'model.weights.npz': new Uint8Array(4) });
    expect((await failure(readKeras3Bytes(npz, 'n.keras'))).message).toContain("it holds model.weights.npz: re-save with Keras' default weights_format='h5'");
  });

  it("a layer's vars missing: the error names the file, the group and the layer", async () => {
    const m = sequential();
    delete m.weights.fc2;
    const file = await write(m, { nameAttributes: false });
    expect((await failure(readKeras3Model(file))).message).toBe(`${file}: model.weights.h5 has no group layers/dense_1/vars holding the weights of layer "fc2" (Dense)`);
    const named = await write(m);
    expect((await failure(readKeras3Model(named))).message).toContain('variables at layers/dense_1/vars but layer "fc2" (Dense) has 1 (kernel)');
  });

  it('too few variables for a layer, or variables of a layer whose weights are unknown', async () => {
    const m = sequential();
    m.weights.fc1 = m.weights.fc1.slice(0, 1);
    const file = await write(m);
    expect((await failure(readKeras3Model(file))).message).toBe(`${file}: model.weights.h5 holds 1 variables at layers/dense/vars but layer "fc1" (Dense) has 2 (kernel, bias)`);
    const f = functional();
    f.weights.skip = [variable(2)];
    expect(await failure(readKeras3Model(await write(f)))).toHaveProperty('message', expect.stringContaining('holds 1 variables for layer "skip" (Add) at layers/add/vars'));
  });

  it('quantized layers, nested models and subclassed models are refused by name', async () => {
    const m = sequential();
    const layers = (m.config.config as Json).layers as Json[];
    (layers[5].config as Json).dtype = kerasObject('keras', 'QuantizedDTypePolicy', { name: 'int8_from_float32' });
    expect((await failure(readKeras3Model(await write(m)))).message).toContain('layer "fc1" (Dense) is quantized (dtype policy int8_from_float32)');
    const nested = keras3Sequential('outer', [keras3Input('i', [3]), sequential().config]);
    expect((await failure(readKeras3Bytes(await keras3Archive(nested, {}), 'o.keras'))).message).toContain('is a nested model');
    const sub = { module: 'my', class_name: 'MyModel', config: { units: 3 }, registered_name: 'Custom>MyModel' };
    expect((await failure(readKeras3Bytes(zipSync({ 'config.json': strToU8(JSON.stringify(sub)) }), 's.keras'))).message).toContain('a subclassed model');
  });
});
