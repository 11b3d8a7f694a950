// Shared by the export-*.test.ts files: seeded random bundles, and the tasks and models they are made for.
import type { Bundle } from '../../model/bundle.js';
import { Random } from '../../lib/random.js';
import { buildModelSpec, headSpec, initTensors, type ModelSpec } from '../../model/spec.js';

export const TASKS = [
  { name: 'digits', classes: 10 },
  { name: 'fashion', classes: 7 },
];

/** An MLP and lenet5, both on 28x28x1 images. */
export const IMAGE_MODELS: [string, ModelSpec][] = [
  ['mlp', buildModelSpec({ arch: 'mlp', hidden: [32] }, [28, 28, 1])],
  ['lenet5', buildModelSpec({ arch: 'lenet5' }, [28, 28, 1])],
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
    })),
  };
}
