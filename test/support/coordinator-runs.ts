// Runs of the built `hybrid coordinator` and its workers for the end-to-end tests: a temporary run
// directory with a config file, a checkpoint directory and free loopback ports; the argument lists of
// `hybrid coordinator` and `hybrid worker`; the checkpoint store of a run; and the per-file harness that
// checks the CLI is built, kills every process a test started, and removes the run directories.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { CheckpointStore } from '../../coordinator/checkpoints.js';
import type { CoordinatorCheckpoint } from '../../coordinator/coordinator.js';
import { CLI, freePort, signal, startHybrid, type Proc } from './processes.js';

/** A run's files and loopback ports. */
export interface Run {
  dir: string;
  config: string;
  /** --out: `out` in the run directory. */
  out: string;
  checkpoints: string;
  port: number;
  metricsPort: number;
}

/** What `coordinatorArgs` reads of a run: `out` is `<dir>/out` where not given. */
export type CoordinatorArgsRun = Pick<Run, 'dir' | 'config' | 'checkpoints' | 'port' | 'metricsPort'> & { out?: string };

/** `hybrid coordinator` on 127.0.0.1 at the run's ports, config, --out and --checkpoint-dir, then `extra`. */
export function coordinatorArgs(run: CoordinatorArgsRun, extra: readonly string[] = []): string[] {
  return [
    'coordinator',
    '--config',
    run.config,
    '--host',
    '127.0.0.1',
    '--port',
    String(run.port),
    '--metrics-port',
    String(run.metricsPort),
    '--out',
    run.out ?? join(run.dir, 'out'),
    '--checkpoint-dir',
    run.checkpoints,
    ...extra,
  ];
}

/** `hybrid worker` for `task`, connecting to the coordinator at the run's port, on 127.0.0.1 with no fixed metrics port. */
export function workerArgs(run: Pick<Run, 'port'>, task: string, backend: 'cpu' | 'wasm' = 'cpu'): string[] {
  return ['worker', '--coordinator', `ws://127.0.0.1:${run.port}`, '--task', task, '--host', '127.0.0.1', '--metrics-port', '0', '--backend', backend];
}

/**
 * A run config of two small synthetic tasks, a (4 classes) and b (3 classes), 16 features each, for an
 * MLP of one hidden layer of 32; `distributed` is the whole distributed section.
 */
export function twoTaskConfig(options: { seed: number; steps: number; distributed: object }): object {
  return {
    seed: options.seed,
    model: { arch: 'mlp', hidden: [32] },
    tasks: [
      { name: 'a', dataset: { source: 'synthetic', features: 16, classes: 4, train: 256, test: 64, task_seed: 1 } },
      { name: 'b', dataset: { source: 'synthetic', features: 16, classes: 3, train: 256, test: 64, task_seed: 2 } },
    ],
    train: { steps: options.steps, batch_size: 16, optimizer: { type: 'adam', lr: 0.01 }, baseline: false },
    sparsity: { rho: 0.1, warmup: 0.2, prune_end: 0.6, prune_every: 10 },
    distributed: options.distributed,
  };
}

/** The run's checkpoint store (`keep` as the run's config says; 3 where not given); any warning fails the test. */
export function checkpointStore(run: Pick<Run, 'checkpoints'>, keep?: number): CheckpointStore<CoordinatorCheckpoint> {
  return new CheckpointStore<CoordinatorCheckpoint>({ dir: run.checkpoints, keep, warn: (line) => expect.fail(`checkpoint warning: ${line}`) });
}

export interface CoordinatorRuns {
  /** A new run directory (`<tmp>/<prefix>XXXXXX`) holding `config` as config.json; free ports. */
  newRun: (prefix: string, config: object) => Promise<Run>;
  /** `hybrid ...args`, killed after the test. */
  start: (args: string[]) => Proc;
}

/**
 * Registers this test file's hooks: the built CLI must be there; every process `start` started is
 * killed with -9 after each test, pass or fail; every run directory is removed after all.
 */
export function coordinatorRuns(): CoordinatorRuns {
  const live: Proc[] = [];
  const dirs: string[] = [];

  beforeAll(() => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  });

  afterEach(async () => {
    // Pass or fail, nothing outlives its test.
    const procs = live.splice(0);
    for (const p of procs) signal(p, 'SIGKILL');
    await Promise.all(procs.map((p) => p.exit));
  });

  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  return {
    newRun: async (prefix, config) => {
      const dir = mkdtempSync(join(tmpdir(), prefix));
      dirs.push(dir);
      const file = join(dir, 'config.json');
      writeFileSync(file, JSON.stringify(config));
      return { dir, config: file, out: join(dir, 'out'), checkpoints: join(dir, 'checkpoints'), port: await freePort(), metricsPort: await freePort() };
    },
    start: (args) => {
      const p = startHybrid(args);
      live.push(p);
      return p;
    },
  };
}
