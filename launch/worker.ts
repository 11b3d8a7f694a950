// `hybrid worker`: one task's Worker, its /metrics, and a state report on SIGTERM/SIGINT.
import { readFileSync } from 'node:fs';
import { startWorkerMetricsServer, WorkerMetrics } from '../worker/metrics.js';
import { Worker, type WorkerOutcome } from '../worker/worker.js';
import type { Log } from './progress.js';

export interface WorkerCommandOptions {
  coordinator: string;
  task: string;
  tokenFile?: string;
  ca?: string;
  metricsPort: number;
  host?: string;
}

/** The worker's token: --token-file, else HYBRID_TOKEN; never a command-line value, which `ps` shows. */
export function workerToken(tokenFile: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (tokenFile) {
    let text: string;
    try {
      text = readFileSync(tokenFile, 'utf8');
    } catch (err) {
      throw new Error(`cannot read token file ${tokenFile}: ${(err as Error).message}`);
    }
    const token = text.split('\n').map((l) => l.trim()).find((l) => l && !l.startsWith('#'));
    if (!token) throw new Error(`token file ${tokenFile} holds no token`);
    return token;
  }
  return env.HYBRID_TOKEN?.trim() || undefined;
}

export async function runWorker(opts: WorkerCommandOptions, log: Log): Promise<WorkerOutcome> {
  const metrics = new WorkerMetrics(opts.task);
  const server = await startWorkerMetricsServer({ host: opts.host, port: opts.metricsPort, registry: metrics.registry });
  log(`worker ${opts.task}: metrics on http://${opts.host ?? '0.0.0.0'}:${server.port}/metrics`);
  const ca = opts.ca ? readFileSync(opts.ca) : undefined;
  const worker = new Worker({ url: opts.coordinator, task: opts.task, token: workerToken(opts.tokenFile), ca, log, metrics });
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
