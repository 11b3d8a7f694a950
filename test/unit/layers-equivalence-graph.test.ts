// The merging layers (Add, Concatenate) and whole models against tfjs-layers on the wasm backend with the
// project's kernels: a functional model with a skip connection (conv -> bn -> relu -> conv -> add(skip)
// -> relu -> gap -> dense), one with Concatenate, a Sequential LeNet, each read as hybrid reads a TF.js
// model file; forward.ts's logits equal model.predict within 1e-5 and the gradients equal
// tf.variableGrads through the model within 1e-4. Also: BatchNormalization's new moving statistics in
// training, the comparison's negative control, and a training loop that leaves no tensor behind.
import { describe, expect, it } from 'vitest';
import { logits } from '../../model/forward.js';
import {
  compareWithTfjs,
  expectEquivalent,
  FORWARD_TOLERANCE,
  GRADIENT_TOLERANCE,
  L,
  ourModel,
  randomizeWeights,
  randomTensor,
  relativeError,
  reportLine,
  tf,
  equivalenceSuite,
} from '../support/tfjs-layers-models.js';

const report = equivalenceSuite();

type Symbolic = tf.SymbolicTensor;
const call = (layer: tf.layers.Layer, ...inputs: Symbolic[]) => layer.apply(inputs.length === 1 ? inputs[0] : inputs) as Symbolic;

/** conv -> bn -> relu -> conv -> add(skip from the relu) -> relu -> gap -> dense, named layers. */
function skipModel(momentum = 0.9): tf.LayersModel {
  const input = tf.input({ shape: [6, 6, 3], name: 'image' });
  const conv1 = call(L.conv2d({ name: 'conv1', filters: 4, kernelSize: 3, padding: 'same' }), input);
  const bn = call(L.batchNormalization({ name: 'bn', momentum }), conv1);
  const relu1 = call(L.activation({ name: 'relu1', activation: 'relu' }), bn);
  const conv2 = call(L.conv2d({ name: 'conv2', filters: 4, kernelSize: 3, padding: 'same' }), relu1);
  const sum = call(L.add({ name: 'skip' }), conv2, relu1);
  const relu2 = call(L.activation({ name: 'relu2', activation: 'relu' }), sum);
  const gap = call(L.globalAveragePooling2d({ name: 'gap' }), relu2);
  return tf.model({ inputs: input, outputs: call(L.dense({ name: 'logits', units: 5 }), gap), name: 'skip' });
}

function concatenateModel(): tf.LayersModel {
  const input = tf.input({ shape: [6, 6, 3], name: 'image' });
  const a = call(L.conv2d({ name: 'a', filters: 2, kernelSize: 1, activation: 'relu' }), input);
  const b = call(L.conv2d({ name: 'b', filters: 3, kernelSize: 3, padding: 'same' }), input);
  const channels = call(L.concatenate({ name: 'channels' }), a, b);
  const pooled = call(L.maxPooling2d({ name: 'pool', poolSize: 2 }), channels);
  const c = call(L.conv2d({ name: 'c', filters: 5, kernelSize: 1 }), pooled);
  // Along the height (axis 1 counting the batch), then flattened.
  const rows = call(L.concatenate({ name: 'rows', axis: 1 }), c, call(L.conv2d({ name: 'd', filters: 5, kernelSize: 3, padding: 'same' }), pooled));
  const flat = call(L.flatten({ name: 'flat' }), rows);
  return tf.model({ inputs: input, outputs: call(L.dense({ name: 'logits', units: 4 }), flat), name: 'concatenate' });
}

function featureConcatenateModel(): tf.LayersModel {
  const input = tf.input({ shape: [6], name: 'features' });
  const a = call(L.dense({ name: 'a', units: 4, activation: 'tanh' }), input);
  const b = call(L.dense({ name: 'b', units: 3, activation: 'sigmoid' }), input);
  const joined = call(L.concatenate({ name: 'joined', axis: -1 }), a, b, input);
  return tf.model({ inputs: input, outputs: call(L.dense({ name: 'logits', units: 3 }), joined), name: 'features' });
}

