// The convolution and pooling layers, each alone in a small tfjs-layers model with random weights, read
// as hybrid reads a TF.js model file: forward.ts's logits equal model.predict within 1e-5 and the
// gradients equal tf.variableGrads through the tfjs-layers model within 1e-4, on the wasm backend with
// the project's kernels. tfjs-core cannot differentiate a dilated convolution, so the gradients of the
// dilated cases are compared with those of the same model over the zero-spread (undilated) kernels.
import { describe, expect, it } from 'vitest';
import {
  compareWithTfjs,
  expectEquivalent,
  imageLayerModel,
  L,
  randomizeWeights,
  randomTensor,
  reportLine,
  sequentialModel,
  tf,
  undilatedTwin,
  equivalenceSuite,
} from '../support/tfjs-layers-models.js';

const report = equivalenceSuite();

interface Case {
  name: string;
  model: () => tf.LayersModel;
}

const IMAGE = [7, 7, 3];

/** The layer under test on a 7 x 7 x 3 image (odd sizes: 'same' with stride 2 pads unevenly), then Flatten and the head. */
function convModel(layer: tf.layers.Layer): tf.LayersModel {
  return sequentialModel(IMAGE, [layer, L.flatten()]);
}

function isDilated(model: tf.LayersModel): boolean {
  return model.layers.some((l) =>
    ((l.getConfig().dilationRate ?? 1) as number | number[])
      .toString()
      .split(',')
      .some((d) => Number(d) > 1),
  );
}

/** The dilated cases: tfjs-layers computes Conv2D's and SeparableConv2D's dilated outputs but cannot
 *  differentiate them, and its DepthwiseConv2D drops the dilation (its call passes null for the rate);
 *  their reference is the undilated twin over the zero-spread kernels, for the gradients, and for the
 *  outputs as well (besides tfjs-layers' own, where it dilates). */
async function check({ name, model: build }: Case): Promise<void> {
  const model = build();
  randomizeWeights(model, name.length);
  const twin = isDilated(model) ? await undilatedTwin(model) : undefined;
  try {
    const comparisons = twin ? [compareWithTfjs(model, { batch: 3, reference: twin, referenceForward: true })] : [];
    if (!twin || model.layers.every((l) => l.getClassName() !== 'DepthwiseConv2D')) comparisons.push(compareWithTfjs(model, { batch: 3, forwardOnly: twin !== undefined }));
    for (const c of comparisons) {
      report.push(reportLine(name, c));
      expectEquivalent(c, name);
    }
  } finally {
    model.dispose();
    twin?.model.dispose();
  }
}

