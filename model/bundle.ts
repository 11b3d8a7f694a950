// The deployable artifact of docs/architecture.md section 1: the shared W (dense float32), every task's sparse
// S_t,l as indices + values, and every task's head, in `manifest.json` + `weights.bin`. Its size is what
// the compression accounting counts, so the layout holds nothing else but alignment padding.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFilesAtomically } from '../lib/atomic-write.js';
import { requireLittleEndian } from '../lib/byte-order.js';
import {
  BUNDLE_FORMAT,
  BUNDLE_VERSION,
  BundleError,
  ENCODED_BUNDLE_VERSION,
  checkSections,
  checkSpec,
  headName,
  type Manifest,
  MANIFEST_FILE,
  type ManifestTask,
  parseManifest,
  type PlannedSection,
  type Section,
  type SectionPlace,
  sha256,
  sharedName,
  sparseName,
  statsName,
  WEIGHTS_FILE,
} from './bundle-manifest.js';
import { denseSection, readDense, readSparse, sparseSection, type BundleEncodings } from './bundle-encodings.js';
import { indexWidth, VALUE_BYTES } from './compression-accounting.js';
import type { DenseEncoding } from './quantize.js';
import { headSpec, modelFingerprint, type ModelSpec, type TensorSpec } from './spec.js';

export { BUNDLE_FORMAT, BUNDLE_VERSION, BundleError, MANIFEST_FILE, WEIGHTS_FILE } from './bundle-manifest.js';

export interface BundleTask {
  name: string;
  classes: number;
  /** One dense array per shared tensor, zero off the support of S_t. */
  sparse: Float32Array[];
  /** The head's tensors, in headSpec order (kernel, bias per head layer). */
  head: Float32Array[];
  /** The task's statistics (BatchNormalization's moving mean and variance), in spec.stats order. */
  stats: Float32Array[];
  /** The classes' names, when the data named them (predictions print them). */
  classNames?: string[];
  /** The input preprocessing the task's data was trained with (a CSV's standardisation). */
  preprocess?: ManifestTask['preprocess'];
}

export interface Bundle {
  spec: ModelSpec;
  shared: Float32Array[];
  tasks: BundleTask[];
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

// ---------------------------------------------------------------------------------------------------
// Writing

function checkBundle(bundle: Bundle): void {
  const { spec, shared, tasks } = bundle;
  const where = (what: string) => `writeBundle: ${what}`;
  if (shared.length !== spec.shared.length) throw new BundleError(where(`${shared.length} shared tensors, the spec has ${spec.shared.length}`));
  spec.shared.forEach((t, l) => {
    if (shared[l].length !== t.size) throw new BundleError(where(`shared tensor ${t.name} has ${shared[l].length} values, expected ${t.size}`));
  });
  const seen = new Set<string>();
  for (const task of tasks) {
    if (!/^[A-Za-z0-9_.-]+$/.test(task.name)) throw new BundleError(where(`task name ${JSON.stringify(task.name)} must be letters, digits, "_", "." and "-" only`));
    if (seen.has(task.name)) throw new BundleError(where(`task ${task.name} appears twice`));
    seen.add(task.name);
    if (!Number.isInteger(task.classes) || task.classes < 1) throw new BundleError(where(`task ${task.name} has ${task.classes} classes`));
    if (task.sparse.length !== spec.shared.length) throw new BundleError(where(`task ${task.name} has ${task.sparse.length} sparse tensors, expected ${spec.shared.length}`));
    spec.shared.forEach((t, l) => {
      if (task.sparse[l].length !== t.size) throw new BundleError(where(`task ${task.name}: sparse tensor ${t.name} has ${task.sparse[l].length} values, expected ${t.size}`));
    });
    const head = headSpec(spec, task.classes);
    if (task.head.length !== head.length) throw new BundleError(where(`task ${task.name} has ${task.head.length} head tensors, expected ${head.length}`));
    head.forEach((t, i) => {
      if (task.head[i].length !== t.size) throw new BundleError(where(`task ${task.name}: ${t.name} has ${task.head[i].length} values, expected ${t.size}`));
    });
    if (task.stats.length !== spec.stats.length || spec.stats.some((t, i) => task.stats[i].length !== t.size)) {
      throw new BundleError(where(`task ${task.name}: its statistics do not fit the spec's ${spec.stats.map((t) => t.name).join(', ') || '(none)'}`));
    }
    if (task.classNames && task.classNames.length !== task.classes) throw new BundleError(where(`task ${task.name} names ${task.classNames.length} classes, it has ${task.classes}`));
  }
}

function countNonZeros(a: Float32Array): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== 0) n++;
  return n;
}

type Place = (section: SectionPlace, bytes: Uint8Array) => void;