function addThreeModel(): tf.LayersModel {
  const input = tf.input({ shape: [5, 5, 2], name: 'image' });
  const branches = ['a', 'b', 'c'].map((name, k) => call(L.conv2d({ name, filters: 3, kernelSize: 2 * k + 1, padding: 'same' }), input));
  const sum = call(L.add({ name: 'sum' }), ...branches);
  const relu = call(L.activation({ name: 'relu', activation: 'relu' }), sum);
  const flat = call(L.flatten({ name: 'flat' }), relu);
  return tf.model({ inputs: input, outputs: call(L.dense({ name: 'logits', units: 3, activation: 'softmax' }), flat), name: 'add3' });
}

function lenet(): tf.LayersModel {
  return tf.sequential({
    name: 'lenet',
    layers: [
      L.conv2d({ inputShape: [28, 28, 1], filters: 6, kernelSize: 5, padding: 'same', activation: 'relu' }),
      L.maxPooling2d({ poolSize: 2 }),
      L.conv2d({ filters: 16, kernelSize: 5, activation: 'relu' }),
      L.maxPooling2d({ poolSize: 2 }),
      L.flatten(),
      L.dense({ units: 120, activation: 'relu' }),
      L.dense({ units: 84, activation: 'relu' }),
      L.dense({ units: 10 }),
    ],
  });
}

interface Case {
  name: string;
  model: () => tf.LayersModel;
  training?: boolean;
}

const MODELS: Case[] = [
  { name: 'functional model with a skip connection (Add) and BatchNormalization', model: () => skipModel(), training: true },
  { name: 'functional model with Concatenate on channels and on rows', model: concatenateModel },
  { name: 'functional model concatenating features and the input itself', model: featureConcatenateModel },
  { name: 'Add of three branches, softmax head', model: addThreeModel },
  { name: 'Sequential LeNet', model: lenet },
];

describe('models against tfjs-layers on wasm', () => {
  it.each(MODELS)('$name', ({ name, model: build, training }) => {
    const model = build();
    try {
      randomizeWeights(model, 3);
      for (const mode of training ? [false, true] : [false]) {
        const c = compareWithTfjs(model, { training: mode, batch: 4 });
        report.push(reportLine(`${name}${mode ? ' (training)' : ''}`, c));
        expectEquivalent(c, name);
      }
    } finally {
      model.dispose();
    }
  });

  it('the comparison sees a weight off by 0.1% (negative control), in the backbone and in the head', () => {
    const model = skipModel();
    try {
      randomizeWeights(model, 3);
      for (const weight of ['conv2/kernel', 'bn/moving_variance', 'logits/bias']) {
        const c = compareWithTfjs(model, { batch: 4, perturb: weight });
        expect(c.forward, weight).toBeGreaterThan(FORWARD_TOLERANCE);
      }
      const c = compareWithTfjs(model, { batch: 4, perturb: 'conv1/kernel' });
      expect(c.gradient).toBeGreaterThan(GRADIENT_TOLERANCE);
    } finally {
      model.dispose();
    }
  });
});

