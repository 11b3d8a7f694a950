// Shared by the export-*.test.ts files: seeded random bundles, and the tasks and models they are made for.
import type { Bundle } from '../../model/bundle.js';
import { Random } from '../../lib/random.js';
import { buildModelSpec, headSpec, initTensors, type ModelSpec } from '../../model/spec.js';

export const TASKS = [
  { name: 'digits', classes: 10 },
  { name: 'fashion', classes: 7 },
];

/** A small ResNet-style layer list: a strided convolution, a residual block with BatchNormalization and a
 *  skip connection, global pooling, a Dense head. */
export const RESNET_LAYERS = [
  { type: 'Conv2D', name: 'stem', filters: 8, kernel_size: 3, strides: 2, padding: 'same', use_bias: false },
  { type: 'BatchNormalization', name: 'stem_bn' },
  { type: 'Activation', name: 'stem_relu', activation: 'relu' },
  { type: 'Conv2D', name: 'block_conv1', filters: 8, kernel_size: 3, padding: 'same', activation: 'relu' },
  { type: 'Conv2D', name: 'block_conv2', filters: 8, kernel_size: 3, padding: 'same' },
  { type: 'BatchNormalization', name: 'block_bn' },
  { type: 'Add', name: 'block_add', inputs: ['block_bn', 'stem_relu'] },
  { type: 'Activation', name: 'block_relu', activation: 'relu' },
  { type: 'GlobalAveragePooling2D', name: 'pool' },
  { type: 'Dense', name: 'logits', units: 10, activation: 'softmax' },
];

/** An MLP, lenet5 and the small ResNet, all on 28x28x1 images. */
export const IMAGE_MODELS: [string, ModelSpec][] = [
  ['mlp', buildModelSpec({ arch: 'mlp', hidden: [32] }, [28, 28, 1])],
  ['lenet5', buildModelSpec({ arch: 'lenet5' }, [28, 28, 1])],
  ['resnet', buildModelSpec({ name: 'resnet', layers: RESNET_LAYERS }, [28, 28, 1])],
];

/**
 * Random W (the spec's initialisation), random S_t with about 3% non-zeros, random heads: a Glorot
 * kernel and a normal bias times `biasScale`, non-zero so that a lost head tensor would show.
 */
export function randomBundle(spec: ModelSpec, tasks: { name: string; classes: number }[], seed: number, biasScale = 1): Bundle {
  const rng = Random.stream(seed, 'test/bundle');
  const normal = (): number => rng.fillGaussian(new Float32Array(1))[0];
  return {
    spec,
    shared: initTensors(spec.shared, seed, 'shared'),
    tasks: tasks.map(({ name, classes }) => ({
      name,
      classes,
      sparse: spec.shared.map((t) => {
        const s = new Float32Array(t.size);
        for (let i = 0; i < s.length; i++) if (rng.uniform() < 0.03) s[i] = normal() * 0.1;
        return s;
      }),
      head: initTensors(headSpec(spec, classes), seed, `head/${name}`).map((h, i) => (i === 1 ? h.map(() => normal() * biasScale) : h)),
      // Moving means around 0, variances around 1 and positive: statistics a task's data could have.
      stats: spec.stats.map((t) => Float32Array.from({ length: t.size }, () => (t.name.endsWith('variance') ? 0.5 + rng.uniform() : normal() * 0.2))),
    })),
  };
}