/** Versions 1 and 2: float32 values, sparse tensors as values and fixed-width indices. */
function placeFloat32(bundle: Bundle, place: Place): void {
  const { spec, tasks } = bundle;
  const denseBytes = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  for (const [l, t] of spec.shared.entries()) place({ name: sharedName(t), kind: 'dense', shape: t.shape }, denseBytes(bundle.shared[l]));
  for (const task of tasks) {
    for (const [l, t] of spec.shared.entries()) {
      const dense = task.sparse[l];
      const nnz = countNonZeros(dense);
      const width = indexWidth(t.size);
      const bytes = new Uint8Array(nnz * (VALUE_BYTES + width));
      const values = new Float32Array(bytes.buffer, 0, nnz);
      const indices = width === 2 ? new Uint16Array(bytes.buffer, nnz * VALUE_BYTES, nnz) : new Uint32Array(bytes.buffer, nnz * VALUE_BYTES, nnz);
      let k = 0;
      for (let i = 0; i < dense.length; i++) {
        if (dense[i] !== 0) {
          values[k] = dense[i];
          indices[k] = i;
          k++;
        }
      }
      place({ name: sparseName(task.name, t), kind: 'sparse', shape: t.shape, nnz, index_width: width }, bytes);
    }
    headSpec(spec, task.classes).forEach((t, i) => place({ name: headName(task.name, t), kind: 'dense', shape: t.shape }, denseBytes(task.head[i])));
    spec.stats.forEach((t, i) => place({ name: statsName(task.name, t), kind: 'dense', shape: t.shape }, denseBytes(task.stats[i])));
  }
}

/** Version 3: each part in its encoding (model/bundle-encodings.ts). */
function placeEncoded(bundle: Bundle, encodings: BundleEncodings, place: Place): void {
  const { spec, tasks } = bundle;
  const dense = (name: string, t: TensorSpec, values: Float32Array, encoding: DenseEncoding) => {
    const { fields, bytes } = denseSection(values, t, encoding, encodings.group);
    place({ name, kind: 'dense', shape: t.shape, ...fields }, bytes);
  };
  for (const [l, t] of spec.shared.entries()) dense(sharedName(t), t, bundle.shared[l], encodings.shared);
  for (const task of tasks) {
    for (const [l, t] of spec.shared.entries()) {
      const { fields, bytes } = sparseSection(task.sparse[l], encodings.values);
      place({ name: sparseName(task.name, t), kind: 'sparse', shape: t.shape, ...fields }, bytes);
    }
    headSpec(spec, task.classes).forEach((t, i) => dense(headName(task.name, t), t, task.head[i], encodings.heads));
    spec.stats.forEach((t, i) => dense(statsName(task.name, t), t, task.stats[i], encodings.heads));
  }
}

/** Writes `bundle` into `dir`: float32 throughout (version 2), or with `encodings` (version 3, a
 *  quantised bundle). */
