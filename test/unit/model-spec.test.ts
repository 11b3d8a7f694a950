import { describe, expect, it } from 'vitest';
import { buildModelSpec, headSpec, initTensors, modelFingerprint, specOf, totalSize } from '../../model/spec.js';

describe('model spec', () => {
  it('lenet5 on 28x28x1 has the classic shapes', () => {
    const spec = buildModelSpec({ arch: 'lenet5' }, [28, 28, 1]);
    expect(spec.shared.map((t) => [t.name, t.shape])).toEqual([
      ['conv1/kernel', [5, 5, 1, 6]],
      ['conv1/bias', [6]],
      ['conv2/kernel', [5, 5, 6, 16]],
      ['conv2/bias', [16]],
      ['dense1/kernel', [400, 120]],
      ['dense1/bias', [120]],
      ['dense2/kernel', [120, 84]],
      ['dense2/bias', [84]],
    ]);
    expect(totalSize(spec.shared)).toBe(156 + 2416 + 48120 + 10164);
    expect(totalSize(headSpec(spec, 10))).toBe(850);
  });

  it('mlp takes its hidden sizes from the config', () => {
    const spec = buildModelSpec({ arch: 'mlp', hidden: [32, 16] }, [8]);
    expect(spec.shared.map((t) => t.shape)).toEqual([[8, 32], [32], [32, 16], [16]]);
    expect(spec.featureSize).toBe(16);
  });

  it('refuses lenet5 on vectors', () => {
    expect(() => buildModelSpec({ arch: 'lenet5' }, [64])).toThrow(/layer "conv1" \(Conv2D\): needs an image input/);
  });

  it('initialisation is seeded: same seed same weights, other seed other weights, He scale', () => {
    const spec = buildModelSpec({ arch: 'mlp', hidden: [256] }, [784]);
    const a = initTensors(spec.shared, 3, 'shared');
    const b = initTensors(spec.shared, 3, 'shared');
    const c = initTensors(spec.shared, 4, 'shared');
    expect(a[0]).toEqual(b[0]);
    expect(a[0]).not.toEqual(c[0]);
    const std = Math.sqrt(a[0].reduce((s, x) => s + x * x, 0) / a[0].length);
    expect(std).toBeGreaterThan(0.9 * Math.sqrt(2 / 784));
    expect(std).toBeLessThan(1.1 * Math.sqrt(2 / 784));
    expect(a[1].every((x) => x === 0)).toBe(true);
  });

  it('fingerprint changes with the architecture and the input shape', () => {
    const f = (hidden: number[], input: number[]) => modelFingerprint(buildModelSpec({ arch: 'mlp', hidden }, input));
    expect(f([32], [8])).toBe(f([32], [8]));
    expect(f([32], [8])).not.toBe(f([33], [8]));
    expect(f([32], [8])).not.toBe(f([32], [9]));
  });

  it('fingerprints are the ones bundles on disk record', () => {
    expect(modelFingerprint(buildModelSpec({ arch: 'mlp', hidden: [16, 8] }, [20]))).toBe('616675ceaaec313b');
    expect(modelFingerprint(buildModelSpec({ arch: 'lenet5' }, [28, 28, 1]))).toBe('2f1f5d5d815fb8a9');
  });

  it.each([
    ['mlp', buildModelSpec({ arch: 'mlp', hidden: [16, 8] }, [4, 5])],
    ['lenet5', buildModelSpec({ arch: 'lenet5' }, [32, 32, 3])],
  ])('%s: its layers rebuild the same spec', (_name, spec) => {
    expect(specOf({ name: spec.name, layers: spec.layers, head: spec.head }, spec.inputShape)).toEqual(spec);
  });

  it('a layer list: shared backbone, per-task statistics, the last Dense as the head', () => {
    const spec = buildModelSpec(
      {
        layers: [
          { type: 'Conv2D', filters: 4, kernel_size: 3, padding: 'same' },
          { type: 'BatchNormalization' },
          { type: 'Activation', activation: 'relu' },
          { type: 'GlobalAveragePooling2D' },
          { type: 'Dense', units: 5, activation: 'softmax' },
        ],
      },
      [8, 8, 2],
    );
    expect(spec.shared.map((t) => t.name)).toEqual(['conv2d/kernel', 'conv2d/bias', 'batch_normalization/gamma', 'batch_normalization/beta']);
    expect(spec.stats.map((t) => t.name)).toEqual(['batch_normalization/moving_mean', 'batch_normalization/moving_variance']);
    expect(spec.head).toEqual(['dense']);
    expect(headSpec(spec, 3).map((t) => t.shape)).toEqual([[4, 3], [3]]);
  });

  it('names the layer and its class for an unsupported layer, argument or shape', () => {
    const build =
      (layers: Record<string, unknown>[], shape = [8, 8, 1]) =>
      () =>
        buildModelSpec({ layers: layers as { type: string }[] }, shape);
    expect(
      build([
        { type: 'LSTM', units: 3 },
        { type: 'Dense', units: 2 },
      ]),
    ).toThrow(/layer "lstm" \(LSTM\): layer class LSTM is not supported/);
    expect(build([{ type: 'Conv2D', name: 'c', filters: 2, kernel_size: 3, padding: 'causal' }, { type: 'Flatten' }, { type: 'Dense', units: 2 }])).toThrow(
      /layer "c" \(Conv2D\): padding "causal" is not supported/,
    );
    expect(build([{ type: 'Conv2D', name: 'big', filters: 2, kernel_size: 9 }, { type: 'Flatten' }, { type: 'Dense', units: 2 }])).toThrow(/layer "big" \(Conv2D\): a window of 9/);
    expect(
      build(
        [
          { type: 'Dense', units: 3 },
          { type: 'Add', name: 'sum', inputs: ['dense', 'input'] },
          { type: 'Dense', units: 2 },
        ],
        [4],
      ),
    ).toThrow(/layer "sum" \(Add\): inputs must have one shape/);
    expect(build([{ type: 'Flatten' }, { type: 'Dense', name: 'out', units: 2, activation: 'sigmoid' }])).toThrow(/layer "out" \(Dense\).*sigmoid/);
    expect(build([{ type: 'Flatten' }, { type: 'Dropout', name: 'last', rate: 0.2 }])).toThrow(/layer "last" \(Dropout\) is the model's output and is not a Dense layer/);
  });
});
