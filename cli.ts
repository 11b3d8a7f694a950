#!/usr/bin/env node
// The `hybrid` command: parses the command line, then hands over to one of launch/, coordinator/,
// worker/ or the exporter. Errors a user can fix are printed as one clear message, without a stack.
import { Command, InvalidArgumentError, Option } from 'commander';
import { BUILTIN_CONFIG_NAME, builtinConfig } from './config/builtin.js';
import { MAX_REPLICAS } from './config/bounds.js';
import { ConfigError, loadRunConfig, parseRunConfig } from './config/load.js';
import type { RunConfig } from './config/schema.js';
import { DataError } from './data/dataset.js';
import { BACKEND_REQUESTS, initBackend, type BackendRequest } from './model/backend.js';
import { BundleError } from './model/bundle.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureWritableDirectory } from './lib/writable-directory.js';
import { runCoordinator } from './launch/coordinator.js';
import { runFollower } from './launch/follower.js';
import { runInspect } from './launch/inspect.js';
import { exportRun } from './launch/export.js';
import { tellParent } from './launch/local-channel.js';
import { runLocal } from './launch/local.js';
import { addQuantizedAccuracies } from './launch/local-quantized.js';
import { evaluate, predict } from './launch/predict.js';
import { runWorker, type ReplicaClaim } from './launch/worker.js';
import { stderrLog } from './launch/progress.js';
import { runTrain } from './launch/train.js';
import { versionLine } from './launch/version.js';

function readConfig(path: string | undefined): RunConfig {
  if (path) return loadRunConfig(path);
  stderrLog(`no --config given: running the built-in ${BUILTIN_CONFIG_NAME} (three tasks from the mnist package)`);
  return builtinConfig();
}

function backendOption(): Option {
  return new Option('--backend <name>', 'tensor backend').choices(BACKEND_REQUESTS).default('auto');
}

function replicaCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_REPLICAS) throw new InvalidArgumentError(`expected a whole number of workers per task from 1 to ${MAX_REPLICAS}`);
  return n;
}

/** `I/N`: slot I (0 to N-1) of N replicas. */
function replicaClaim(value: string): ReplicaClaim {
  const m = /^(\d+)\/(\d+)$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError(`"${value}" is not I/N (this worker's slot I, from 0, of N replicas; for example 0/2)`);
  const [index, count] = [Number(m[1]), Number(m[2])];
  if (count < 1 || count > MAX_REPLICAS) throw new InvalidArgumentError(`${count} replicas: give 1 to ${MAX_REPLICAS}`);
  if (index >= count) throw new InvalidArgumentError(`slot ${index} is outside ${count} replicas: I goes from 0 to ${count - 1}`);
  return { index, count };
}

function shardPosition(value: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError(`"${value}" is not I/K (this process's shard I, from 0, of K; for example 1/2)`);
  const [index, count] = [Number(m[1]), Number(m[2])];
  if (count < 1 || count > 64) throw new InvalidArgumentError(`${count} shards: give 1 to 64`);
  if (index >= count) throw new InvalidArgumentError(`shard ${index} is outside ${count} shards: I goes from 0 to ${count - 1}`);
  return { index, count };
}

function shardCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new InvalidArgumentError(`"${value}" shards: give a whole number from 1 to 64`);
  return n;
}

function addressList(value: string): string[] {
  const list = value.split(',').map((a) => a.trim());
  const bad = list.find((a) => !/^wss?:\/\/[^\s/]+/.test(a));
  if (bad !== undefined) throw new InvalidArgumentError(`"${bad}" is not a ws:// or wss:// address`);
  return list;
}

function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
}

const program = new Command()
  .name('hybrid')
  .description('Hybrid multi-task model compression: one shared dense W, a sparse S_t and a head per task')
  .version(versionLine(), '-V, --version', 'print the release and the wire protocol version')
  .showHelpAfterError();

