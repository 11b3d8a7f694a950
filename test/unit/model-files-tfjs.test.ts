// model/files/tfjs-artifact.ts and read-model-file.ts: TF.js LayersModel artefacts saved by tfjs-layers
// itself (one shard and several), converter-style variants, and broken files whose errors must name the
// file and the shard or weight at fault.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelFileError, type ModelArtifact } from '../../model/files/artifact.js';
import { modelFileFormat, readModelFile } from '../../model/files/read-model-file.js';
import { readTfjsModel } from '../../model/files/tfjs-artifact.js';

const root = mkdtempSync(join(tmpdir(), 'hybrid-model-files-tfjs-'));
beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

let dirs = 0;
function freshDir(): string {
  const dir = join(root, `m${dirs++}`);
  mkdirSync(dir);
  return dir;
}

/** Saves `model` as tfjs' file:// handler does (model.json + weights), the weight bytes cut into
 *  `shards` files at byte offsets that need not fall between weights, as the converter's shards do. */
async function saveTfjs(model: tfl.LayersModel, shards = 1): Promise<string> {
  const dir = freshDir();
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const data = artifacts.weightData;
      const bytes = Array.isArray(data) ? Buffer.concat(data.map((b) => new Uint8Array(b))) : new Uint8Array(data as ArrayBuffer);
      const paths = Array.from({ length: shards }, (_, i) => (shards === 1 ? 'weights.bin' : `group1-shard${i + 1}of${shards}.bin`));
      const cut = Math.ceil(bytes.byteLength / shards) + 1;
      paths.forEach((p, i) => writeFileSync(join(dir, p), bytes.subarray(i * cut, (i + 1) * cut)));
      const json = {
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths, weights: artifacts.weightSpecs }],
        format: 'layers-model',
        generatedBy: 'TensorFlow.js tfjs-layers v4.22.0',
        convertedBy: null,
      };
      writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return join(dir, 'model.json');
}

/** Every variable of the model, random (moving statistics included, so none is left at its initial 0/1). */
function randomise(model: tfl.LayersModel): void {
  model.setWeights(model.weights.map((w) => tf.randomUniform(w.shape as number[], 0.1, 2, 'float32')));
}

function expectWeightsOf(model: tfl.LayersModel, artifact: ModelArtifact): void {
  expect(artifact.weights.map((w) => w.name).sort()).toEqual(model.weights.map((w) => w.originalName).sort());
  for (const w of model.weights) {
    const got = artifact.weights.find((a) => a.name === w.originalName);
    expect(got?.shape).toEqual(w.shape);
    expect(got?.values).toEqual(w.read().dataSync());
  }
}

function sequentialModel(): tfl.Sequential {
  const model = tfl.sequential({
    name: 'seq',
    layers: [
      tfl.layers.conv2d({ inputShape: [8, 8, 1], filters: 3, kernelSize: 3, activation: 'relu', name: 'conv1' }),
      tfl.layers.batchNormalization({ name: 'bn1' }),
      tfl.layers.maxPooling2d({ poolSize: 2, name: 'pool1' }),
      tfl.layers.flatten({ name: 'flat' }),
      tfl.layers.dense({ units: 4, activation: 'softmax', name: 'fc' }),
    ],
  });
  randomise(model);
  return model;
}

function functionalModel(): tfl.LayersModel {
  const x = tfl.input({ shape: [6], name: 'x' });
  const h = tfl.layers.dense({ units: 6, activation: 'relu', name: 'hidden' }).apply(x) as tfl.SymbolicTensor;
  const skip = tfl.layers.add({ name: 'skip' }).apply([x, h]) as tfl.SymbolicTensor;
  const side = tfl.layers.dense({ units: 3, name: 'side' }).apply(skip) as tfl.SymbolicTensor;
  const cat = tfl.layers.concatenate({ name: 'cat' }).apply([skip, side]) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({ units: 2, name: 'out' }).apply(cat) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: x, outputs: out, name: 'fun' });
  randomise(model);
  return model;
}

/** A model.json as JSON.parse gives it: untyped, since the tests below break it freely. */
type ParsedJson = ReturnType<typeof JSON.parse>;

function editJson(file: string, edit: (json: ParsedJson) => void): void {
  const json = JSON.parse(readFileSync(file, 'utf8'));
  edit(json);
  writeFileSync(file, JSON.stringify(json));
}

async function failure(p: Promise<unknown>): Promise<ModelFileError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ModelFileError);
  return err as ModelFileError;
}

