// The worker's own Prometheus metrics and the small HTTP server that exposes them. The worker never
// imports coordinator/ (they meet only on the wire), so this stands on its own.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class WorkerMetrics {
  readonly registry = new Registry();
  readonly stepDuration: Histogram<'task'>;
  readonly samples: Counter<'task'>;

  /** `task`: the task this worker trains, whose series exist from the start. */
  constructor(task: string) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.stepDuration = new Histogram({
      name: 'hybrid_worker_step_duration_seconds',
      help: 'Time of one local training step (forward, backward, local update of S_t and H_t), in seconds.',
      labelNames: ['task'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.samples = new Counter({ name: 'hybrid_worker_samples_total', help: 'Training samples processed by this worker.', labelNames: ['task'], registers });
    this.samples.inc({ task }, 0);
    this.stepDuration.zero({ task });
  }
}

export interface WorkerMetricsServer {
  server: http.Server;
  port: number;
  close(): Promise<void>;
}

/** GET /metrics and /healthz; anything else 404. Port 0 picks a free port (returned). */
export async function startWorkerMetricsServer(options: { host?: string; port: number; registry: Registry }): Promise<WorkerMetricsServer> {
  const { registry } = options;
  const server = http.createServer((req, res) => {
    const route = (req.url ?? '/').split('?')[0];
    const send = (status: number, body: string, contentType = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    };
    if (route !== '/metrics' && route !== '/healthz') return send(404, 'not found\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed\n');
    if (route === '/healthz') return send(200, 'ok\n');
    registry.metrics().then(
      (text) => send(200, text, registry.contentType),
      (error: unknown) => send(500, `metrics collection failed: ${(error as Error).message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => reject(new Error(`worker metrics server: cannot listen on ${options.host ?? '*'}:${options.port}: ${error.message}`));
    server.once('error', onError);
    server.listen(options.port, options.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