program
  .command('train')
  .description('single process: trains the T separate models and the hybrid one, evaluates and compares them')
  .option('--config <file>', 'run config (JSON); without it, a built-in run on the mnist package')
  .option('--out <dir>', 'run directory for results.json, config.json and the compressed bundle')
  .option('--json', 'print the result as one JSON object on stdout')
  .option('--seed <n>', 'override the config seed', nonNegativeInt)
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
  .command('compress')
  .description('compresses T trained models of one topology (one per task) into one hybrid model and fine-tunes it on the tasks')
  .requiredOption('--models <files...>', "model files, TF.js model.json or Keras 3 .keras, one per task in the config's task order")
  .requiredOption('--config <file>', 'run config with the tasks, their data and the training; its model section is replaced by the files')
  .option('--merge <how>', "how W starts: mean, median, or anchor:N (task N's model)", 'mean')
  .option('--head <layers...>', "the head's layer name(s) (default: the models' last Dense layer)")
  .option('--out <dir>', 'run directory for results.json, config.json and the compressed bundle')
  .option('--json', 'print the result as one JSON object on stdout')
  .addOption(backendOption())
  .action(async (opts: { models: string[]; config: string; merge: string; head?: string[]; out?: string; json?: boolean; backend: BackendRequest }) => {
    const anchor = /^anchor:(\d+)$/.exec(opts.merge);
    if (!anchor && opts.merge !== 'mean' && opts.merge !== 'median') throw new InvalidArgumentError(`--merge ${opts.merge}: use mean, median or anchor:N`);
    const merge = anchor ? { anchor: Number(anchor[1]) } : opts.merge;
    const config = loadRunConfig(opts.config, { model: { from: opts.models.map((f) => resolve(f)), merge, ...(opts.head ? { head: opts.head } : {}) } });
    await initBackend(opts.backend, { log: stderrLog });
    const result = await runTrain(config, { outDir: opts.out, log: stderrLog });
    if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else printSummary(result);
  });

program
  .command('export')
  .description("verifies a run's compressed bundle, or materialises one task as a TF.js LayersModel")
  .requiredOption('--run <dir>', 'run directory written by `hybrid train --out`, or a bundle directory')
  .option('--task <name>', 'the task to materialise (with --format tfjs)')
  .addOption(new Option('--format <format>', 'bundle: the compressed artifact; tfjs: one task as a LayersModel').choices(['bundle', 'tfjs']).default('bundle'))
  .option('--out <dir>', 'where to write (default: <run>/export/<task>-tfjs for tfjs, <run>/export/bundle-<q> with --quantize q, <run>/bundle for bundle)')
  .addOption(
    new Option('--quantize <encoding>', 'write the bundle quantised: f16 (all float16), int8 (W and sparse values int8, heads f16), int4 (W int4 per 32, sparse values int8, heads f16)').choices([
      'f16',
      'int8',
      'int4',
    ]),
  )
  .action((opts: { run: string; task?: string; format: 'bundle' | 'tfjs'; out?: string; quantize?: 'f16' | 'int8' | 'int4' }) => {
    exportRun(opts, stderrLog);
  });

program
  .command('inspect')
  .description("what a bundle holds: its tasks, every part's encoding and bytes, non-zeros per tensor, bits per parameter, the ratio against T float32 models")
  .argument('<bundle>', 'a bundle directory, or a run directory (its bundle/)')
  .option('--json', 'print one JSON object')
  .action((bundle: string, opts: { json?: boolean }) => {
    process.stdout.write(`${runInspect(bundle, opts.json ?? false)}\n`);
  });

program
  .command('predict')
  .description("one task's predictions from a run's bundle alone, with its class names: images, CSV rows or .npy arrays")
  .requiredOption('--run <dir>', 'run directory written by `hybrid train --out` (or the coordinator)')
  .requiredOption('--task <name>', 'the task whose model predicts')
  .argument('<inputs...>', 'image files (.png, .jpg), CSV files (a row per input) or .npy arrays (an entry per input)')
  .option('--json', 'print one JSON object per input')
  .addOption(backendOption())
  .action(async (inputs: string[], opts: { run: string; task: string; json?: boolean; backend: BackendRequest }) => {
    await initBackend(opts.backend, { log: stderrLog });
    for (const p of predict(opts.run, opts.task, inputs)) {
      process.stdout.write(opts.json ? `${JSON.stringify(p)}\n` : `${p.input}\t${p.class}\t${p.probability.toFixed(4)}\n`);
    }
  });

program
  .command('eval')
  .description("one task's accuracy from a run's bundle alone, on every example of a data set")
  .requiredOption('--run <dir>', 'run directory written by `hybrid train --out` (or the coordinator)')
  .requiredOption('--task <name>', 'the task to evaluate')
  .requiredOption('--data <spec>', "a dataset config as in a run config's tasks[].dataset: JSON text, or a JSON file")
  .option('--json', 'print the result as one JSON object')
  .addOption(backendOption())
  .action(async (opts: { run: string; task: string; data: string; json?: boolean; backend: BackendRequest }) => {
    await initBackend(opts.backend, { log: stderrLog });
    const r = await evaluate(opts.run, opts.task, opts.data);
    process.stdout.write(opts.json ? `${JSON.stringify({ task: opts.task, ...r })}\n` : `task ${opts.task}: accuracy ${(100 * r.accuracy).toFixed(2)}% on ${r.examples} examples\n`);
  });

