// bench:round: bench:comm's grid (bench/comm-grid.ts) with dense F32 only, by default for 1, 3 and 8
// workers and 1M and 4M shared parameters: sync rounds per second and bytes per second of the real
// Coordinator over ws, beside raw loopback TCP moving the same bytes. Numbers, never pass/fail.
//
//   npm run bench:round                        table on stdout
//   npm run bench:round -- --json              {"tcp_bytes_per_second", "rows": [{"workers", "params", ...}]}
//   options: --workers 1,3,8  --params 1M,4M (25M: add it; minutes)  --seconds N (measured per phase, default 3)
//            --warmup N (seconds, default 1)  --min-rounds N (default 3)  --mask zero|random  --chunk-bytes N
//   --mask random: clients send random masking keys, as browsers must (what masking costs); the default,
//   zero, is what worker/worker.ts sends.
import { DEFAULT_CHUNK_BYTES } from '../proto/chunks.js';
import { formatTable, parseGridArgs, runGrid, tableHeading, type GridOptions } from './comm-grid.js';

export const DEFAULT_OPTIONS: GridOptions = {
  json: false,
  workers: [1, 3, 8],
  params: [1_000_000, 4_000_000],
  encodings: ['f32'],
  seconds: 3,
  warmup: 1,
  minRounds: 3,
  // What worker/worker.ts does: an all-zero masking key.
  mask: 'zero',
  chunkBytes: DEFAULT_CHUNK_BYTES,
};

export function parseArgs(argv: readonly string[]): GridOptions {
  return parseGridArgs(argv, 'bench:round', DEFAULT_OPTIONS, false);
}

async function main(argv: readonly string[]): Promise<void> {
  const opts = parseArgs(argv);
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const result = await runGrid(opts, log);
  if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else process.stdout.write(`${tableHeading(opts)}\n${formatTable(result)}\n`);
}

// vite-node takes the script's path out of process.argv, so "am I the entry point" cannot be asked of
// argv; the tests import this module for its parts, under vitest, which sets VITEST.
if (process.env.VITEST === undefined) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