describe('TF.js LayersModel artefacts', () => {
  it('reads a Sequential model (conv, batchnorm, pool, flatten, dense): topology and every weight', async () => {
    const model = sequentialModel();
    const file = await saveTfjs(model);
    const artifact = await readTfjsModel(file);
    expect(artifact.format).toBe('tfjs');
    expect(artifact.file).toBe(file);
    expect(artifact.topology.class_name).toBe('Sequential');
    expect(artifact.topology.config.layers.map((l) => [l.config.name, l.class_name])).toEqual([
      ['conv1', 'Conv2D'],
      ['bn1', 'BatchNormalization'],
      ['pool1', 'MaxPooling2D'],
      ['flat', 'Flatten'],
      ['fc', 'Dense'],
    ]);
    expect(artifact.topology.config.layers[0].config.batch_input_shape).toEqual([null, 8, 8, 1]);
    expectWeightsOf(model, artifact);
    expect(artifact.weights.map((w) => w.name)).toContain('bn1/moving_variance');
  });

  it('reads a functional model with a skip (Add) and a Concatenate', async () => {
    const model = functionalModel();
    const artifact = await readTfjsModel(await saveTfjs(model));
    const t = artifact.topology;
    expect(t.class_name).toBe('Model');
    expect(t.config.input_layers).toEqual([['x', 0, 0]]);
    expect(t.config.output_layers).toEqual([['out', 0, 0]]);
    const byName = new Map(t.config.layers.map((l) => [l.config.name, l]));
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
    expectWeightsOf(model, artifact);
  });

  it('reads weights split over several shards, cut mid-weight', async () => {
    const model = sequentialModel();
    const artifact = await readTfjsModel(await saveTfjs(model, 3));
    expectWeightsOf(model, artifact);
  });

  it("reads the converter's form: model_config wrapper, `:0` suffixes and a model-name prefix", async () => {
    const model = sequentialModel();
    const file = await saveTfjs(model);
    editJson(file, (json) => {
      json.modelTopology = { keras_version: '2.15.0', backend: 'tensorflow', model_config: json.modelTopology };
      for (const w of json.weightsManifest[0].weights) w.name = `seq/${w.name}:0`;
      json.weightsManifest[0].weights.push({ name: 'iter', shape: [], dtype: 'float32', group: 'optimizer' });
    });
    writeFileSync(join(file, '../weights.bin'), Buffer.concat([readFileSync(join(file, '../weights.bin')), Buffer.alloc(4)]));
    expectWeightsOf(model, await readTfjsModel(file));
  });

  it("lists a functional model's endpoints written as a dict or a bare triple", async () => {
    const model = functionalModel();
    const file = await saveTfjs(model);
    editJson(file, (json) => {
      json.modelTopology.config.input_layers = { x: ['x', 0, 0] };
      json.modelTopology.config.output_layers = ['out', 0, 0];
    });
    const t = (await readTfjsModel(file)).topology;
    expect([t.config.input_layers, t.config.output_layers]).toEqual([[['x', 0, 0]], [['out', 0, 0]]]);
  });

  it('reads an old Sequential topology whose config is the bare layer list', async () => {
    const model = sequentialModel();
    const file = await saveTfjs(model);
    editJson(file, (json) => (json.modelTopology.config = json.modelTopology.config.layers));
    const artifact = await readTfjsModel(file);
    expect(artifact.topology.config.layers).toHaveLength(5);
    expectWeightsOf(model, artifact);
  });

  it('dequantizes uint8, uint16 and float16 weights by tfjs rules, and reads int32 only for a frozen layer', async () => {
    const dir = freshDir();
    const topology = {
      class_name: 'Sequential',
      config: {
        name: 's',
        layers: [
          { class_name: 'Dense', config: { name: 'd', units: 2, batch_input_shape: [null, 2] } },
          { class_name: 'Dense', config: { name: 'f', units: 1, trainable: false } },
        ],
      },
    };
    const half = new Uint16Array([0x3e00, 0xc000, 0x3400, 0x7bff]); // 1.5, -2, 0.25, 65504
    const bytes = Buffer.concat([Buffer.from([0, 1, 2, 255]), Buffer.from(new Uint16Array([0, 1000]).buffer), Buffer.from(half.buffer), Buffer.from(new Int32Array([7, -3]).buffer)]);
    writeFileSync(join(dir, 'w.bin'), bytes);
    const weights = [
      { name: 'd/kernel', shape: [2, 2], dtype: 'float32', quantization: { dtype: 'uint8', min: -1, scale: 0.5 } },
      { name: 'd/bias', shape: [2], dtype: 'float32', quantization: { dtype: 'uint16', min: 0, scale: 0.001 } },
      { name: 'f/kernel', shape: [2, 2], dtype: 'float32', quantization: { dtype: 'float16' } },
      { name: 'f/bias', shape: [2], dtype: 'int32' },
    ];
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ modelTopology: topology, weightsManifest: [{ paths: ['w.bin'], weights }] }));
    const artifact = await readTfjsModel(join(dir, 'model.json'));
    const values = Object.fromEntries(artifact.weights.map((w) => [w.name, Array.from(w.values)]));
    expect(values['d/kernel']).toEqual([-1, -0.5, 0, 126.5]);
    expect(values['d/bias'][0]).toBe(0);
    expect(values['d/bias'][1]).toBeCloseTo(1, 5);
    expect(values['f/kernel']).toEqual([1.5, -2, 0.25, 65504]);
    expect(values['f/bias']).toEqual([7, -3]);

    editJson(join(dir, 'model.json'), (json) => (json.modelTopology.config.layers[1].config.trainable = true));
    expect((await failure(readTfjsModel(join(dir, 'model.json')))).message).toMatch(/weight "f\/bias" is int32 and its layer is trainable/);
  });
});