export function writeBundle(dir: string, bundle: Bundle, encodings?: BundleEncodings): { weightBytes: number; manifestBytes: number } {
  requireLittleEndian('bundles');
  checkBundle(bundle);
  const { spec, tasks } = bundle;

  // Payload of each section, in file order.
  const payloads: Uint8Array[] = [];
  const planned: PlannedSection[] = [];
  let offset = 0;
  const place: Place = (section, bytes) => {
    planned.push({ ...section, offset, length: bytes.length });
    payloads.push(bytes);
    offset = align4(offset + bytes.length);
  };
  if (encodings) placeEncoded(bundle, encodings, place);
  else placeFloat32(bundle, place);

  // Trailing padding is dropped: the file ends with the last section.
  const last = planned[planned.length - 1];
  const total = last ? last.offset + last.length : 0;
  const weights = new Uint8Array(total);
  const sections: Section[] = planned.map((section, i) => {
    weights.set(payloads[i], section.offset);
    return { ...section, sha256: sha256(payloads[i]) };
  });

  const manifest: Manifest = {
    format: BUNDLE_FORMAT,
    version: encodings ? ENCODED_BUNDLE_VERSION : BUNDLE_VERSION,
    byte_order: 'little',
    spec: spec,
    fingerprint: modelFingerprint(spec),
    weights: { file: WEIGHTS_FILE, bytes: total, sha256: sha256(weights) },
    tasks: tasks.map((t) => ({ name: t.name, classes: t.classes, ...(t.classNames ? { class_names: t.classNames } : {}), ...(t.preprocess ? { preprocess: t.preprocess } : {}) })),
    sections,
  };
  const manifestText = new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`);
  writeFilesAtomically(dir, [
    { name: WEIGHTS_FILE, data: weights },
    { name: MANIFEST_FILE, data: manifestText },
  ]);
  return { weightBytes: total, manifestBytes: manifestText.length };
}

// ---------------------------------------------------------------------------------------------------
// Reading

function readFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new BundleError(`${path}: missing (not a bundle directory, or an incomplete one)`);
    throw new BundleError(`${path}: cannot be read (${code ?? (err as Error).message})`);
  }
}

/** A float32 copy of `count` values at `offset` (copied, so the result is aligned and owns its memory). */
function floats(bytes: Buffer, offset: number, count: number): Float32Array {
  const out = new Float32Array(count);
  new Uint8Array(out.buffer).set(bytes.subarray(offset, offset + count * VALUE_BYTES));
  return out;
}

function indicesOf(bytes: Buffer, offset: number, count: number, width: 2 | 4): Uint16Array | Uint32Array {
  const out = width === 2 ? new Uint16Array(count) : new Uint32Array(count);
  new Uint8Array(out.buffer).set(bytes.subarray(offset, offset + count * width));
  return out;
}

export function readBundle(dir: string): Bundle {
  requireLittleEndian('bundles');
  const manifestPath = join(dir, MANIFEST_FILE);
  const weightsPath = join(dir, WEIGHTS_FILE);
  const manifestText = readFile(manifestPath).toString('utf8');
  // Check weights.bin exists before parsing, so a half-copied directory says which file is missing.
  try {
    statSync(weightsPath);
  } catch {
    throw new BundleError(`${weightsPath}: missing (the manifest ${manifestPath} refers to it)`);
  }
  const manifest = parseManifest(manifestPath, manifestText);
  const spec = checkSpec(manifestPath, manifest);
  const weights = readFile(weightsPath);
  const declared = manifest.weights.bytes;
  if (weights.length < declared) throw new BundleError(`${weightsPath}: truncated: ${weights.length} bytes, ${manifestPath} says ${declared}`);
  if (weights.length > declared) throw new BundleError(`${weightsPath}: ${weights.length} bytes, more than the ${declared} ${manifestPath} says (extended or from another bundle)`);
  const sections = checkSections(manifestPath, manifest, spec, declared);

  if (sha256(weights) !== manifest.weights.sha256) {
    const bad = sections.find(({ section: s }) => sha256(weights.subarray(s.offset, s.offset + s.length)) !== s.sha256);
    const what = bad ? `section ${bad.section.name} (bytes ${bad.section.offset}..${bad.section.offset + bad.section.length})` : 'the padding between sections';
    throw new BundleError(`${weightsPath}: checksum mismatch against ${manifestPath}: ${what} differs`);
  }
  for (const { section: s } of sections) {
    if (sha256(weights.subarray(s.offset, s.offset + s.length)) !== s.sha256) {
      throw new BundleError(`${weightsPath}: checksum mismatch in section ${s.name} (the file checksum matches, the section's in ${manifestPath} does not)`);
    }
  }

  let next = 0;
  const take = () => sections[next++];
  const encoded = manifest.version >= ENCODED_BUNDLE_VERSION;
  const bytesOf = (s: { offset: number; length: number }) => weights.subarray(s.offset, s.offset + s.length);
  const dense = () => {
    const { section, tensor } = take();
    if (section.kind !== 'dense') throw new Error(`unreachable: ${section.name} is not dense`);
    return encoded ? readDense(bytesOf(section), section, tensor, weightsPath) : floats(weights, section.offset, tensor.size);
  };
  const sparse = () => {
    const { section, tensor } = take();
    if (section.kind !== 'sparse') throw new Error(`unreachable: ${section.name} is not sparse`);
    if (encoded) return readSparse(bytesOf(section), section, tensor, weightsPath);
    const values = floats(weights, section.offset, section.nnz);
    const indices = indicesOf(weights, section.offset + section.nnz * VALUE_BYTES, section.nnz, section.index_width ?? 4);
    const out = new Float32Array(tensor.size);
    let previous = -1;
    for (let k = 0; k < section.nnz; k++) {
      const i = indices[k];
      if (i >= tensor.size) throw new BundleError(`${weightsPath}: section ${section.name}: index ${i} (entry ${k}) out of range for a tensor of ${tensor.size} entries`);
      if (i <= previous) throw new BundleError(`${weightsPath}: section ${section.name}: indices not strictly increasing at entry ${k} (${previous} then ${i})`);
      out[i] = values[k];
      previous = i;
    }
    return out;
  };

  const shared = spec.shared.map(() => dense());
  const tasks = manifest.tasks.map((t): BundleTask => ({
    name: t.name,
    classes: t.classes,
    sparse: spec.shared.map(() => sparse()),
    head: headSpec(spec, t.classes).map(() => dense()),
    stats: spec.stats.map(() => dense()),
    ...(t.class_names ? { classNames: t.class_names } : {}),
    ...(t.preprocess ? { preprocess: t.preprocess } : {}),
  }));
  return { spec, shared, tasks };
}

// ---------------------------------------------------------------------------------------------------

export function findTask(bundle: Bundle, task: string): BundleTask {
  const found = bundle.tasks.find((t) => t.name === task);
  if (!found) {
    const known = bundle.tasks.map((t) => t.name);
    throw new BundleError(`unknown task ${JSON.stringify(task)}; the bundle holds ${known.length ? known.join(', ') : 'no tasks'}`);
  }
  return found;
}

/** W + S_t per shared tensor: the backbone weights task `task` runs with. */
export function effectiveWeights(bundle: Bundle, task: string): Float32Array[] {
  const t = findTask(bundle, task);
  return bundle.shared.map((w, l) => {
    const s = t.sparse[l];
    if (s.length !== w.length) throw new BundleError(`task ${task}: sparse tensor ${bundle.spec.shared[l]?.name ?? l} has ${s.length} values, W has ${w.length}`);
    const out = new Float32Array(w.length);
    for (let i = 0; i < w.length; i++) out[i] = w[i] + s[i];
    return out;
  });
}