const CONV: Case[] = [
  { name: 'Conv2D 3x3 stride 1 same', model: () => convModel(L.conv2d({ filters: 4, kernelSize: 3, padding: 'same' })) },
  { name: 'Conv2D 3x3 stride 1 valid', model: () => convModel(L.conv2d({ filters: 4, kernelSize: 3, padding: 'valid' })) },
  { name: 'Conv2D 3x3 stride 2 same', model: () => convModel(L.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same' })) },
  { name: 'Conv2D 3x3 stride 2 valid', model: () => convModel(L.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'valid' })) },
  { name: 'Conv2D 2x2 stride 2 same (even kernel)', model: () => convModel(L.conv2d({ filters: 4, kernelSize: 2, strides: 2, padding: 'same' })) },
  { name: 'Conv2D 3x2 strides [2, 1] same', model: () => convModel(L.conv2d({ filters: 4, kernelSize: [3, 2], strides: [2, 1], padding: 'same' })) },
  { name: 'Conv2D relu, no bias', model: () => convModel(L.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', useBias: false })) },
  { name: 'Conv2D swish', model: () => convModel(L.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'swish' })) },
  { name: 'Conv2D dilation 2 same', model: () => convModel(L.conv2d({ filters: 4, kernelSize: 3, dilationRate: 2, padding: 'same' })) },
  { name: 'Conv2D dilation 2 valid', model: () => convModel(L.conv2d({ filters: 4, kernelSize: 3, dilationRate: 2, padding: 'valid' })) },
  { name: 'Conv2D dilation [2, 3] same, 2x3 kernel', model: () => convModel(L.conv2d({ filters: 2, kernelSize: [2, 3], dilationRate: [2, 3], padding: 'same' })) },
  { name: 'DepthwiseConv2D multiplier 1 same', model: () => convModel(L.depthwiseConv2d({ kernelSize: 3, padding: 'same' })) },
  { name: 'DepthwiseConv2D multiplier 2 valid', model: () => convModel(L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2 })) },
  { name: 'DepthwiseConv2D multiplier 2 stride 2 same', model: () => convModel(L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same' })) },
  { name: 'DepthwiseConv2D stride 2 valid, relu6, no bias', model: () => convModel(L.depthwiseConv2d({ kernelSize: 3, strides: 2, activation: 'relu6', useBias: false })) },
  { name: 'DepthwiseConv2D dilation 2 same', model: () => convModel(L.depthwiseConv2d({ kernelSize: 3, dilationRate: 2, padding: 'same', depthMultiplier: 2 })) },
  { name: 'SeparableConv2D valid', model: () => convModel(L.separableConv2d({ filters: 4, kernelSize: 3 })) },
  {
    name: 'SeparableConv2D multiplier 2 stride 2 same, relu',
    model: () => convModel(L.separableConv2d({ filters: 5, kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same', activation: 'relu' })),
  },
  { name: 'SeparableConv2D no bias', model: () => convModel(L.separableConv2d({ filters: 4, kernelSize: 2, useBias: false })) },
  { name: 'SeparableConv2D dilation 2 same', model: () => convModel(L.separableConv2d({ filters: 4, kernelSize: 3, dilationRate: 2, padding: 'same' })) },
];

const POOL: Case[] = [
  { name: 'MaxPooling2D 2 (strides default to the pool)', model: () => imageLayerModel([6, 6, 3], L.maxPooling2d({ poolSize: 2 })) },
  { name: 'MaxPooling2D 3 stride 2 same', model: () => imageLayerModel(IMAGE, L.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' })) },
  { name: 'MaxPooling2D 3 stride 2 valid', model: () => imageLayerModel(IMAGE, L.maxPooling2d({ poolSize: 3, strides: 2, padding: 'valid' })) },
  { name: 'MaxPooling2D [2, 3] stride 1 valid', model: () => imageLayerModel(IMAGE, L.maxPooling2d({ poolSize: [2, 3], strides: 1 })) },
  { name: 'AveragePooling2D 2', model: () => imageLayerModel([6, 6, 3], L.averagePooling2d({ poolSize: 2 })) },
  { name: 'AveragePooling2D 3 stride 1 same', model: () => imageLayerModel(IMAGE, L.averagePooling2d({ poolSize: 3, strides: 1, padding: 'same' })) },
  { name: 'AveragePooling2D 3 stride 2 same', model: () => imageLayerModel(IMAGE, L.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' })) },
  { name: 'AveragePooling2D [3, 2] stride 2 valid', model: () => imageLayerModel(IMAGE, L.averagePooling2d({ poolSize: [3, 2], strides: 2 })) },
  { name: 'GlobalAveragePooling2D', model: () => sequentialModel(IMAGE, [L.conv2d({ filters: 4, kernelSize: 3 }), L.globalAveragePooling2d({})]) },
];

describe('convolutions alone, against tfjs-layers on wasm', () => {
  it.each(CONV)('$name', check);

  it("tfjs-layers itself cannot differentiate a dilated convolution (why the dilated cases' reference is the undilated twin)", () => {
    const model = convModel(L.conv2d({ filters: 2, kernelSize: 3, dilationRate: 2 }));
    try {
      tf.tidy(() => {
        const x = randomTensor([1, ...IMAGE], 1, 'x');
        const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
        expect(() => tf.variableGrads(() => tf.sum(model.apply(x) as tf.Tensor), variables)).toThrow(/dilation/);
      });
    } finally {
      model.dispose();
    }
  });
});

describe('tfjs-layers 4.22 gaps that the cases above work around', () => {
  it('its DepthwiseConv2D ignores dilation_rate: its outputs are the undilated convolution', () => {
    const dilated = convModel(L.depthwiseConv2d({ kernelSize: 3, dilationRate: 2, padding: 'same' }));
    const plain = convModel(L.depthwiseConv2d({ kernelSize: 3, padding: 'same' }));
    try {
      randomizeWeights(dilated, 1);
      plain.setWeights(dilated.getWeights());
      tf.tidy(() => {
        const x = randomTensor([2, ...IMAGE], 1, 'x');
        expect((dilated.predict(x) as tf.Tensor).dataSync()).toEqual((plain.predict(x) as tf.Tensor).dataSync());
      });
    } finally {
      dilated.dispose();
      plain.dispose();
    }
  });

  it("its SeparableConv2D config has no depth_multiplier (ourModel writes it in, as Keras' does)", () => {
    const model = convModel(L.separableConv2d({ filters: 2, kernelSize: 3, depthMultiplier: 2 }));
    try {
      const json = JSON.parse(JSON.stringify(model.toJSON(null, false)));
      expect(json.config.layers[1]).toMatchObject({ class_name: 'SeparableConv2D' });
      expect(json.config.layers[1].config.depth_multiplier).toBeUndefined();
    } finally {
      model.dispose();
    }
  });
});

describe('pooling alone, against tfjs-layers on wasm', () => {
  it.each(POOL)('$name', check);
});