describe('broken TF.js artefacts', () => {
  it('a truncated shard: the error names the shard files and the expected and actual bytes', async () => {
    const file = await saveTfjs(sequentialModel(), 2);
    const shard = join(file, '../group1-shard2of2.bin');
    const full = readFileSync(shard);
    writeFileSync(shard, full.subarray(0, full.byteLength - 10));
    const err = await failure(readTfjsModel(file));
    expect(err.file).toBe(file);
    expect(err.message).toContain(file);
    expect(err.message).toContain(`group1-shard2of2.bin (${full.byteLength - 10} bytes)`);
    const expected = readFileSync(join(file, '../group1-shard1of2.bin')).byteLength + full.byteLength;
    expect(err.message).toContain(`hold ${expected - 10} bytes but the manifest's weights take ${expected}`);
  });

  it('a missing shard: the error names it', async () => {
    const file = await saveTfjs(sequentialModel(), 2);
    rmSync(join(file, '../group1-shard1of2.bin'));
    const err = await failure(readTfjsModel(file));
    expect(err.message).toContain(file);
    expect(err.message).toMatch(/weight shard group1-shard1of2\.bin \(.*\) is missing/);
  });

  it("a manifest shape that does not match the shards' bytes", async () => {
    const file = await saveTfjs(sequentialModel());
    editJson(file, (json) => (json.weightsManifest[0].weights[0].shape = [3, 3, 1, 4]));
    const err = await failure(readTfjsModel(file));
    expect(err.message).toMatch(/weights\.bin \(\d+ bytes\) hold \d+ bytes but the manifest's weights take \d+/);
  });

  it('malformed JSON names the file', async () => {
    const file = await saveTfjs(sequentialModel());
    writeFileSync(file, '{"modelTopology": ');
    const err = await failure(readTfjsModel(file));
    expect(err.message).toContain(`${file} is not valid JSON`);
  });

  it('weights that name no layer, or name weights by index, are refused by name', async () => {
    const file = await saveTfjs(sequentialModel());
    editJson(file, (json) => (json.weightsManifest[0].weights[0].name = 'nowhere/kernel'));
    expect((await failure(readTfjsModel(file))).message).toContain('weight "nowhere/kernel" names no layer');
    editJson(file, (json) => (json.weightsManifest[0].weights[0].name = 'conv1/vars/0'));
    expect((await failure(readTfjsModel(file))).message).toContain('is named by index');
  });

  it('a model.json without weights or topology, or a graph model, is refused', async () => {
    const file = await saveTfjs(sequentialModel());
    editJson(file, (json) => delete json.weightsManifest);
    expect((await failure(readTfjsModel(file))).message).toContain('no "weightsManifest"');
    writeFileSync(file, JSON.stringify({ format: 'graph-model', modelTopology: {} }));
    expect((await failure(readTfjsModel(file))).message).toContain('graph models');
    writeFileSync(file, JSON.stringify({ weightsManifest: [] }));
    expect((await failure(readTfjsModel(file))).message).toContain('no "modelTopology"');
  });
});

describe('readModelFile dispatch', () => {
  it('reads model.json, a directory holding one, and a renamed model.json by its content', async () => {
    const model = functionalModel();
    const file = await saveTfjs(model);
    expectWeightsOf(model, await readModelFile(file));
    expectWeightsOf(model, await readModelFile(join(file, '..')));
    const renamed = join(file, '../model.txt');
    writeFileSync(renamed, readFileSync(file));
    expect(await modelFileFormat(renamed)).toBe('tfjs');
    expectWeightsOf(model, await readModelFile(renamed));
  });

  it('refuses a missing file, Keras 2 HDF5, SavedModels and unknown content with a clear message', async () => {
    const dir = freshDir();
    expect((await failure(readModelFile(join(dir, 'nope.json')))).message).toContain('nope.json is missing');
    writeFileSync(join(dir, 'm.h5'), '');
    expect((await failure(readModelFile(join(dir, 'm.h5')))).message).toContain('Keras 2 HDF5 model files are not read');
    writeFileSync(join(dir, 'weights'), Buffer.from('\x89HDF\r\n\x1a\n', 'latin1'));
    expect((await failure(readModelFile(join(dir, 'weights')))).message).toContain('Keras 2 HDF5');
    writeFileSync(join(dir, 'saved_model.pb'), '');
    expect((await failure(readModelFile(dir))).message).toContain('SavedModels are not read');
    writeFileSync(join(dir, 'x.bin'), 'hello');
    expect((await failure(readModelFile(join(dir, 'x.bin')))).message).toContain('is neither a TF.js model.json nor a Keras 3 .keras file');
  });
});
