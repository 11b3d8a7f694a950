import { describe, expect, it } from 'vitest';
import { architecture } from '../../model/architectures/index.js';
import { buildModelSpec, headSpec, initTensors, modelFingerprint, totalSize } from '../../model/spec.js';

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
    expect(() => buildModelSpec({ arch: 'lenet5' }, [64])).toThrow(/needs images/);
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
  ])('%s: the config its record derives from a spec rebuilds that spec', (_name, spec) => {
    expect(buildModelSpec(architecture(spec.arch).config(spec), spec.inputShape)).toEqual(spec);
  });

  it('names the known architectures for an unknown one', () => {
    expect(() => architecture('resnet')).toThrow('unknown model architecture "resnet"; the known ones are mlp, lenet5');
  });
});
