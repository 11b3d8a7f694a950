// Quantised bundles (manifest version 3, model/bundle-encodings.ts): each preset writes every part in
// its encoding and reads back within that encoding's error bound (W, heads, statistics) or exactly at
// the same positions (S_t, values within their bound); the bytes fall as the encodings say; damage is
// refused naming the part; `hybrid inspect`'s summary adds up; the default stays float32, version 2.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../config/load.js';
import { BundleError, readBundle, writeBundle, type Bundle } from '../../model/bundle.js';
import { QUANTIZE_PRESETS } from '../../model/bundle-encodings.js';
import { inspectBundle } from '../../model/bundle-inspect.js';
import { denseErrorBound } from '../../model/quantize.js';
import { headSpec } from '../../model/spec.js';
import { IMAGE_MODELS, randomBundle, TASKS } from '../support/bundles.js';

const fresh = () => mkdtempSync(join(tmpdir(), 'hybrid-qbundle-'));

function expectWithin(got: Float32Array, want: Float32Array, bound: Float32Array, what: string): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (Math.abs(got[i] - want[i]) > bound[i] * (1 + 1e-6) + 1e-30) throw new Error(`${what}: entry ${i} is ${got[i]}, wrote ${want[i]}, bound ${bound[i]}`);
  }
}

function manifestOf(dir: string): { version: number; sections: { name: string; offset: number; length: number; values_bytes?: number }[] } {
  return JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
}

