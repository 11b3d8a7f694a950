// The coordinator's network edge: a WebSocket server (ws) feeding frames to the Coordinator, with the
// frame limit taken from the model size. Authentication happens at the HTTP upgrade, before any
// protocol message.
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { ErrorCode, WireError } from '../proto/codec.js';
import type { Coordinator, Peer } from './coordinator.js';
import type { CoordinatorMetrics } from './metrics.js';

export interface ServerOptions {
  host?: string;
  port: number;
  /** Accepted bearer tokens: one shared token (any task) or one per task name. Absent: no authentication. */
  tokens?: { shared?: string; perTask?: Record<string, string> };
  tls?: { cert: string | Buffer; key: string | Buffer };
  metrics?: CoordinatorMetrics;
  log: (line: string) => void;
}

export interface RunningServer {
  port: number;
  close(): Promise<void>;
}

/** Constant-time comparison of a presented token with each accepted one (digests have equal length,
 *  so the comparison time does not depend on where the strings differ or on their lengths). */
export function tokenAccepted(presented: string, accepted: readonly string[]): boolean {
  const p = createHash('sha256').update(presented).digest();
  let ok = false;
  for (const a of accepted) ok = timingSafeEqual(p, createHash('sha256').update(a).digest()) || ok;
  return ok;
}

function bearer(req: IncomingMessage): string | null {
  const header = req.headers.authorization;
  if (!header) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1] : null;
}

export async function startServer(coordinator: Coordinator, options: ServerOptions): Promise<RunningServer> {
  const http: HttpServer = options.tls ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }) : createHttpServer();
  http.on('request', (_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' }).end('this port speaks WebSocket (hybrid protocol); metrics are on the metrics port\n');
  });
  const accepted = options.tokens ? [options.tokens.shared, ...Object.values(options.tokens.perTask ?? {})].filter((t): t is string => !!t) : null;
  const taskOfToken = (token: string): string | undefined => Object.entries(options.tokens?.perTask ?? {}).find(([, t]) => tokenAccepted(token, [t]))?.[0];
  const wss = new WebSocketServer({
    server: http,
    // ws's own limit is a backstop above the coordinator's, which answers oversized frames with an error.
    maxPayload: coordinator.maxFrameBytes * 2,
    perMessageDeflate: false,
    verifyClient: (info, done) => {
      if (!accepted) return done(true);
      const token = bearer(info.req);
      if (token !== null && tokenAccepted(token, accepted)) {
        (info.req as IncomingMessage & { token?: string }).token = token;
        return done(true);
      }
      const reason = token === null ? 'missing_token' : 'wrong_token';
      options.metrics?.connectionsRejected.inc({ reason });
      options.log(`coordinator: refused a connection from ${info.req.socket.remoteAddress}: ${reason.replace('_', ' ')}`);
      done(false, 401, 'Unauthorized', { 'WWW-Authenticate': 'Bearer' });
    },
  });
  wss.on('connection', (socket: WebSocket, req: IncomingMessage) => {
    const token = (req as IncomingMessage & { token?: string }).token;
    const peer: Peer = {
      send: (frame) => {
        if (socket.readyState === socket.OPEN) socket.send(frame);
      },
      close: (code, reason) => socket.close(code, reason),
      onlyTask: token !== undefined && !(options.tokens?.shared && tokenAccepted(token, [options.tokens.shared])) ? taskOfToken(token) : undefined,
    };
    coordinator.attach(peer);
    socket.on('message', (data, isBinary) => {
      const frame = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      // The protocol is binary only; a text frame is refused whatever its bytes would decode to.
      if (!isBinary) return coordinator.refuseFrame(peer, frame.byteLength, new WireError(ErrorCode.MALFORMED, 'a text frame; this protocol uses binary frames only'), 'text_frame');
      coordinator.receive(peer, new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength));
    });
    socket.on('error', (err: Error & { code?: string }) => {
      // ws closes the connection itself on a frame it cannot take (1009 too big, 1007 bad UTF-8, 1002
      // protocol error): no message exists to answer, the close code is the reply.
      const reason = err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? 'oversized' : err.code?.startsWith('WS_ERR_') ? 'malformed' : 'socket_error';
      options.metrics?.connectionsRejected.inc({ reason });
      options.log(`coordinator: connection error (${reason}): ${err.message}`);
    });
    socket.on('close', () => coordinator.detach(peer));
  });
  // ws re-emits the HTTP server's errors; the listen below reports them, so ws's copy needs a listener
  // that keeps it from crashing the process as an unhandled 'error' event.
  wss.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    http.once('error', (err: Error & { code?: string }) => {
      const where = `${options.host ?? '0.0.0.0'}:${options.port}`;
      reject(new Error(err.code === 'EADDRINUSE' ? `cannot listen on ${where}: the port is in use` : `cannot listen on ${where}: ${err.message}`));
    });
    http.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close(() => http.close(() => resolve()));
      }),
  };
}
