// Each supported layer class (the element-wise and reshaping ones, Dense and BatchNormalization here;
// the convolutions and pooling in layers-equivalence-conv, the merges and whole models in
// layers-equivalence-graph), alone in a small tfjs-layers model with random weights, read as hybrid reads
// a TF.js model file: forward.ts's logits equal model.predict within 1e-5, and the gradients of
// sum(logits * R) equal tf.variableGrads through the tfjs-layers model within 1e-4, on the wasm backend
// with the project's kernels.
import { describe, expect, it } from 'vitest';
import { layerKind } from '../../model/layers/index.js';
import {
  compareWithTfjs,
  expectEquivalent,
  featureLayerModel,
  FORWARD_TOLERANCE,
  fullBatchNormTwin,
  imageLayerModel,
  L,
  ourModel,
  ourOutput,
  randomizeWeights,
  randomTensor,
  type Reference,
  relativeError,
  reportLine,
  sequentialModel,
  tf,
  topologyOf,
  equivalenceSuite,
} from '../support/tfjs-layers-models.js';

const report = equivalenceSuite();

interface Case {
  name: string;
  model: () => tf.LayersModel;
  /** Also compare in training mode (BatchNormalization: batch statistics). */
  training?: boolean;
  /** Take the gradients from this equivalent model (tfjs-layers cannot differentiate the case's own). */
  reference?: (model: tf.LayersModel) => Promise<Reference>;
}

/** Builds, randomises and compares the case's model; in both modes where asked. */
async function check({ name, model: build, training, reference: twin }: Case): Promise<void> {
  const model = build();
  randomizeWeights(model, name.length);
  const reference = twin ? await twin(model) : undefined;
  try {
    for (const mode of training ? [false, true] : [false]) {
      const c = compareWithTfjs(model, { training: mode, batch: 4, reference });
      report.push(reportLine(`${name}${mode ? ' (training)' : ''}`, c));
      expectEquivalent(c, name);
    }
  } finally {
    model.dispose();
    reference?.model.dispose();
  }
}

const ACTIVATIONS = ['linear', 'relu', 'relu6', 'elu', 'selu', 'sigmoid', 'tanh', 'softmax', 'swish', 'gelu'] as const;

const CASES: Case[] = [
  // InputLayer: a Sequential model with an explicit InputLayer (the models below) and one with the input
  // shape on its first layer (no InputLayer in the topology: layersFromTopology adds it).
  { name: 'InputLayer implied by the first layer', model: () => tf.sequential({ layers: [L.dense({ inputShape: [5], units: 4, activation: 'tanh' }), L.dense({ units: 3 })] }) },
  { name: 'Dense', model: () => featureLayerModel(6, L.dense({ units: 5 })) },
  { name: 'Dense without bias', model: () => featureLayerModel(6, L.dense({ units: 5, useBias: false })) },
  { name: 'Dense on an image (last axis)', model: () => sequentialModel([3, 4, 2], [L.dense({ units: 5, activation: 'relu' }), L.flatten()]) },
  { name: 'Dense head with softmax', model: () => tf.sequential({ layers: [L.dense({ inputShape: [6], units: 8, activation: 'relu' }), L.dense({ units: 4, activation: 'softmax' })] }) },
  ...ACTIVATIONS.map((a) => ({ name: `Activation ${a}`, model: () => featureLayerModel(6, L.activation({ activation: a })) })),
  ...ACTIVATIONS.map((a) => ({ name: `Dense activation ${a}`, model: () => featureLayerModel(6, L.dense({ units: 5, activation: a })) })),
  { name: 'Activation gelu on an image', model: () => imageLayerModel([3, 3, 2], L.activation({ activation: 'gelu' })) },
  { name: 'Activation softmax on an image (last axis)', model: () => imageLayerModel([3, 3, 4], L.activation({ activation: 'softmax' })) },
  { name: 'Softmax layer', model: () => featureLayerModel(6, L.softmax({})) },
  { name: 'Softmax layer axis -1 on an image', model: () => imageLayerModel([3, 3, 4], L.softmax({ axis: -1 })) },
  { name: 'final Softmax layer after the head', model: () => tf.sequential({ layers: [L.dense({ inputShape: [6], units: 8, activation: 'relu' }), L.dense({ units: 4 }), L.softmax({})] }) },
  {
    name: 'final Activation softmax after the head',
    model: () => tf.sequential({ layers: [L.dense({ inputShape: [6], units: 8, activation: 'relu' }), L.dense({ units: 4 }), L.activation({ activation: 'softmax' })] }),
  },
  { name: 'Dropout (inference: identity)', model: () => featureLayerModel(6, L.dropout({ rate: 0.4 })) },
  { name: 'Flatten', model: () => sequentialModel([4, 3, 2], [L.conv2d({ filters: 3, kernelSize: 2 }), L.flatten()]) },
  { name: 'Reshape to an image', model: () => sequentialModel([12], [L.dense({ units: 12 }), L.reshape({ targetShape: [2, 3, 2] }), L.conv2d({ filters: 2, kernelSize: 2 }), L.flatten()]) },
  {
    // tfjs-layers writes the -1 as null; its own Flatten cannot take the unknown size, a Reshape can.
    name: 'Reshape with an unknown size',
    model: () => sequentialModel([3, 4, 2], [L.conv2d({ filters: 2, kernelSize: 1 }), L.reshape({ targetShape: [-1, 4] }), L.dense({ units: 3 }), L.reshape({ targetShape: [18] })]),
  },
  { name: 'ZeroPadding2D 1', model: () => imageLayerModel([3, 4, 2], L.zeroPadding2d({ padding: 1 })) },
  {
    name: 'ZeroPadding2D [[1, 2], [0, 1]]',
    model: () =>
      imageLayerModel(
        [3, 4, 2],
        L.zeroPadding2d({
          padding: [
            [1, 2],
            [0, 1],
          ],
        }),
      ),
  },
  { name: 'BatchNormalization on an image', model: () => imageLayerModel([4, 4, 3], L.batchNormalization({})), training: true },
  { name: 'BatchNormalization on features', model: () => featureLayerModel(5, L.batchNormalization({ momentum: 0.9, epsilon: 0.01 })), training: true },
  // Inference only: tfjs-layers' training call reads gamma and beta whether or not the layer has them. Their
  // gradients are the twin's with gamma = 1 and beta = 0 (tfjs-core's batchNorm gradient needs both).
  { name: 'BatchNormalization without gamma and beta', model: () => imageLayerModel([4, 4, 3], L.batchNormalization({ center: false, scale: false })), reference: fullBatchNormTwin },
  { name: 'BatchNormalization without beta', model: () => featureLayerModel(5, L.batchNormalization({ center: false })), reference: fullBatchNormTwin },
];

