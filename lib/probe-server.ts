// The small HTTP(S) server each process serves for Prometheus and its orchestrator: GET /metrics (the
// registry's text format), /healthz (the process is alive) and, where the process has a notion of
// readiness, /readyz (503 until ready). Anything else is 404; other methods on a route are 405 with the
// methods allowed.
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface ProbeServerOptions {
  /** Named in errors: "metrics server", "worker metrics server". */
  name: string;
  /** Default: every interface (Node's default), so Prometheus can scrape from elsewhere. */
  host?: string;
  /** 0 picks a free port; the real one is returned. */
  port: number;
  /** When `port` is in use, take a free one instead (a default port, which a second process on the
   *  host holds already) rather than fail; `movedFrom` then says so. */
  fallbackToFreePort?: boolean;
  registry: Registry;
  /** Drives /readyz; without it the route is not served. */
  ready?: () => boolean;
  /** Serve HTTPS with this PEM certificate and key. */
  tls?: { cert: string | Buffer; key: string | Buffer };
}

export interface ProbeServer {
  server: http.Server;
  port: number;
  /** The port asked for, when it was in use and a free one was taken instead (fallbackToFreePort). */
  movedFrom?: number;
  close(): Promise<void>;
}

function reply(res: http.ServerResponse, status: number, body: string, contentType = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

export async function startProbeServer(options: ProbeServerOptions): Promise<ProbeServer> {
  const { registry, ready } = options;
  const routes = new Set(['/metrics', '/healthz', ...(ready ? ['/readyz'] : [])]);
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const route = (req.url ?? '/').split('?')[0];
    if (!routes.has(route)) return reply(res, 404, 'not found\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return reply(res, 405, 'method not allowed\n');
    }
    if (route === '/healthz') return reply(res, 200, 'ok\n');
    if (route === '/readyz') return ready!() ? reply(res, 200, 'ready\n') : reply(res, 503, 'not ready\n');
    registry.metrics().then(
      (text) => reply(res, 200, text, registry.contentType),
      (error: unknown) => reply(res, 500, `metrics collection failed: ${(error as Error).message}\n`),
    );
  };
  const server: http.Server = options.tls ? https.createServer({ cert: options.tls.cert, key: options.tls.key }, handler) : http.createServer(handler);

  let movedFrom: number | undefined;
  try {
    await listen(server, options.port, options.host);
  } catch (error) {
    const inUse = (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
    if (!inUse || !options.fallbackToFreePort || options.port === 0) {
      const hint = inUse ? ' (the port is in use: choose another, or 0 for any free port)' : '';
      throw new Error(`${options.name}: cannot listen on ${options.host ?? '*'}:${options.port}: ${(error as Error).message}${hint}`);
    }
    movedFrom = options.port;
    try {
      await listen(server, 0, options.host);
    } catch (again) {
      throw new Error(`${options.name}: cannot listen on ${options.host ?? '*'} (port ${options.port} is in use, and no free port was given): ${(again as Error).message}`);
    }
  }

  return {
    server,
    port: (server.address() as AddressInfo).port,
    movedFrom,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // A scraper's keep-alive connection would otherwise hold close() open for seconds.
        server.closeAllConnections();
      }),
  };
}

function listen(server: http.Server, port: number, host: string | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
