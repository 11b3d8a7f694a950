// `hybrid export`: reads a run's compressed bundle (verifying every checksum) and either writes it to
// another place (quantised with --quantize) or materialises one task as a standard TF.js LayersModel
// (from any bundle, a quantised one de-quantised).
import { join, resolve } from 'node:path';
import { BundleError, readBundle, writeBundle } from '../model/bundle.js';
import { QUANTIZE_PRESETS, type QuantizePreset } from '../model/bundle-encodings.js';
import { bundleDirOf, inspectBundle } from '../model/bundle-inspect.js';
import { exportTfjsLayersModel } from '../model/export-tfjs.js';
import type { Log } from './progress.js';

export interface ExportOptions {
  run: string;
  task?: string;
  format: 'bundle' | 'tfjs';
  out?: string;
  /** Writes the bundle with these encodings (model/bundle-encodings.ts QUANTIZE_PRESETS). */
  quantize?: QuantizePreset;
}

export function exportRun(opts: ExportOptions, log: Log): string {
  const bundleDir = bundleDirOf(opts.run);
  const bundle = readBundle(bundleDir);
  if (opts.format === 'tfjs') {
    if (!opts.task) throw new BundleError(`--format tfjs needs --task; the run has tasks: ${bundle.tasks.map((t) => t.name).join(', ')}`);
    const out = opts.out ?? join(opts.run, 'export', `${opts.task}-tfjs`);
    const { modelJson } = exportTfjsLayersModel(bundle, opts.task, out);
    log(`task ${opts.task} written as a TF.js LayersModel: ${modelJson}`);
    return modelJson;
  }
  if (opts.quantize) {
    const out = opts.out ?? join(opts.run, 'export', `bundle-${opts.quantize}`);
    if (resolve(out) === resolve(bundleDir)) throw new BundleError(`--quantize writes a new bundle; give an --out other than the bundle it reads (${bundleDir})`);
    const encodings = QUANTIZE_PRESETS[opts.quantize];
    writeBundle(out, bundle, encodings);
    const s = inspectBundle(out);
    log(
      `bundle ${out}: ${opts.quantize} (W ${encodings.shared}, sparse values ${encodings.values}, heads ${encodings.heads}), ${s.weights_bytes} bytes, ${s.bytes_ratio.toFixed(2)}x smaller than ${s.tasks.length} float32 models`,
    );
    return out;
  }
  const out = opts.out ?? bundleDir;
  if (resolve(out) !== resolve(bundleDir)) writeBundle(out, bundle);
  log(`bundle ${out}: checksums verified; ${bundle.tasks.length} tasks (${bundle.tasks.map((t) => t.name).join(', ')}), model ${bundle.spec.name}`);
  return out;
}