describe('quantised bundles', () => {
  for (const [model, spec] of IMAGE_MODELS) {
    for (const preset of ['f16', 'int8', 'int4'] as const) {
      it(`${model}, ${preset}: every part within its encoding's bound, S_t at the same positions`, () => {
        const bundle: Bundle = randomBundle(spec, TASKS, 7);
        const dir = fresh();
        const enc = QUANTIZE_PRESETS[preset];
        writeBundle(dir, bundle, enc);
        expect(manifestOf(dir).version).toBe(3);
        const read = readBundle(dir);
        spec.shared.forEach((t, l) => expectWithin(read.shared[l], bundle.shared[l], denseErrorBound(bundle.shared[l], t.shape, enc.shared, enc.group), `W ${t.name}`));
        bundle.tasks.forEach((task, k) => {
          const back = read.tasks[k];
          spec.shared.forEach((t, l) => {
            const wrote = task.sparse[l];
            const values = wrote.filter((x) => x !== 0);
            const bound = denseErrorBound(values, [values.length], enc.values === 'int8' ? 'int8' : enc.values, enc.group);
            let k2 = 0;
            for (let i = 0; i < wrote.length; i++) {
              if (wrote[i] === 0) expect(back.sparse[l][i], `${task.name} ${t.name}[${i}] off the support`).toBe(0);
              else {
                expect(Math.abs(back.sparse[l][i] - wrote[i])).toBeLessThanOrEqual(bound[k2] * (1 + 1e-6) + 1e-30);
                k2++;
              }
            }
          });
          headSpec(spec, task.classes).forEach((t, i) => expectWithin(back.head[i], task.head[i], denseErrorBound(task.head[i], t.shape, enc.heads, enc.group), `${task.name} ${t.name}`));
          spec.stats.forEach((t, i) => expectWithin(back.stats[i], task.stats[i], denseErrorBound(task.stats[i], t.shape, enc.heads, enc.group), `${task.name} ${t.name}`));
        });
      });
    }
  }

  it('the bytes fall as the encodings say, and inspect adds them up', () => {
    const spec = IMAGE_MODELS[1][1];
    const bundle = randomBundle(spec, TASKS, 3);
    const sizes: Record<string, ReturnType<typeof inspectBundle>> = {};
    for (const preset of ['f32', 'f16', 'int8', 'int4'] as const) {
      const dir = fresh();
      writeBundle(dir, bundle, preset === 'f32' ? undefined : QUANTIZE_PRESETS[preset]);
      sizes[preset] = inspectBundle(dir);
      const s = sizes[preset];
      expect(s.parts.reduce((a, p) => a + p.bytes, 0)).toBeLessThanOrEqual(s.weights_bytes);
      expect(s.weights_bytes - s.parts.reduce((a, p) => a + p.bytes, 0)).toBeLessThan(4 * s.parts.length);
      expect(s.bytes_ratio).toBeCloseTo(s.separate_bytes / s.weights_bytes, 10);
      expect(s.tasks.map((t) => Object.values(t.nnz).reduce((a, n) => a + n, 0))).toEqual(bundle.tasks.map((t) => t.sparse.reduce((a, x) => a + x.filter((v) => v !== 0).length, 0)));
    }
    // W dominates: float16 about halves it, int8 quarters it, int4 an eighth plus its scales.
    expect(sizes.f16.shared_bytes / sizes.f32.shared_bytes).toBeCloseTo(0.5, 2);
    expect(sizes.int8.shared_bytes / sizes.f32.shared_bytes).toBeLessThan(0.27);
    expect(sizes.int4.shared_bytes / sizes.f32.shared_bytes).toBeLessThan(0.16);
    expect(sizes.int4.bytes_ratio).toBeGreaterThan(sizes.int8.bytes_ratio);
    expect(sizes.int8.bytes_ratio).toBeGreaterThan(sizes.f16.bytes_ratio);
    expect(sizes.f32.version).toBe(2);
  });

  it('a damaged quantised section is refused, naming it; so is a values length that does not fit its count', () => {
    const spec = IMAGE_MODELS[0][1];
    const dir = fresh();
    writeBundle(dir, randomBundle(spec, TASKS, 5), QUANTIZE_PRESETS.int4);
    const m = manifestOf(dir);
    const target = m.sections.find((s) => s.name.includes('/sparse/'))!;
    const weights = readFileSync(join(dir, 'weights.bin'));
    weights[target.offset] ^= 0xff;
    writeFileSync(join(dir, 'weights.bin'), weights);
    expect(() => readBundle(dir)).toThrow(BundleError);
    expect(() => readBundle(dir)).toThrow(new RegExp(`section ${target.name.replace(/[/.]/g, '\\$&')}`));

    const other = fresh();
    writeBundle(other, randomBundle(spec, TASKS, 5), QUANTIZE_PRESETS.int8);
    const m2 = manifestOf(other);
    const sparse = m2.sections.find((s) => s.name.includes('/sparse/') && (s.values_bytes ?? 0) > 0)!;
    sparse.values_bytes = (sparse.values_bytes ?? 0) + 4;
    writeFileSync(join(other, 'manifest.json'), JSON.stringify(m2));
    expect(() => readBundle(other)).toThrow(new RegExp(`${sparse.name.replace(/[/.]/g, '\\$&')}`));
  });

  it('a version-3 field in a version-2 bundle is refused, naming the section', () => {
    const dir = fresh();
    writeBundle(dir, randomBundle(IMAGE_MODELS[0][1], TASKS, 5));
    const m = manifestOf(dir) as ReturnType<typeof manifestOf> & { sections: Record<string, unknown>[] };
    m.sections[0].encoding = 'int8';
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m));
    expect(() => readBundle(dir)).toThrow(/section 0 \(shared\/.*\): encoding in a version 2 bundle/);
  });
});

describe('quantisation-aware steps in the run config', () => {
  it('need export.quantize, and no more of them than steps', () => {
    const base = { model: { arch: 'mlp', hidden: [8] }, tasks: [{ name: 'a', dataset: { source: 'synthetic' } }] };
    expect(() => parseRunConfig({ ...base, train: { steps: 50, quantize_aware_steps: 10 } }, 't')).toThrow(
      /quantize_aware_steps: trains against W as a quantised bundle stores it: set export.quantize/,
    );
    expect(() => parseRunConfig({ ...base, train: { steps: 50, quantize_aware_steps: 60 }, export: { quantize: 'int8' } }, 't')).toThrow(/60 is more than the run's 50 steps/);
    expect(parseRunConfig({ ...base, train: { steps: 50, quantize_aware_steps: 10 }, export: { quantize: 'int4' } }, 't').train.quantize_aware_steps).toBe(10);
  });
});
