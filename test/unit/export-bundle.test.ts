import { createHash } from 'node:crypto';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Bundle, BundleError, effectiveWeights, readBundle, writeBundle } from '../../model/bundle.js';
import { compression } from '../../model/compression-accounting.js';
import { buildModelSpec, headSpec, type ModelSpec } from '../../model/spec.js';
import { IMAGE_MODELS, randomBundle, TASKS } from '../support/bundles.js';

const root = mkdtempSync(join(tmpdir(), 'hybrid-bundle-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => join(root, `b${dirs++}`);

const models: [string, ModelSpec][] = [
  ...IMAGE_MODELS,
  // dense0/kernel has 784 x 96 = 75,264 > 65,536 entries: 32-bit indices.
  ['mlp-wide', buildModelSpec({ arch: 'mlp', hidden: [96, 32] }, [28, 28, 1])],
];

interface SectionJson {
  name: string;
  kind: 'dense' | 'sparse';
  nnz?: number;
  index_width?: number;
  offset: number;
  length: number;
  sha256: string;
}
interface ManifestJson {
  version: number;
  fingerprint: string;
  /** A version 1 bundle's spec named a built-in network (arch, hidden) instead of listing layers. */
  spec: ModelSpec | { arch: string; inputShape: number[]; hidden: number[]; shared: ModelSpec['shared']; featureSize: number };
  weights: { bytes: number; sha256: string };
  sections: SectionJson[];
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const manifestOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as ManifestJson;
const saveManifest = (dir: string, m: ManifestJson) => writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m));

function expectSameBundle(actual: Bundle, expected: Bundle): void {
  expect(actual.spec).toEqual(expected.spec);
  expect(actual.shared).toEqual(expected.shared);
  expect(actual.tasks.map((t) => [t.name, t.classes])).toEqual(expected.tasks.map((t) => [t.name, t.classes]));
  actual.tasks.forEach((t, i) => {
    expect(t.sparse).toEqual(expected.tasks[i].sparse);
    expect(t.head).toEqual(expected.tasks[i].head);
  });
}

/** The BundleError `fn` throws (fails if it throws nothing or something else). */
function bundleError(fn: () => unknown): BundleError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(BundleError);
    return err as BundleError;
  }
  throw new Error('expected a BundleError, nothing was thrown');
}

describe.each(models)('bundle of %s', (_label, spec) => {
  const bundle = randomBundle(spec, TASKS, 7);
  const dir = freshDir();
  const written = writeBundle(dir, bundle);

  it('round-trips exactly', () => {
    expectSameBundle(readBundle(dir), bundle);
    // Bit-exact, not only equal as numbers.
    const back = readBundle(dir);
    expect(Buffer.from(back.tasks[1].sparse[0].buffer).equals(Buffer.from(bundle.tasks[1].sparse[0].buffer))).toBe(true);
  });

  it('stores S_t sparsely with the index width of compression.ts', () => {
    const m = manifestOf(dir);
    const sparse = m.sections.filter((s) => s.kind === 'sparse');
    expect(sparse).toHaveLength(TASKS.length * spec.shared.length);
    sparse.forEach((s, k) => {
      const tensor = spec.shared[k % spec.shared.length];
      const dense = bundle.tasks[Math.floor(k / spec.shared.length)].sparse[k % spec.shared.length];
      expect(s.nnz).toBe(dense.filter((v) => v !== 0).length);
      expect(s.index_width).toBe(tensor.size > 65536 ? 4 : 2);
    });
    for (const s of m.sections) expect(s.offset % 4).toBe(0);
  });

  it('weights.bin is exactly the compression accounting, padding aside', () => {
    const m = manifestOf(dir);
    const c = compression({
      sharedSizes: spec.shared.map((t) => t.size),
      headSizes: TASKS.map((t) => headSpec(spec, t.classes).reduce((a, x) => a + x.size, 0) + spec.stats.reduce((a, x) => a + x.size, 0)),
      nnz: bundle.tasks.map((t) => t.sparse.map((s) => s.filter((v) => v !== 0).length)),
    });
    expect(written.weightBytes).toBe(statSync(join(dir, 'weights.bin')).size);
    expect(written.manifestBytes).toBe(statSync(join(dir, 'manifest.json')).size);
    const payload = m.sections.reduce((a, s) => a + s.length, 0);
    expect(payload).toBe(c.hybrid_bytes);
    const padding = written.weightBytes - payload;
    expect(padding).toBeGreaterThanOrEqual(0);
    expect(padding).toBeLessThan(4 * m.sections.length);
    // Padding only follows 16-bit index sections of odd nnz.
    const expectedPadding = m.sections.slice(0, -1).reduce((a, s) => a + ((4 - (s.length % 4)) % 4), 0);
    expect(padding).toBe(expectedPadding);
    // The seeded fixture has 16-bit index sections of odd nnz, so the padding path is exercised.
    expect(padding).toBeGreaterThan(0);
  });

  it('effectiveWeights is W + S_t', () => {
    const e = effectiveWeights(bundle, 'fashion');
    expect(e).toHaveLength(spec.shared.length);
    e.forEach((x, l) => {
      const w = bundle.shared[l];
      const s = bundle.tasks[1].sparse[l];
      for (let i = 0; i < x.length; i += 97) expect(x[i]).toBe(Math.fround(w[i] + s[i]));
    });
    expect(() => effectiveWeights(bundle, 'nope')).toThrow(/unknown task "nope".*digits, fashion/);
  });
});