program
  .command('local')
  .description('the coordinator and one worker process per task on this machine, over loopback sockets')
  .option('--config <file>', 'run config (JSON); without it, a built-in run on the mnist package')
  .option('--out <dir>', 'run directory (default: runs/local-<time>)')
  .option('--json', 'print the result as one JSON object on stdout')
  .option('--replicas <n>', "workers per task (each task's replicas in the run config, else 1)", replicaCount)
  .option('--shards <k>', 'the shared weights over K coordinator processes (docs/shards.md)', shardCount)
  .addOption(backendOption())
  .action(async (opts: { config?: string; out?: string; json?: boolean; backend: BackendRequest; replicas?: number; shards?: number }) => {
    const given = readConfig(opts.config);
    const config = opts.replicas === undefined ? given : { ...given, tasks: given.tasks.map((t) => ({ ...t, replicas: opts.replicas! })) };
    const outDir = resolve(opts.out ?? join('runs', `local-${new Date().toISOString().replace(/[:.]/g, '-')}`));
    // Checked before anything is written or trained: a run directory that cannot be written is found now.
    ensureWritableDirectory(outDir, '--out');
    // The processes read the config from a file: the built-in one, or one with --replicas, is written
    // to the run directory (its paths are absolute once read).
    let configPath = opts.replicas === undefined ? opts.config : undefined;
    if (opts.replicas !== undefined) parseRunConfig(config, '--replicas with the run config');
    if (!configPath) {
      mkdirSync(outDir, { recursive: true });
      configPath = join(outDir, 'config.input.json');
      writeFileSync(configPath, JSON.stringify(config, null, 2));
    }
    let result = await runLocal(config, { configPath, outDir, cli: fileURLToPath(import.meta.url), backend: opts.backend, shards: opts.shards }, stderrLog);
    if (config.export.quantize !== 'none') {
      await initBackend(opts.backend, { log: stderrLog });
      result = await addQuantizedAccuracies(config, outDir, result, stderrLog);
    }
    if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else printSummary(result);
  });

program
  .command('coordinator')
  .description('serves the shared weights to the task workers and runs the rounds')
  .requiredOption('--config <file>', 'run config (JSON)')
  .option('--host <address>', 'interface to listen on', '0.0.0.0')
  .option('--port <n>', 'WebSocket port', nonNegativeInt, 8700)
  .option('--metrics-port <n>', 'port of /metrics, /healthz and /readyz', nonNegativeInt, 9400)
  .option('--metrics-host <address>', 'interface of /metrics, /healthz and /readyz, which need no token (default: --host)')
  .option('--out <dir>', 'run directory for results.json and the bundle when training is done', 'hybrid-run')
  .option('--checkpoint-dir <dir>', 'checkpoint directory (default: <out>/checkpoints)')
  .option('--resume', 'go on from the newest valid checkpoint (damaged newer files are moved into <checkpoint-dir>/damaged); from version 0 if there is none')
  .option('--fresh-if-damaged', 'with --resume: when every checkpoint is damaged, move them into <checkpoint-dir>/damaged and start from version 0 instead of stopping')
  .option('--token-file <file>', 'require a bearer token: one line for all tasks, or "task: token" lines')
  .option('--tls-cert <file>', 'serve wss:// and https:// with this certificate (PEM)')
  .option('--tls-key <file>', "the certificate's private key (PEM)")
  .option('--metrics-plain', 'serve /metrics over plain HTTP even with TLS')
  .option('--shard <i/k>', 'hold shard I of K of the shared weights (docs/shards.md); shard 0 leads', shardPosition)
  .option('--shards <addresses>', "with --shard 0/K: every shard's ws:// address as the workers reach it, comma-separated, this one's first", addressList)
  .action(
    async (opts: {
      config: string;
      host: string;
      port: number;
      metricsPort: number;
      metricsHost?: string;
      out: string;
      checkpointDir?: string;
      resume?: boolean;
      freshIfDamaged?: boolean;
      tokenFile?: string;
      tlsCert?: string;
      tlsKey?: string;
      metricsPlain?: boolean;
      shard?: { index: number; count: number };
      shards?: string[];
    }) => {
      // The coordinator never reads the data: data set paths are the workers' business.
      const config = loadRunConfig(opts.config, { checkDatasets: false });
      if (opts.shard && opts.shard.index > 0) {
        const onListening = (ports: { port: number; metricsPort: number }) => void tellParent({ kind: 'listening', ...ports });
        await runFollower(
          config,
          { ...opts, shard: opts.shard, resume: opts.resume ?? false, checkpointDir: opts.checkpointDir ?? join(opts.out, `checkpoints-shard-${opts.shard.index}`), onListening },
          stderrLog,
        );
        process.exit(0);
      }
      const result = await runCoordinator(
        config,
        {
          ...opts,
          resume: opts.resume ?? false,
          checkpointDir: opts.checkpointDir ?? join(opts.out, 'checkpoints'),
          outDir: opts.out,
          onListening: (ports) => void tellParent({ kind: 'listening', ...ports }),
        },
        stderrLog,
      );
      await tellParent({ kind: 'finished', result });
      // Exit now: open sockets of departing workers must not keep a finished coordinator alive. (A run
      // whose results or final checkpoint were not written has thrown: exit 1 below.)
      process.exit(0);
    },
  );