describe('BatchNormalization in training: the new moving statistics', () => {
  it('are moving * momentum + batch * (1 - momentum), with the biased batch variance, as tfjs-layers moves its own', () => {
    const momentum = 0.9;
    const model = skipModel(momentum);
    try {
      randomizeWeights(model, 5);
      tf.tidy(() => {
        const ours = ourModel(model);
        expect(ours.spec.stats.map((t) => t.name)).toEqual(['bn/moving_mean', 'bn/moving_variance']);
        const x = randomTensor([8, 6, 6, 3], 5, 'x');
        const statsOut: tf.Tensor[] = [];
        logits(ours.spec, ours.weights, x, { training: true, statsOut });
        expect(statsOut).toHaveLength(2);

        // The batch's statistics of the BatchNormalization's input (conv1's output, from tfjs-layers).
        const bnInput = tf.model({ inputs: model.inputs, outputs: model.getLayer('conv1').output as Symbolic }).predict(x) as tf.Tensor;
        const { mean, variance } = tf.moments(bnInput, [0, 1, 2]);
        const [movingMean, movingVariance] = ours.weights.stats;
        const expected = [tf.add(tf.mul(movingMean, momentum), tf.mul(mean, 1 - momentum)), tf.add(tf.mul(movingVariance, momentum), tf.mul(variance, 1 - momentum))];
        statsOut.forEach((t, i) => expect(relativeError(t.dataSync(), expected[i].dataSync()), ['mean', 'variance'][i]).toBeLessThan(1e-5));
        // They moved: the batch's statistics are not the moving ones.
        expect(relativeError(statsOut[0].dataSync(), movingMean.dataSync())).toBeGreaterThan(1e-2);
        expect(relativeError(statsOut[1].dataSync(), movingVariance.dataSync())).toBeGreaterThan(1e-2);

        // tfjs-layers moves its variables the same way in a training call.
        model.apply(x, { training: true });
        const bn = model.getLayer('bn');
        const [tfjsMean, tfjsVariance] = bn.weights.filter((w) => !w.trainable).map((w) => w.read());
        expect(relativeError(statsOut[0].dataSync(), tfjsMean.dataSync())).toBeLessThan(1e-5);
        expect(relativeError(statsOut[1].dataSync(), tfjsVariance.dataSync())).toBeLessThan(1e-5);
      });
    } finally {
      model.dispose();
    }
  });

  it('are left alone in inference: nothing is written to statsOut', () => {
    const model = skipModel();
    try {
      tf.tidy(() => {
        const ours = ourModel(model);
        const statsOut: tf.Tensor[] = [];
        logits(ours.spec, ours.weights, randomTensor([2, 6, 6, 3], 1, 'x'), { training: false, statsOut });
        expect(statsOut).toEqual([]);
      });
    } finally {
      model.dispose();
    }
  });
});

describe('memory', () => {
  it('repeated training steps of the skip model (forward, backward, stats and weight updates) leave the tensor count unchanged', () => {
    const model = skipModel();
    randomizeWeights(model, 7);
    const ours = ourModel(model);
    model.dispose();
    const params = [...ours.weights.shared, ...ours.weights.head].map((t) => tf.variable(t));
    const stats = ours.weights.stats.map((t) => tf.variable(t));
    tf.dispose([...ours.weights.shared, ...ours.weights.head, ...ours.weights.stats]);
    const nShared = ours.weights.shared.length;
    const x = randomTensor([4, 6, 6, 3], 7, 'x');
    const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 3], 'int32'), ours.classes);
    const step = (seed: number) =>
      tf.tidy(() => {
        const statsOut: tf.Tensor[] = [];
        const { value, grads } = tf.valueAndGrads((...p: tf.Tensor[]) => {
          const z = logits(ours.spec, { shared: p.slice(0, nShared), head: p.slice(nShared), stats }, x, { training: true, statsOut, seed });
          statsOut.forEach((t) => tf.keep(t));
          return tf.losses.softmaxCrossEntropy(labels, z) as tf.Scalar;
        })(params);
        statsOut.forEach((t, i) => {
          stats[i].assign(t);
          t.dispose();
        });
        grads.forEach((g, i) => params[i].assign(tf.sub(params[i], tf.mul(g, 0.05))));
        return value.dataSync()[0];
      });
    try {
      const losses = [step(0)];
      const count = tf.memory().numTensors;
      for (let s = 1; s < 6; s++) {
        losses.push(step(s));
        expect(tf.memory().numTensors, `after step ${s + 1}`).toBe(count);
      }
      // The steps trained: the loss on the fixed batch went down.
      expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
    } finally {
      tf.dispose([...params, ...stats, x, labels]);
    }
  });
});
