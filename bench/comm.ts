// bench:comm: bytes per round and round time of the real Coordinator's sync rounds over ws, for T = 3
// and 8 workers, shared sizes 1M, 4M and 25M parameters and every value encoding (uplink = downlink),
// beside raw loopback TCP moving the F32 bytes in the same pattern, measured in the same run
// (bench/comm-grid.ts). Numbers, never pass/fail.
//
//   npm run bench:comm                        table on stdout (progress on stderr)
//   npm run bench:comm -- --json              {"tcp_bytes_per_second", "rows": [{"workers", "params", "encoding", ...}]}
//   options: --workers 3,8  --params 1M,4M,25M  --encodings f32,f16,bf16,topk,int8  --seconds N (measured
//            per point, default 3)  --warmup N (seconds, default 1)  --min-rounds N (default 3)
//            --mask zero|random (default zero, as worker/worker.ts)  --chunk-bytes N (default 4MiB)  (--help)
//   npm run bench:comm -- --shards 1,2 --workers 3 --params 25M --encodings f32
//            W over K coordinator processes for each K (bench/shard-grid.ts): per shard its CPU ms, bytes
//            and rounds per round from its /metrics, beside the round time; {"cores", "rows", "ratios"} with --json
import { DEFAULT_CHUNK_BYTES } from '../config/schema.js';
import { exitOnError } from './args.js';
import { formatTable, parseGridArgs, runGrid, tableHeading, type GridOptions } from './comm-grid.js';
import { ENCODINGS } from './push-frames.js';
import { formatShardTable, runShardGrid, shardTableHeading } from './shard-grid.js';

export const DEFAULT_OPTIONS: GridOptions = {
  json: false,
  workers: [3, 8],
  params: [1_000_000, 4_000_000, 25_000_000],
  encodings: [...ENCODINGS],
  // 30 points over ws plus 6 over tcp: about 5 minutes on 2 busy cores (25M x 8 workers takes a few
  // seconds a round, so its 3 rounds at least outlast `seconds`).
  seconds: 3,
  warmup: 1,
  minRounds: 3,
  // What worker/worker.ts does: an all-zero masking key, so ws neither masks nor unmasks payloads.
  mask: 'zero',
  chunkBytes: DEFAULT_CHUNK_BYTES,
};

export function parseArgs(argv: readonly string[]): GridOptions {
  return parseGridArgs(argv, 'bench:comm', DEFAULT_OPTIONS, true);
}

async function main(argv: readonly string[]): Promise<void> {
  const opts = parseArgs(argv);
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const t0 = performance.now();
  if (opts.shards) {
    const result = await runShardGrid(opts, log);
    log(`bench:comm: ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else process.stdout.write(`${shardTableHeading(opts, result.cores)}\n${formatShardTable(result)}\n`);
    return;
  }
  const result = await runGrid(opts, log);
  log(`bench:comm: ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else process.stdout.write(`${tableHeading(opts)}\n${formatTable(result)}\n`);
}

// vite-node takes the script's path out of process.argv, so "am I the entry point" cannot be asked of
// argv; the tests import this module for its parts, under vitest, which sets VITEST.
if (process.env.VITEST === undefined) {
  main(process.argv.slice(2)).catch(exitOnError);
}
