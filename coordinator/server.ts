// The coordinator's network edge: a WebSocket server (ws) feeding frames to the Coordinator, with the
// frame limit taken from the model size. Authentication happens at the HTTP upgrade, before any
// protocol message. A connection that has not joined a task costs little to refuse and little to hold:
// a deadline for its hello, a small byte allowance until then (counted on the socket, so that ws never
// buffers a large frame for it), and a cap on how many such connections are open at once.
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { LogLimiter } from '../lib/log-limiter.js';
import { ErrorCode, WireError } from '../proto/codec.js';
import type { RunConfig } from '../config/schema.js';
import type { Peer } from './session.js';
import type { CoordinatorMetrics } from './metrics.js';

export interface ServerOptions {
  host?: string;
  port: number;
  /** Accepted bearer tokens: one shared token (any task) or one per task name. Absent: no authentication. */
  tokens?: { shared?: string; perTask?: Record<string, string> };
  tls?: { cert: string | Buffer; key: string | Buffer };
  metrics?: CoordinatorMetrics;
  log: (line: string) => void;
  /** Limits for connections that have not joined a task (defaults: the run config's
   *  distributed.hello_timeout_seconds and max_unjoined_connections, and PRE_HELLO_BYTES). */
  preHello?: Partial<PreHelloLimits>;
}

export interface PreHelloLimits {
  /** A connection must have joined (sent a valid hello) this long after it opened. Also bounds the TCP
   *  connection's silence before its HTTP upgrade. */
  helloTimeoutMs: number;
  /** Bytes a connection may send before it joined: a hello is a few hundred. */
  bytes: number;
  /** Connections open at once that have not joined; more are answered 503 at the upgrade. */
  connections: number;
}

/** A hello is a few hundred bytes; this leaves room for a client's framing and a generous worker id. */
export const PRE_HELLO_BYTES = 64 * 1024;

/** What the server feeds frames to: the coordinator, or a follower shard (coordinator/follower.ts). */
export interface Served {
  readonly config: RunConfig;
  readonly maxFrameBytes: number;
  attach(peer: Peer): void;
  detach(peer: Peer): void;
  receive(peer: Peer, frame: Uint8Array): void;
  refuseFrame(peer: Peer, frameBytes: number, err: WireError, label: string): void;
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

/** An upgrade request as the server marks it: the token it presented, and how to stop counting it
 *  among the connections that have not joined. */
type Upgrade = IncomingMessage & { token?: string; release?: () => void };

export async function startServer(coordinator: Served, options: ServerOptions): Promise<RunningServer> {
  const { distributed } = coordinator.config;
  const limits = { helloTimeoutMs: distributed.hello_timeout_seconds * 1000, bytes: PRE_HELLO_BYTES, connections: distributed.max_unjoined_connections, ...options.preHello };
  const http: HttpServer = options.tls ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key, handshakeTimeout: limits.helloTimeoutMs }) : createHttpServer();
  http.on('request', (_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' }).end('this port speaks WebSocket (hybrid protocol); metrics are on the metrics port\n');
  });
  // Silence before the upgrade ends the connection; ws clears the timeout once it takes the socket over.
  http.on(options.tls ? 'secureConnection' : 'connection', (socket: Socket) => socket.setTimeout(limits.helloTimeoutMs, () => socket.destroy()));
  const log = new LogLimiter(options.log);
  const reject = (reason: string, line: string) => {
    options.metrics?.connectionsRejected.inc({ reason });
    log.line(reason, `coordinator: ${line}`);
  };
  // Counted from the accepted upgrade (not from ws's 'connection', which comes later), so that a burst
  // of upgrades cannot pass the cap before any of them is counted.
  let unjoined = 0;
  const admit = (req: Upgrade, done: (ok: boolean) => void): void => {
    unjoined++;
    let held = true;
    req.release = () => {
      if (held) unjoined--;
      held = false;
    };
    req.socket.once('close', req.release);
    done(true);
  };
  const accepted = options.tokens ? [options.tokens.shared, ...Object.values(options.tokens.perTask ?? {})].filter((t): t is string => !!t) : null;
  const taskOfToken = (token: string): string | undefined => Object.entries(options.tokens?.perTask ?? {}).find(([, t]) => tokenAccepted(token, [t]))?.[0];
  const wss = new WebSocketServer({
    server: http,
    // ws's own limit is a backstop above the coordinator's, which answers oversized frames with an error.
    maxPayload: coordinator.maxFrameBytes * 2,
    perMessageDeflate: false,
    verifyClient: (info, done) => {
      const from = info.req.socket.remoteAddress;
      if (unjoined >= limits.connections) {
        reject('too_many_unjoined', `refused a connection from ${from}: ${unjoined} connections have not sent their hello yet (at most ${limits.connections})`);
        return done(false, 503, 'Service Unavailable', { 'Retry-After': String(Math.ceil(limits.helloTimeoutMs / 1000)) });
      }
      if (!accepted) return admit(info.req, done);
      const token = bearer(info.req);
      if (token !== null && tokenAccepted(token, accepted)) {
        (info.req as Upgrade).token = token;
        return admit(info.req, done);
      }
      const reason = token === null ? 'missing_token' : 'wrong_token';
      reject(reason, `refused a connection from ${from}: ${reason.replace('_', ' ')}`);
      done(false, 401, 'Unauthorized', { 'WWW-Authenticate': 'Bearer' });
    },
  });
  wss.on('connection', (socket: WebSocket, req: IncomingMessage) => {
    const { token, release } = req as Upgrade;
    let waiting = true;
    let bytes = 0;
    const countBytes = (chunk: Buffer): void => {
      bytes += chunk.length;
      if (bytes <= limits.bytes) return;
      reject('oversized_before_hello', `closed a connection from ${req.socket.remoteAddress}: ${bytes} bytes before its hello (at most ${limits.bytes})`);
      joinedOrGone();
      socket.terminate();
    };
    const helloTimer = setTimeout(() => {
      reject('hello_timeout', `closed a connection from ${req.socket.remoteAddress}: no hello within ${limits.helloTimeoutMs / 1000} s`);
      joinedOrGone();
      socket.close(1008, 'no hello in time');
      setTimeout(() => socket.terminate(), 1000).unref();
    }, limits.helloTimeoutMs);
    const joinedOrGone = (): void => {
      if (!waiting) return;
      waiting = false;
      release?.();
      clearTimeout(helloTimer);
      req.socket.off('data', countBytes);
    };
    req.socket.on('data', countBytes);
    const peer: Peer = {
      send: (frame, sent) => {
        if (socket.readyState !== socket.OPEN) return sent?.();
        socket.send(frame, sent && (() => sent()));
      },
      close: (code, reason) => socket.close(code, reason),
      onlyTask: token !== undefined && !(options.tokens?.shared && tokenAccepted(token, [options.tokens.shared])) ? taskOfToken(token) : undefined,
      joined: joinedOrGone,
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
      reject(reason, `connection error (${reason}): ${err.message}`);
    });
    socket.on('close', () => {
      joinedOrGone();
      coordinator.detach(peer);
    });
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
        log.stop();
        wss.close(() => http.close(() => resolve()));
      }),
  };
}
