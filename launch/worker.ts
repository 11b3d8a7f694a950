// `hybrid worker`: one task's Worker, its /metrics, and a state report on SIGTERM/SIGINT. Several workers
// share a host (one per GPU): a default metrics port that another holds moves to a free one.
import { readFileSync } from 'node:fs';
import { startProbeServer, type ProbeServer } from '../lib/probe-server.js';
import { WorkerMetrics } from '../worker/metrics.js';
import type { ReplicaClaim } from '../worker/handshake.js';
import { Worker, type WorkerOutcome } from '../worker/worker.js';

export type { ReplicaClaim } from '../worker/handshake.js';
import type { Log } from './progress.js';
import { readTokenFile } from './token-file.js';

export interface WorkerCommandOptions {
  coordinator: string;
  task: string;
  tokenFile?: string;
  ca?: string;
  /** Unset: DEFAULT_WORKER_METRICS_PORT, or any free port when another process holds it. 0: any free port. */
  metricsPort?: number;
  /** Interface of /metrics and /healthz (default: every interface). */
  metricsHost?: string;
  /** The replica slot claimed (--replica I/N). */
  replica?: ReplicaClaim;
}

export const DEFAULT_WORKER_METRICS_PORT = 9401;

/** The worker's token: --token-file, else HYBRID_TOKEN; never a command-line value, which `ps` shows.
 *  A per-task file (the coordinator's format) gives the worker its own task's token. */
export function workerToken(tokenFile: string | undefined, task: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (!tokenFile) return env.HYBRID_TOKEN?.trim() || undefined;
  const tokens = readTokenFile(tokenFile);
  if (tokens.shared) return tokens.shared;
  const own = tokens.perTask?.[task];
  if (!own) throw new Error(`token file ${tokenFile} has "task: token" lines but none for task "${task}"`);
  return own;
}

export async function runWorker(opts: WorkerCommandOptions, log: Log): Promise<WorkerOutcome> {
  // Credentials first: a bad file is reported before anything listens.
  const token = workerToken(opts.tokenFile, opts.task);
  const ca = opts.ca ? readCa(opts.ca) : undefined;
  const metrics = new WorkerMetrics(opts.task, opts.replica?.index ?? 0);
  const server = await startMetrics(opts, metrics);
  const moved = server.movedFrom === undefined ? '' : ` (port ${server.movedFrom} is taken, by another worker on this host perhaps)`;
  log(
    `worker ${opts.task}${opts.replica ? ` replica ${opts.replica.index}/${opts.replica.count}` : ''}: coordinator ${opts.coordinator}, metrics on http://${opts.metricsHost ?? '0.0.0.0'}:${server.port}/metrics${moved}`,
  );
  const worker = new Worker({ url: opts.coordinator, task: opts.task, replica: opts.replica, token, ca, log, metrics });
  const onSignal = (signal: NodeJS.Signals) => {
    log(`worker ${opts.task}: ${signal}: reporting the task state and stopping`);
    void worker.stop();
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  try {
    return await worker.run();
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    await server.close();
  }
}

/** The metrics server: an explicit --metrics-port must be free; the default moves when it is not. */
async function startMetrics(opts: WorkerCommandOptions, metrics: WorkerMetrics): Promise<ProbeServer> {
  const explicit = opts.metricsPort !== undefined;
  const port = opts.metricsPort ?? DEFAULT_WORKER_METRICS_PORT;
  try {
    return await startProbeServer({ name: 'worker metrics server', host: opts.metricsHost, port, registry: metrics.registry, fallbackToFreePort: !explicit });
  } catch (err) {
    if (!explicit) throw err;
    throw new Error(
      `${(err as Error).message}; --metrics-port ${port} was given explicitly: give a free port, 0 for any free port, or leave the flag out (port ${DEFAULT_WORKER_METRICS_PORT}, or a free one when it is taken)`,
    );
  }
}

function readCa(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(`cannot read CA certificate ${path} (--ca): ${(err as Error).message}`);
  }
}
