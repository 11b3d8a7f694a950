// `hybrid worker`: one task's Worker, its /metrics, and a state report on SIGTERM/SIGINT.
import { readFileSync } from 'node:fs';
import { startProbeServer } from '../lib/probe-server.js';
import { WorkerMetrics } from '../worker/metrics.js';
import { Worker, type WorkerOutcome } from '../worker/worker.js';
import type { Log } from './progress.js';
import { readTokenFile } from './token-file.js';

export interface WorkerCommandOptions {
  coordinator: string;
  task: string;
  tokenFile?: string;
  ca?: string;
  metricsPort: number;
  host?: string;
}

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
  const metrics = new WorkerMetrics(opts.task);
  const server = await startProbeServer({ name: 'worker metrics server', host: opts.host, port: opts.metricsPort, registry: metrics.registry });
  log(`worker ${opts.task}: metrics on http://${opts.host ?? '0.0.0.0'}:${server.port}/metrics`);
  const worker = new Worker({ url: opts.coordinator, task: opts.task, token, ca, log, metrics });
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

function readCa(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(`cannot read CA certificate ${path} (--ca): ${(err as Error).message}`);
  }
}