program
  .command('worker')
  .description("trains one task's sparse tensors and head, and pushes gradients for the shared weights")
  .requiredOption('--coordinator <url>', 'ws:// or wss:// address of the coordinator')
  .requiredOption('--task <name>', 'the task this worker trains')
  .addOption(backendOption())
  .option('--token-file <file>', 'bearer token file (else the HYBRID_TOKEN environment variable)')
  .option('--ca <file>', 'trust this CA certificate (PEM) for wss://')
  .option('--metrics-host <address>', 'interface of /metrics and /healthz (default: every interface)')
  .addOption(new Option('--host <address>', 'the same as --metrics-host (kept for existing scripts)').hideHelp())
  .option('--metrics-port <n>', 'port of /metrics and /healthz (default 9401, or a free port when 9401 is taken; 0: any free port)', nonNegativeInt)
  .option('--replica <i/n>', "this worker's replica slot I of N in its task (default: the coordinator gives a free one)", replicaClaim)
  .action(
    async (opts: {
      coordinator: string;
      task: string;
      backend: BackendRequest;
      tokenFile?: string;
      ca?: string;
      metricsHost?: string;
      host?: string;
      metricsPort?: number;
      replica?: ReplicaClaim;
    }) => {
      if (opts.metricsHost !== undefined && opts.host !== undefined && opts.metricsHost !== opts.host) {
        throw new InvalidArgumentError(`--host ${opts.host} and --metrics-host ${opts.metricsHost} disagree; give --metrics-host only`);
      }
      await initBackend(opts.backend, { log: stderrLog });
      const outcome = await runWorker({ ...opts, metricsHost: opts.metricsHost ?? opts.host }, stderrLog);
      process.exit(outcome.evaluation ? 0 : 1);
    },
  );

function printSummary(result: Awaited<ReturnType<typeof runTrain>>): void {
  const pct = (x: number | null | undefined) => (x === null || x === undefined ? '   -   ' : `${(100 * x).toFixed(2)}%`);
  // Runs from model files also show each task's own model and the merged start before training.
  const fromFiles = result.tasks.some((t) => t.merged_accuracy !== undefined);
  const start = (t: (typeof result.tasks)[number]) => (fromFiles ? ` ${pct(t.original_accuracy).padStart(9)} ${pct(t.merged_accuracy).padStart(8)}` : '');
  const rows = result.tasks.map(
    (t) =>
      `${t.name.padEnd(16)} ${pct(t.separate_accuracy).padStart(8)}${start(t)} ${pct(t.hybrid_accuracy).padStart(8)} ${String(t.nnz).padStart(8)} ${(100 * t.density).toFixed(2).padStart(6)}%`,
  );
  const startHeader = fromFiles ? ` ${'own model'.padStart(9)} ${'merged'.padStart(8)}` : '';
  process.stdout.write(
    [
      `${'task'.padEnd(16)} ${'separate'.padStart(8)}${startHeader} ${'hybrid'.padStart(8)} ${'nnz(S)'.padStart(8)} ${'density'.padStart(7)}`,
      ...rows,
      `compression: ${result.compression.params_ratio.toFixed(2)}x in parameters, ${result.compression.bytes_ratio.toFixed(2)}x in bytes (indices counted)`,
      ...(result.communication
        ? [
            `communication: ${(result.communication.round_bytes_per_round / 1e3).toFixed(1)} kB per round (pushes in + updates out) over ${result.communication.rounds} rounds; uplink ${result.communication.uplink_encoding}, downlink ${result.communication.downlink_encoding}`,
          ]
        : []),
      `wall time: ${result.wall_seconds.toFixed(1)} s`,
      '',
    ].join('\n'),
  );
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // A message a user can act on; the stack only on request.
  const debug = process.env.HYBRID_DEBUG === '1';
  const known = err instanceof ConfigError || err instanceof DataError || err instanceof BundleError;
  const message = err instanceof Error ? (debug && !known ? (err.stack ?? err.message) : err.message) : String(err);
  process.stderr.write(`hybrid: ${message}\n`);
  process.exit(1);
}
