// What a bundle holds, as `hybrid inspect` prints it: every part's encoding and bytes, each task's
// non-zeros per shared tensor, its bytes and bits per parameter, and the ratio against T separate
// float32 models. The bundle is read and verified in full first (readBundle), so a summary is never of
// a damaged bundle.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readBundle } from './bundle.js';
import { MANIFEST_FILE, parseManifest, type Section } from './bundle-manifest.js';
import { VALUE_BYTES } from './compression-accounting.js';
import { headSpec } from './spec.js';

export interface PartSummary {
  name: string;
  kind: 'dense' | 'sparse';
  /** f32, f16, int8, int4 (dense); values/positions for sparse (e.g. "int8/bitmap"). */
  encoding: string;
  bytes: number;
  /** Sparse parts: the non-zeros. */
  nnz?: number;
  /** The tensor's entries. */
  entries: number;
}

export interface TaskSummary {
  name: string;
  classes: number;
  /** Non-zeros of S_t per shared tensor, in the spec's order. */
  nnz: Record<string, number>;
  /** S_t, the head and the statistics. */
  bytes: number;
  /** Its own bytes plus an equal share of W's, in bits, over the parameters of one model of it (|W| + head + statistics). */
  bits_per_parameter: number;
}

export interface BundleSummary {
  dir: string;
  version: number;
  model: string;
  fingerprint: string;
  shared_params: number;
  weights_bytes: number;
  shared_bytes: number;
  tasks: TaskSummary[];
  parts: PartSummary[];
  /** T separate float32 models of the architecture (their W, heads and statistics), in bytes. */
  separate_bytes: number;
  /** separate_bytes / weights_bytes. */
  bytes_ratio: number;
}

/** The bundle directory `path` names: itself when it holds a manifest, else a run directory's bundle/. */
export function bundleDirOf(path: string): string {
  return existsSync(join(path, MANIFEST_FILE)) ? path : join(path, 'bundle');
}

function encodingOf(s: Section): string {
  if (s.kind === 'dense') return s.encoding === 'int4' ? `int4/${s.group}` : (s.encoding ?? 'f32');
  return `${s.values ?? 'f32'}/${s.positions ?? `u${8 * (s.index_width ?? 4)}`}`;
}

export function inspectBundle(path: string): BundleSummary {
  const dir = bundleDirOf(path);
  const bundle = readBundle(dir);
  const manifest = parseManifest(join(dir, MANIFEST_FILE), readFileSync(join(dir, MANIFEST_FILE), 'utf8'));
  const { spec } = bundle;
  const entries = (shape: readonly number[]) => shape.reduce((a, d) => a * d, 1);
  const parts: PartSummary[] = manifest.sections.map((s) => ({
    name: s.name,
    kind: s.kind,
    encoding: encodingOf(s),
    bytes: s.length,
    entries: entries(s.shape),
    ...(s.kind === 'sparse' ? { nnz: s.nnz } : {}),
  }));
  const sharedParams = spec.shared.reduce((a, t) => a + t.size, 0);
  const sharedBytes = parts.filter((p) => p.name.startsWith('shared/')).reduce((a, p) => a + p.bytes, 0);
  const statsParams = spec.stats.reduce((a, t) => a + t.size, 0);
  let separate = 0;
  const tasks = bundle.tasks.map((task): TaskSummary => {
    const own = parts.filter((p) => p.name.startsWith(`tasks/${task.name}/`));
    const bytes = own.reduce((a, p) => a + p.bytes, 0);
    const params = sharedParams + headSpec(spec, task.classes).reduce((a, t) => a + t.size, 0) + statsParams;
    separate += VALUE_BYTES * params;
    const nnz = Object.fromEntries(spec.shared.map((t) => [t.name, own.find((p) => p.name === `tasks/${task.name}/sparse/${t.name}`)?.nnz ?? 0]));
    return { name: task.name, classes: task.classes, nnz, bytes, bits_per_parameter: (8 * (bytes + sharedBytes / bundle.tasks.length)) / params };
  });
  return {
    dir,
    version: manifest.version,
    model: spec.name,
    fingerprint: manifest.fingerprint,
    shared_params: sharedParams,
    weights_bytes: manifest.weights.bytes,
    shared_bytes: sharedBytes,
    tasks,
    parts,
    separate_bytes: separate,
    bytes_ratio: separate / manifest.weights.bytes,
  };
}