describe('bundle corruption', () => {
  const spec = buildModelSpec({ arch: 'mlp', hidden: [32] }, [28, 28, 1]);
  const bundle = randomBundle(spec, TASKS, 3);

  /** A fresh valid bundle on disk, for one test to damage. */
  function fresh(): string {
    const dir = freshDir();
    writeBundle(dir, bundle);
    return dir;
  }

  it('leaves no temporary files and overwrites in place', () => {
    const dir = fresh();
    const other = randomBundle(spec, [{ name: 'other', classes: 3 }], 11);
    writeBundle(dir, other);
    expect(readdirSync(dir).sort()).toEqual(['manifest.json', 'weights.bin']);
    expectSameBundle(readBundle(dir), other);
  });

  it('missing files', () => {
    expect(bundleError(() => readBundle(join(root, 'does-not-exist'))).message).toMatch(/manifest\.json: missing/);
    const dir = fresh();
    rmSync(join(dir, 'weights.bin'));
    expect(bundleError(() => readBundle(dir)).message).toMatch(/weights\.bin: missing/);
  });

  it('invalid JSON', () => {
    const dir = fresh();
    const text = readFileSync(join(dir, 'manifest.json'), 'utf8');
    writeFileSync(join(dir, 'manifest.json'), text.slice(0, text.length / 2));
    expect(bundleError(() => readBundle(dir)).message).toMatch(/manifest\.json: invalid JSON/);
  });

  it('a version 1 bundle (built-in networks by name, before layer graphs) still loads', () => {
    const dir = fresh();
    const m = manifestOf(dir);
    const current = m.spec as ModelSpec;
    saveManifest(dir, { ...m, version: 1, spec: { arch: 'mlp', inputShape: current.inputShape, hidden: [32], shared: current.shared, featureSize: current.featureSize } });
    const read = readBundle(dir);
    expect(read.spec).toEqual(spec);
    expectSameBundle(read, bundle);
  });

  it('unknown format version', () => {
    const dir = fresh();
    saveManifest(dir, { ...manifestOf(dir), version: 4 });
    expect(bundleError(() => readBundle(dir)).message).toMatch(/manifest\.json: unknown hybrid-bundle version 4; this program reads versions 1, 2 and 3/);
  });

  it('malformed manifest names the key', () => {
    const dir = fresh();
    const m = manifestOf(dir) as unknown as { weights: Record<string, unknown> };
    delete m.weights.sha256;
    saveManifest(dir, m as unknown as ManifestJson);
    expect(bundleError(() => readBundle(dir)).message).toMatch(/manifest\.json: weights\.sha256/);
  });

  it('truncated weights.bin', () => {
    const dir = fresh();
    const size = statSync(join(dir, 'weights.bin')).size;
    truncateSync(join(dir, 'weights.bin'), size - 1);
    expect(bundleError(() => readBundle(dir)).message).toMatch(new RegExp(`weights\\.bin: truncated: ${size - 1} bytes.*says ${size}`));
  });

  it('extended weights.bin', () => {
    const dir = fresh();
    appendFileSync(join(dir, 'weights.bin'), Buffer.alloc(4));
    expect(bundleError(() => readBundle(dir)).message).toMatch(/weights\.bin: \d+ bytes, more than/);
  });

  it('checksum mismatch names the damaged section', () => {
    const dir = fresh();
    const m = manifestOf(dir);
    const head = m.sections.find((s) => s.name === 'tasks/fashion/head/kernel');
    if (!head) throw new Error('fixture: no fashion head section');
    const bytes = readFileSync(join(dir, 'weights.bin'));
    bytes[head.offset + 5] ^= 0x40;
    writeFileSync(join(dir, 'weights.bin'), bytes);
    expect(bundleError(() => readBundle(dir)).message).toMatch(/weights\.bin: checksum mismatch.*tasks\/fashion\/head\/kernel/);
  });

  it('a section checksum that disagrees is caught even when the file checksum matches', () => {
    const dir = fresh();
    const m = manifestOf(dir);
    m.sections[0].sha256 = '0'.repeat(64);
    saveManifest(dir, m);
    expect(bundleError(() => readBundle(dir)).message).toMatch(/checksum mismatch in section shared\/dense0\/kernel/);
  });

  /** Rewrites one stored index of a sparse section (checksums updated, so only the index is wrong). */
  function setIndex(dir: string, name: string, entry: number, index: number): void {
    const m = manifestOf(dir);
    const s = m.sections.find((x) => x.name === name);
    if (!s || !s.nnz || s.nnz <= entry) throw new Error(`fixture: ${name} has too few non-zeros`);
    const bytes = readFileSync(join(dir, 'weights.bin'));
    bytes.writeUInt16LE(index, s.offset + s.nnz * 4 + entry * 2);
    s.sha256 = sha(bytes.subarray(s.offset, s.offset + s.length));
    m.weights.sha256 = sha(bytes);
    writeFileSync(join(dir, 'weights.bin'), bytes);
    saveManifest(dir, m);
  }

  it('index out of range', () => {
    const dir = fresh();
    setIndex(dir, 'tasks/digits/sparse/dense0/kernel', 0, 784 * 32);
    expect(bundleError(() => readBundle(dir)).message).toMatch(/tasks\/digits\/sparse\/dense0\/kernel: index 25088 \(entry 0\) out of range for a tensor of 25088 entries/);
  });

  it('indices out of order', () => {
    const dir = fresh();
    setIndex(dir, 'tasks/digits/sparse/dense0/kernel', 1, 0);
    expect(bundleError(() => readBundle(dir)).message).toMatch(/dense0\/kernel: indices not strictly increasing at entry 1/);
  });

  it('fingerprint not matching the spec', () => {
    const dir = fresh();
    saveManifest(dir, { ...manifestOf(dir), fingerprint: '0123456789abcdef' });
    expect(bundleError(() => readBundle(dir)).message).toMatch(/manifest\.json: fingerprint 0123456789abcdef does not match the spec/);
    const m = manifestOf(fresh());
    const dense0 = (m.spec as ModelSpec).layers.find((l) => l.name === 'dense0');
    if (!dense0) throw new Error('fixture: the mlp has no layer dense0');
    dense0.config.units = 33;
    const dir2 = freshDir();
    writeBundle(dir2, bundle);
    saveManifest(dir2, m);
    expect(bundleError(() => readBundle(dir2)).message).toMatch(/fingerprint [0-9a-f]{16} does not match the spec/);
  });

  it('a spec whose sizes contradict its architecture', () => {
    const dir = fresh();
    const m = manifestOf(dir);
    (m.spec as ModelSpec).featureSize = 31;
    saveManifest(dir, m);
    expect(bundleError(() => readBundle(dir)).message).toMatch(/spec is inconsistent with its layers/);
  });

  it('a section table that does not fit the spec', () => {
    const dir = fresh();
    const m = manifestOf(dir);
    m.sections[1].length += 4;
    saveManifest(dir, m);
    expect(bundleError(() => readBundle(dir)).message).toMatch(/section 1 \(shared\/dense0\/bias\): length 132, expected 128/);
  });

  it('refuses to write an inconsistent bundle', () => {
    const bad: Bundle = { ...bundle, tasks: [{ ...bundle.tasks[0], head: [bundle.tasks[0].head[0]] }] };
    expect(bundleError(() => writeBundle(freshDir(), bad)).message).toMatch(/task digits has 1 head tensors, expected 2/);
    const twice: Bundle = { ...bundle, tasks: [bundle.tasks[0], bundle.tasks[0]] };
    expect(bundleError(() => writeBundle(freshDir(), twice)).message).toMatch(/task digits appears twice/);
  });
});
