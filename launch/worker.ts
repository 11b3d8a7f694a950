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

/** The worker's token: --token-file, else HYBRID_TOKEN; never a command-line value, which `ps` shows.
 *  The file holds one token, or `task: token` lines as the coordinator's does, of which the worker
 *  takes its own task's (so one file format serves both sides). */
export function workerToken(tokenFile: string | undefined, task: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (tokenFile) {
    let text: string;
    try {
      text = readFileSync(tokenFile, 'utf8');
    } catch (err) {
      throw new Error(`cannot read token file ${tokenFile}: ${(err as Error).message}`);
    }
    const lines = text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    if (lines.length === 0) throw new Error(`token file ${tokenFile} holds no token`);
    const perTask = lines.map((l) => /^([A-Za-z0-9_.-]+)\s*:\s*(\S+)$/.exec(l));
    if (perTask.some((m) => m !== null)) {
      const own = perTask.find((m) => m?.[1] === task);
      // Messages name the tasks, never a token.
      if (!own) throw new Error(`token file ${tokenFile} has "task: token" lines but none for task "${task}"`);
      return own[2];
    }
    // A bearer token is one word: anything else would be sent mangled and refused as missing.
    if (/\s/.test(lines[0])) throw new Error(`token file ${tokenFile}: the token contains whitespace`);
    return lines[0];
  }
  return env.HYBRID_TOKEN?.trim() || undefined;
}

export async function runWorker(opts: WorkerCommandOptions, log: Log): Promise<WorkerOutcome> {
  // Credentials first: a bad file is reported before anything listens.
  const token = workerToken(opts.tokenFile, opts.task);
  const ca = opts.ca ? readCa(opts.ca) : undefined;
  const metrics = new WorkerMetrics(opts.task);
  const server = await startWorkerMetricsServer({ host: opts.host, port: opts.metricsPort, registry: metrics.registry });
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
