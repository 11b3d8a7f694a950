// bench:step's output: the two tables and the --json object.
import type { BackendName } from './step-args.js';
import type { ForwardBackwardRow, Measured, StepRow } from './step.js';

function columns(header: string[], body: string[][], failAt: number): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => (i === failAt && b[i].startsWith('fails') ? 0 : b[i].length))));
  return [header, ...body]
    .map((cells) =>
      cells
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

const fixed = (x: number | null): string => (x === null ? '-' : x.toFixed(2));
const kernelsCell = (r: { backend: BackendName; kernels: boolean }): string => (r.backend === 'wasm' ? (r.kernels ? 'on' : 'off') : '-');

export function formatTable(rows: readonly Measured[]): string {
  const header = ['model', 'batch', 'backend', 'kernels', 'steps', 'median ms', 'min ms', 'cpu ms', 'samples/s', 'fwd+bwd ms'];
  const body = rows.map((r) => [
    r.model,
    String(r.batch),
    r.backend,
    kernelsCell(r),
    String(r.steps),
    r.median_ms === null ? `fails: ${r.note ?? '?'}` : r.median_ms.toFixed(2),
    fixed(r.min_ms),
    fixed(r.cpu_ms),
    r.samples_per_second === null ? '-' : String(r.samples_per_second),
    fixed(r.forward_backward_ms),
  ]);
  return columns(header, body, 5);
}

/** The second table: the bare forward + backward by each path, a model's paths on adjacent lines. */
export function formatForwardTable(rows: readonly Measured[]): string {
  const header = ['model', 'batch', 'backend', 'kernels', 'forward', 'steps', 'median ms', 'min ms', 'cpu ms', 'samples/s', 'graph/functional', 'cpu'];
  const body = rows.flatMap((r) =>
    r.forward_backward.map((f) => [
      f.model,
      String(f.batch),
      f.backend,
      kernelsCell(f),
      f.forward,
      String(r.steps),
      f.median_ms === null ? `fails: ${r.note ?? '?'}` : f.median_ms.toFixed(2),
      fixed(f.min_ms),
      fixed(f.cpu_ms),
      f.samples_per_second === null ? '-' : String(f.samples_per_second),
      f.graph_over_functional === null ? '-' : f.graph_over_functional.toFixed(3),
      f.graph_over_functional_cpu === null ? '-' : f.graph_over_functional_cpu.toFixed(3),
    ]),
  );
  return columns(header, body, 6);
}

export function toJson(rows: readonly Measured[]): { rows: StepRow[]; forward_backward: ForwardBackwardRow[] } {
  return {
    rows: rows.map(({ model, batch, backend, kernels, forward, median_ms, samples_per_second }) => ({ model, batch, backend, kernels, forward, median_ms, samples_per_second })),
    forward_backward: rows.flatMap((r) =>
      r.forward_backward.map(({ model, batch, backend, kernels, forward, median_ms, min_ms, cpu_ms, samples_per_second, graph_over_functional, graph_over_functional_cpu }) => ({
        model,
        batch,
        backend,
        kernels,
        forward,
        median_ms,
        min_ms,
        cpu_ms,
        samples_per_second,
        graph_over_functional,
        graph_over_functional_cpu,
      })),
    ),
  };
}
