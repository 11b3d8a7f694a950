// `hybrid inspect BUNDLE`: what a bundle holds (model/bundle-inspect.ts), as text or one JSON object.
import { inspectBundle, type BundleSummary } from '../model/bundle-inspect.js';

export function formatSummary(s: BundleSummary): string {
  const kb = (n: number) => (n / 1024).toFixed(1);
  const lines = [
    `bundle ${s.dir} (format version ${s.version}): model ${s.model} (fingerprint ${s.fingerprint}), ${s.shared_params} shared parameters`,
    `weights.bin ${s.weights_bytes} bytes (${kb(s.weights_bytes)} KiB); ${s.tasks.length} separate float32 models: ${s.separate_bytes} bytes; ratio ${s.bytes_ratio.toFixed(2)}x`,
    '',
    'task\tclasses\tnnz of S_t\tbytes\tbits/param',
    ...s.tasks.map((t) => `${t.name}\t${t.classes}\t${Object.values(t.nnz).reduce((a, n) => a + n, 0)}\t${t.bytes}\t${t.bits_per_parameter.toFixed(2)}`),
    '',
    'part\tencoding\tentries\tnnz\tbytes',
    ...s.parts.map((p) => `${p.name}\t${p.encoding}\t${p.entries}\t${p.nnz ?? ''}\t${p.bytes}`),
  ];
  return lines.join('\n');
}

export function runInspect(path: string, json: boolean): string {
  const summary = inspectBundle(path);
  return json ? JSON.stringify(summary) : formatSummary(summary);
}
