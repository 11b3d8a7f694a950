// The bundle's manifest.json: its format (zod schema, section names and layout) and the checks a
// reader makes on it, against the spec's layer graph and the weights file's size, before it
// interprets any byte of weights.bin. Version 1 bundles (the built-in networks by name) still load.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { lenet5Layers, mlpLayers } from './builtin-models.js';
import { encodedLength } from './bundle-encodings.js';
import { BundleError } from './bundle-error.js';
import { indexWidth, VALUE_BYTES } from './compression-accounting.js';
import { headSpec, modelFingerprint, type ModelSpec, specOf, type TensorSpec } from './spec.js';

export const BUNDLE_FORMAT = 'hybrid-bundle';
export const BUNDLE_VERSION = 2;
/** Sections with encodings (model/bundle-encodings.ts): what a quantised bundle is written as. */
export const ENCODED_BUNDLE_VERSION = 3;
/** Versions this program reads: 1 held the built-in networks by name (`arch`, `hidden`). */
const READABLE_VERSIONS = [1, 2, 3];
export const MANIFEST_FILE = 'manifest.json';
export const WEIGHTS_FILE = 'weights.bin';

export { BundleError } from './bundle-error.js';

const nonNegInt = z.number().int().min(0);
const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 in lower-case hex');

const sectionSchema = z.discriminatedUnion('kind', [
  // Row-major values: float32 (versions 1 and 2), or in `encoding` (version 3, model/quantize.ts; int4 with
  // `group` entries per scale).
  z.strictObject({
    name: z.string(),
    kind: z.literal('dense'),
    shape: z.array(nonNegInt),
    encoding: z.enum(['f32', 'f16', 'int8', 'int4']).optional(),
    group: z.union([z.literal(32), z.literal(64)]).optional(),
    offset: nonNegInt,
    length: nonNegInt,
    sha256: sha256Hex,
  }),
  // Versions 1 and 2: nnz float32 values, then nnz strictly increasing indices (little-endian,
  // index_width bytes each) into the flattened tensor. Values first, so both parts are 4-byte aligned
  // without inner padding. Version 3: `values_bytes` of values in `values`, padded to 4 bytes, then the
  // positions in `positions` (u16, u32, bitmap or varint gaps).
  z.strictObject({
    name: z.string(),
    kind: z.literal('sparse'),
    shape: z.array(nonNegInt),
    nnz: nonNegInt,
    index_width: z.union([z.literal(2), z.literal(4)]).optional(),
    values: z.enum(['f32', 'f16', 'int8']).optional(),
    positions: z.enum(['u16', 'u32', 'bitmap', 'varint']).optional(),
    values_bytes: nonNegInt.optional(),
    offset: nonNegInt,
    length: nonNegInt,
    sha256: sha256Hex,
  }),
]);

export type Section = z.infer<typeof sectionSchema>;
/** Omit that keeps a union a union (the built-in one collapses it to the common keys). */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type SectionPlace = DistributiveOmit<Section, 'sha256' | 'offset' | 'length'>;

const tensorSchema = z.strictObject({ name: z.string(), shape: z.array(nonNegInt), size: nonNegInt, init: z.enum(['he', 'glorot', 'zeros', 'ones']), fanIn: nonNegInt, fanOut: nonNegInt });

const specSchema = z.strictObject({
  name: z.string().min(1),
  inputShape: z.array(z.number().int().positive()).min(1),
  layers: z.array(z.strictObject({ name: z.string().min(1), className: z.string().min(1), config: z.record(z.string(), z.unknown()), inputs: z.array(z.string()) })).min(1),
  head: z.array(z.string().min(1)).min(1),
  shared: z.array(tensorSchema),
  stats: z.array(tensorSchema),
  featureSize: z.number().int().positive(),
});

/** Version 1's spec: a built-in network by name. */
const specV1Schema = z.strictObject({
  arch: z.enum(['mlp', 'lenet5']),
  inputShape: z.array(z.number().int().positive()).min(1),
  hidden: z.array(z.number().int().positive()),
  shared: z.array(tensorSchema),
  featureSize: z.number().int().positive(),
});

/** A CSV task's standardisation: feature k is (x_k - mean[k]) / std[k]. */
export const preprocessSchema = z
  .strictObject({ kind: z.literal('standardize'), columns: z.array(z.string()), mean: z.array(z.number()), std: z.array(z.number().positive()) })
  .refine((p) => p.mean.length === p.columns.length && p.std.length === p.columns.length, 'columns, mean and std must have one entry per feature');

