#!/usr/bin/env node
// The `hybrid` command: parses the command line, then hands over to one of launch/, coordinator/,
// worker/ or the exporter. Errors a user can fix are printed as one clear message, without a stack.
import { Command, InvalidArgumentError, Option } from 'commander';
import { BUILTIN_CONFIG_NAME, builtinConfig } from './config/builtin.js';
import { ConfigError, loadRunConfig } from './config/load.js';
import type { RunConfig } from './config/schema.js';
import { DataError } from './data/dataset.js';
import { initBackend, type BackendRequest } from './model/backend.js';
import { BundleError } from './model/bundle.js';
import { exportRun } from './launch/export.js';
import { stderrLog } from './launch/progress.js';
import { runTrain } from './launch/train.js';

const BACKENDS: BackendRequest[] = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

function readConfig(path: string | undefined): RunConfig {
  if (path) return loadRunConfig(path);
  stderrLog(`no --config given: running the built-in ${BUILTIN_CONFIG_NAME} (three tasks from the mnist package)`);
  return builtinConfig();
}

function backendOption(): Option {
  return new Option('--backend <name>', 'tensor backend').choices(BACKENDS).default('auto');
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
}

const program = new Command()
  .name('hybrid')
  .description('Hybrid multi-task model compression: one shared dense W, a sparse S_t and a head per task')
  .showHelpAfterError();

program
  .command('train')
  .description('single process: trains the T separate models and the hybrid one, evaluates and compares them')
  .option('--config <file>', 'run config (JSON); without it, a built-in run on the mnist package')
  .option('--out <dir>', 'run directory for results.json, config.json and the compressed bundle')
  .option('--json', 'print the result as one JSON object on stdout')
  .option('--seed <n>', 'override the config seed', positiveInt)
  .addOption(backendOption())
  .action(async (opts: { config?: string; out?: string; json?: boolean; seed?: number; backend: BackendRequest }) => {
    const config = readConfig(opts.config);
    if (opts.seed !== undefined) config.seed = opts.seed;
    await initBackend(opts.backend, { log: stderrLog });
    const result = await runTrain(config, { outDir: opts.out, log: stderrLog });
    if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else printSummary(result);
  });

program
  .command('export')
  .description('verifies a run\'s compressed bundle, or materialises one task as a TF.js LayersModel')
  .requiredOption('--run <dir>', 'run directory written by `hybrid train --out`')
  .option('--task <name>', 'the task to materialise (with --format tfjs)')
  .addOption(new Option('--format <format>', 'bundle: the compressed artifact; tfjs: one task as a LayersModel').choices(['bundle', 'tfjs']).default('bundle'))
  .option('--out <dir>', 'where to write (default: <run>/export/<task>-tfjs for tfjs, <run>/bundle for bundle)')
  .action((opts: { run: string; task?: string; format: 'bundle' | 'tfjs'; out?: string }) => {
    exportRun(opts, stderrLog);
  });

function printSummary(result: Awaited<ReturnType<typeof runTrain>>): void {
  const pct = (x: number | null) => (x === null ? '   -   ' : `${(100 * x).toFixed(2)}%`);
  const rows = result.tasks.map((t) => `${t.name.padEnd(16)} ${pct(t.separate_accuracy).padStart(8)} ${pct(t.hybrid_accuracy).padStart(8)} ${String(t.nnz).padStart(8)} ${(100 * t.density).toFixed(2).padStart(6)}%`);
  process.stdout.write(
    [
      `${'task'.padEnd(16)} ${'separate'.padStart(8)} ${'hybrid'.padStart(8)} ${'nnz(S)'.padStart(8)} ${'density'.padStart(7)}`,
      ...rows,
      `compression: ${result.compression.params_ratio.toFixed(2)}x in parameters, ${result.compression.bytes_ratio.toFixed(2)}x in bytes (indices counted)`,
      `wall time: ${result.wall_seconds.toFixed(1)} s`,
      '',
    ].join('\n'),
  );
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof ConfigError || err instanceof DataError || err instanceof BundleError) {
    process.stderr.write(`hybrid: ${err.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`hybrid: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
}
