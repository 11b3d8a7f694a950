// `hybrid export`: reads a run's compressed bundle (verifying every checksum) and either writes it to
// another place or materialises one task as a standard TF.js LayersModel.
import { join, resolve } from 'node:path';
import { BundleError, readBundle, writeBundle } from '../model/bundle.js';
import { exportTfjsLayersModel } from '../model/export-tfjs.js';
import type { Log } from './progress.js';

export interface ExportOptions {
  run: string;
  task?: string;
  format: 'bundle' | 'tfjs';
  out?: string;
}

export function exportRun(opts: ExportOptions, log: Log): string {
  const bundleDir = join(opts.run, 'bundle');
  const bundle = readBundle(bundleDir);
  if (opts.format === 'tfjs') {
    if (!opts.task) throw new BundleError(`--format tfjs needs --task; the run has tasks: ${bundle.tasks.map((t) => t.name).join(', ')}`);
    const out = opts.out ?? join(opts.run, 'export', `${opts.task}-tfjs`);
    const { modelJson } = exportTfjsLayersModel(bundle, opts.task, out);
    log(`task ${opts.task} written as a TF.js LayersModel: ${modelJson}`);
    return modelJson;
  }
  const out = opts.out ?? bundleDir;
  if (resolve(out) !== resolve(bundleDir)) writeBundle(out, bundle);
  log(`bundle ${out}: checksums verified; ${bundle.tasks.length} tasks (${bundle.tasks.map((t) => t.name).join(', ')}), model ${bundle.spec.name}`);
  return out;
}