/** What predictions need besides weights: the class names, and the input preprocessing (a CSV's
 *  standardisation) the task's data was trained with. */
const taskSchema = z.strictObject({ name: z.string().min(1), classes: z.number().int().positive(), class_names: z.array(z.string()).optional(), preprocess: preprocessSchema.optional() });

const manifestSchema = z.strictObject({
  format: z.literal(BUNDLE_FORMAT),
  version: z.union([z.literal(1), z.literal(2), z.literal(3)]),
  byte_order: z.literal('little'),
  spec: z.union([specSchema, specV1Schema]),
  fingerprint: z.string(),
  weights: z.strictObject({ file: z.literal(WEIGHTS_FILE), bytes: nonNegInt, sha256: sha256Hex }),
  tasks: z.array(taskSchema),
  sections: z.array(sectionSchema),
});

export type ManifestTask = z.infer<typeof taskSchema>;
export type Manifest = z.infer<typeof manifestSchema>;

/** Where each section goes in weights.bin, in file order: shared, then per task its sparse tensors and
 *  head. Sections start on 4-byte boundaries so Float32Array / Uint32Array views can be taken in place. */
export type PlannedSection = DistributiveOmit<Section, 'sha256'>;

export function sharedName(t: TensorSpec): string {
  return `shared/${t.name}`;
}
export function sparseName(task: string, t: TensorSpec): string {
  return `tasks/${task}/sparse/${t.name}`;
}
export function headName(task: string, t: TensorSpec): string {
  return `tasks/${task}/${t.name}`;
}
export function statsName(task: string, t: TensorSpec): string {
  return `tasks/${task}/stats/${t.name}`;
}

/** The sections a bundle of this spec and these tasks must hold, in order (offsets and lengths are
 *  only filled in by the writer). */
function expectedSections(spec: ModelSpec, tasks: readonly { name: string; classes: number }[]): { name: string; kind: 'dense' | 'sparse'; tensor: TensorSpec }[] {
  const out: { name: string; kind: 'dense' | 'sparse'; tensor: TensorSpec }[] = [];
  for (const t of spec.shared) out.push({ name: sharedName(t), kind: 'dense', tensor: t });
  for (const task of tasks) {
    for (const t of spec.shared) out.push({ name: sparseName(task.name, t), kind: 'sparse', tensor: t });
    for (const t of headSpec(spec, task.classes)) out.push({ name: headName(task.name, t), kind: 'dense', tensor: t });
    for (const t of spec.stats) out.push({ name: statsName(task.name, t), kind: 'dense', tensor: t });
  }
  return out;
}

/** A version 1 or 2 section's length: float32 values, and indices of the checked width. */
function sectionLength(s: Section, tensor: TensorSpec): number {
  return s.kind === 'dense' ? tensor.size * VALUE_BYTES : s.nnz * (VALUE_BYTES + (s.index_width ?? 4));
}

/** The version-3 fields a section sets. */
function encodingFields(s: Section): string[] {
  const keys = s.kind === 'dense' ? (['encoding', 'group'] as const) : (['values', 'positions', 'values_bytes'] as const);
  return keys.filter((k) => (s as Record<string, unknown>)[k] !== undefined);
}