describe('each layer alone, against tfjs-layers on wasm', () => {
  it.each(CASES)('$name', check);

  it('a TF.js Reshape writes its unknown size as null, which the graph takes as -1', () => {
    const model = sequentialModel([3, 4, 2], [L.reshape({ targetShape: [-1, 4] }), L.reshape({ targetShape: [24] })]);
    try {
      expect(topologyOf(model).config.layers[1].config.target_shape).toEqual([null, 4]);
    } finally {
      model.dispose();
    }
  });
});

describe('Dropout in training', () => {
  it('drops about `rate` of the entries and scales the kept ones by 1 / (1 - rate), reproducibly by seed', () => {
    const layer = { name: 'd', className: 'Dropout', config: { rate: 0.3 }, inputs: ['x'] };
    const kind = layerKind('Dropout');
    const run = (seed: number, training: boolean) =>
      tf.tidy(() => kind.apply(layer, { tf, inputs: [tf.ones([100, 100])], weights: [], training, updateStats: () => {}, seed }).dataSync() as Float32Array);
    const values = run(5, true);
    const kept = values.filter((v) => v !== 0);
    // 10,000 draws: the kept fraction's standard deviation is 0.0046.
    expect(kept.length / values.length).toBeGreaterThan(0.7 - 0.025);
    expect(kept.length / values.length).toBeLessThan(0.7 + 0.025);
    for (const v of kept) expect(v).toBeCloseTo(1 / 0.7, 5);
    expect(run(5, true)).toEqual(values);
    expect(run(6, true)).not.toEqual(values);
    expect([...run(5, false)].every((v) => v === 1)).toBe(true);
  });

  it('in a model, training logits vary by seed, with the mean and variance that dropping `rate` and scaling by 1 / (1 - rate) give', () => {
    const rate = 0.5;
    const model = sequentialModel([8], [L.dense({ units: 64, activation: 'relu' }), L.dropout({ rate })]);
    try {
      randomizeWeights(model, 11);
      tf.tidy(() => {
        const ours = ourModel(model);
        const x = randomTensor([2, 8], 3, 'x');
        const inference = ourOutput(ours, ours.weights, x, false);
        expect(relativeError(inference.dataSync(), (model.predict(x) as tf.Tensor).dataSync(), 1)).toBeLessThanOrEqual(FORWARD_TOLERANCE);
        // The logits are a linear head over the dropped features h * mask / (1 - rate): their mean is the
        // inference logits, their variance sum_j (h_j w_jk)^2 rate / (1 - rate).
        const [kernel, bias] = ours.weights.shared;
        const hidden = tf.relu(tf.add(tf.matMul(x as tf.Tensor2D, kernel as tf.Tensor2D), bias));
        const expectedVariance = tf.mul(tf.matMul(tf.square(hidden), tf.square(ours.weights.head[0]) as tf.Tensor2D), rate / (1 - rate)).dataSync();
        const draws = 400;
        let sum = tf.zerosLike(inference);
        let squares = tf.zerosLike(inference);
        for (let seed = 0; seed < draws; seed++) {
          const [nextSum, nextSquares] = tf.tidy(() => {
            const z = ourOutput(ours, ours.weights, x, true, { seed });
            return [tf.add(sum, z), tf.add(squares, tf.square(z))];
          });
          tf.dispose([sum, squares]);
          [sum, squares] = [nextSum, nextSquares];
        }
        const mean = tf.div(sum, draws).dataSync();
        const variance = tf.sub(tf.div(squares, draws), tf.square(tf.div(sum, draws))).dataSync();
        const reference = inference.dataSync();
        for (let i = 0; i < mean.length; i++) {
          // Within 5 standard errors of the mean; the variance within 25% (its relative error is ~7% here).
          expect(Math.abs(mean[i] - reference[i])).toBeLessThan(5 * Math.sqrt(expectedVariance[i] / draws));
          expect(variance[i] / expectedVariance[i]).toBeGreaterThan(0.75);
          expect(variance[i] / expectedVariance[i]).toBeLessThan(1.25);
        }
        const [a, b] = [1, 2].map((seed) => ourOutput(ours, ours.weights, x, true, { seed }).dataSync());
        expect(relativeError(a, b)).toBeGreaterThan(0.01);
        expect(ourOutput(ours, ours.weights, x, true, { seed: 1 }).dataSync()).toEqual(a);
      });
    } finally {
      model.dispose();
    }
  });
});