/** A checksum as the manifest records it: sha256, lower-case hex. */
export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function parseManifest(path: string, text: string): Manifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new BundleError(`${path}: invalid JSON (${(err as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new BundleError(`${path}: expected a JSON object`);
  const head = raw as { format?: unknown; version?: unknown };
  if (head.format !== BUNDLE_FORMAT) throw new BundleError(`${path}: format is ${JSON.stringify(head.format)}, expected "${BUNDLE_FORMAT}"`);
  if (!READABLE_VERSIONS.includes(head.version as number)) {
    throw new BundleError(
      `${path}: unknown ${BUNDLE_FORMAT} version ${JSON.stringify(head.version)}; this program reads versions ${READABLE_VERSIONS.slice(0, -1).join(', ')} and ${READABLE_VERSIONS[READABLE_VERSIONS.length - 1]}`,
    );
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BundleError(`${path}: ${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}

export function checkSpec(path: string, manifest: Manifest): ModelSpec {
  const spec = manifest.spec;
  if ((manifest.version === 1) !== 'arch' in spec) throw new BundleError(`${path}: a version ${manifest.version} bundle with a version ${'arch' in spec ? 1 : 2} spec`);
  // The fingerprint covers names and shapes only; sizes, fans and the feature width must also be the
  // ones the layers imply, since the reader trusts them for lengths: the spec is rebuilt from its layers.
  let rebuilt: ModelSpec;
  try {
    const definition =
      'arch' in spec
        ? { name: spec.arch, layers: spec.arch === 'lenet5' ? lenet5Layers() : mlpLayers(spec.hidden, spec.inputShape.length) }
        : { name: spec.name, layers: spec.layers, head: spec.head };
    rebuilt = specOf(definition, spec.inputShape);
  } catch (err) {
    throw new BundleError(`${path}: spec is not a valid model: ${(err as Error).message}`);
  }
  const fingerprint = modelFingerprint(rebuilt);
  if (fingerprint !== manifest.fingerprint) {
    throw new BundleError(`${path}: fingerprint ${manifest.fingerprint} does not match the spec (whose fingerprint is ${fingerprint})`);
  }
  const comparable = (s: object) => JSON.stringify({ shared: (s as ModelSpec).shared, featureSize: (s as ModelSpec).featureSize, inputShape: (s as ModelSpec).inputShape });
  if ('arch' in spec ? comparable(rebuilt) !== comparable(spec) : JSON.stringify(rebuilt) !== JSON.stringify(spec)) {
    throw new BundleError(`${path}: spec is inconsistent with its layers (${rebuilt.name}, input [${spec.inputShape.join(', ')}])`);
  }
  return rebuilt;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Checks the section table against the spec and the file size, before any byte is interpreted. */
export function checkSections(path: string, manifest: Manifest, spec: ModelSpec, fileBytes: number): { section: Section; tensor: TensorSpec }[] {
  const names = new Set<string>();
  for (const t of manifest.tasks) {
    if (names.has(t.name)) throw new BundleError(`${path}: task ${t.name} appears twice`);
    names.add(t.name);
  }
  const expected = expectedSections(spec, manifest.tasks);
  if (manifest.sections.length !== expected.length) {
    throw new BundleError(`${path}: ${manifest.sections.length} sections, expected ${expected.length} for ${spec.shared.length} shared tensors and ${manifest.tasks.length} tasks`);
  }
  let end = 0;
  return expected.map((want, i) => {
    const s = manifest.sections[i];
    const label = `${path}: section ${i} (${s.name})`;
    if (s.name !== want.name) throw new BundleError(`${path}: section ${i} is ${s.name}, expected ${want.name}`);
    if (s.kind !== want.kind) throw new BundleError(`${label}: kind ${s.kind}, expected ${want.kind}`);
    if (!sameShape(s.shape, want.tensor.shape)) throw new BundleError(`${label}: shape [${s.shape.join(', ')}], expected [${want.tensor.shape.join(', ')}]`);
    const encoded = manifest.version >= ENCODED_BUNDLE_VERSION;
    const fields = encodingFields(s);
    if (!encoded && fields.length > 0) throw new BundleError(`${label}: ${fields.join(', ')} in a version ${manifest.version} bundle (version ${ENCODED_BUNDLE_VERSION} has them)`);
    if (s.kind === 'sparse') {
      if (encoded && (s.values === undefined || s.positions === undefined || s.values_bytes === undefined))
        throw new BundleError(`${label}: a version ${manifest.version} sparse section needs values, positions and values_bytes`);
      if (!encoded && s.index_width !== indexWidth(want.tensor.size)) throw new BundleError(`${label}: index width ${s.index_width}, expected ${indexWidth(want.tensor.size)}`);
      if (s.nnz > want.tensor.size) throw new BundleError(`${label}: nnz ${s.nnz} exceeds the tensor's ${want.tensor.size} entries`);
    }
    if (s.kind === 'dense' && (s.encoding === 'int4') !== (s.group !== undefined)) throw new BundleError(`${label}: group is given with int4, and only with it`);
    const length = encoded ? encodedLength(s, want.tensor) : { exact: sectionLength(s, want.tensor) };
    if ('exact' in length ? s.length !== length.exact : s.length < length.atLeast)
      throw new BundleError(`${label}: length ${s.length}, expected ${'exact' in length ? length.exact : `at least ${length.atLeast}`}`);
    if (s.offset % 4 !== 0) throw new BundleError(`${label}: offset ${s.offset} is not 4-byte aligned`);
    if (s.offset < end) throw new BundleError(`${label}: offset ${s.offset} overlaps the previous section (which ends at ${end})`);
    end = s.offset + s.length;
    if (end > fileBytes) throw new BundleError(`${label}: ends at byte ${end}, past the ${fileBytes} bytes the manifest gives ${WEIGHTS_FILE}`);
    return { section: s, tensor: want.tensor };
  });
}
