// The worker's connection to the coordinator: a WebSocket that reconnects with exponential backoff and
// jitter until the coordinator answers (or has been unreachable too long), with the token at the
// upgrade, zero masking keys, and the failures no retry can fix (a refused token, a certificate that is
// not trusted, a frame over the size limit) reported as fatal instead of feeding the reconnect loop.
import { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import { encode, type MessageKind, type Messages } from '../proto/codec.js';

export interface ConnectionOptions {
  /** ws:// or wss:// address of the coordinator. */
  url: string;
  token?: string;
  /** Extra trusted CA certificate(s) for wss://. */
  ca?: Buffer;
  log: (line: string) => void;
  /** First reconnect delay and its cap; each failed attempt doubles the delay, with jitter. */
  backoff?: { initialMs: number; maxMs: number };
  /** Give up when the coordinator stays unreachable this long (default 10 minutes). */
  giveUpAfterMs?: number;
  /** The largest frame to take, asked at each (re)connect: ws refuses a bigger one from its header,
   *  before buffering it (default: no limit). */
  maxPayload?: () => number;
}

export interface ConnectionEvents {
  /** Connected (again): say hello. */
  open: [];
  frame: [frame: Uint8Array];
  /** The connection closed; a reconnect is scheduled unless the connection was ended. */
  closed: [];
  /** Nothing more can be done: the worker must stop. */
  fatal: [error: Error];
}

/** TLS certificate verification failures (OpenSSL's codes, and Node's for a name mismatch): no retry
 *  changes the certificate. */
const CERTIFICATE_ERRORS = new Set<string>([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'INVALID_CA',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** ws's codes for a frame longer than maxPayload, or longer than it can represent. */
const OVERSIZED_ERRORS = new Set<string>(['WS_ERR_UNSUPPORTED_MESSAGE_LENGTH', 'WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH']);

export class Connection extends EventEmitter<ConnectionEvents> {
  private socket: WebSocket | null = null;
  private attempt = 0;
  private unreachableSince: number | null = null;
  private ended = false;

  constructor(private readonly options: ConnectionOptions) {
    super();
  }

  /** Frames that arrived while held, in order. */
  private held: Uint8Array[] | null = null;

  /** Keeps arriving frames back until release(): the frames after a welcome wait while the worker reads
   *  what the welcome asks of it (model files) before it can take them. */
  hold(): void {
    this.held ??= [];
  }

  release(): void {
    const frames = this.held ?? [];
    this.held = null;
    for (const frame of frames) this.emit('frame', frame);
  }

  get isOpen(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  connect(): void {
    if (this.ended) return;
    const { url, token, ca } = this.options;
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    // Zero masking keys: masking guards browsers' scripts against poisoning proxy caches (RFC 6455
    // section 10.3); a worker sends gradients, not script-chosen bytes, and the pass over every byte,
    // on both ends, is what a big push costs most after the copy.
    const maxPayload = this.options.maxPayload?.() ?? 0;
    const socket = new WebSocket(url, { headers, ca, maxPayload, perMessageDeflate: false, generateMask: (mask) => void mask.fill(0) });
    this.socket = socket;
    socket.binaryType = 'nodebuffer';
    socket.on('open', () => this.emit('open'));
    socket.on('unexpected-response', (_req, res) => {
      const status = res.statusCode ?? 0;
      socket.terminate();
      if (status === 401) this.fail(new Error(`the coordinator at ${url} refused the token (HTTP 401): check --token-file / HYBRID_TOKEN`));
      else this.options.log(`the coordinator answered the upgrade with HTTP ${status}`);
    });
    socket.on('message', (data: Buffer) => {
      const frame = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      if (this.held) this.held.push(frame);
      else this.emit('frame', frame);
    });
    socket.on('error', (err: Error & { code?: string }) => {
      if (err.code && CERTIFICATE_ERRORS.has(err.code)) {
        this.fail(
          new Error(
            `the TLS certificate of the coordinator at ${url} is not accepted: ${err.message} (${err.code}); trust the CA that issued it with --ca, or give the coordinator a valid certificate for this address`,
          ),
        );
        return;
      }
      if (err.code && OVERSIZED_ERRORS.has(err.code)) {
        this.fail(
          new Error(
            `the coordinator at ${url} sent a frame over this worker's limit of ${maxPayload} bytes (${err.message}); stopping (check that the coordinator runs the same hybrid release as this worker: hybrid --version)`,
          ),
        );
        return;
      }
      if (this.unreachableSince === null) this.options.log(`connection error: ${err.message}`);
    });
    socket.on('close', () => {
      if (this.socket === socket) this.socket = null;
      this.emit('closed');
      this.scheduleReconnect();
    });
  }

  /** The coordinator welcomed this worker: the next outage starts a fresh backoff. */
  welcomed(): void {
    this.attempt = 0;
    this.unreachableSince = null;
  }

  private scheduleReconnect(): void {
    if (this.ended) return;
    const now = Date.now();
    if (this.unreachableSince === null) this.unreachableSince = now;
    const giveUp = this.options.giveUpAfterMs ?? 600_000;
    if (now - this.unreachableSince > giveUp) {
      this.fail(new Error(`the coordinator at ${this.options.url} has been unreachable for ${Math.round(giveUp / 1000)} s; giving up`));
      return;
    }
    const { initialMs, maxMs } = this.options.backoff ?? { initialMs: 250, maxMs: 10_000 };
    const ceiling = Math.min(maxMs, initialMs * 2 ** this.attempt);
    // "Equal jitter": half the ceiling plus a random half, so workers restarted together spread out.
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.attempt++;
    if (this.attempt === 1 || this.attempt % 10 === 0) this.options.log(`coordinator unreachable; reconnecting (attempt ${this.attempt}, next in ${Math.round(delay)} ms)`);
    setTimeout(() => this.connect(), delay);
  }

  /** Whether the frame went out (not when the connection is closing or gone). */
  send<K extends MessageKind>(kind: K, body: Messages[K]): boolean {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return false;
    socket.send(encode(kind, body));
    return true;
  }

  /** Drops this connection to rejoin on a new one (the welcome brings the full W again). */
  resynchronise(): void {
    this.socket?.close(1000, 'resynchronise');
  }

  /** Ends the connection for good: closes it (resolving once closed, or after `waitMs`) and stops reconnecting. */
  end(code: number, reason: string, waitMs = 2000): Promise<void> {
    this.ended = true;
    const socket = this.socket;
    if (!socket || socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.close(code, reason);
      setTimeout(resolve, waitMs).unref();
    });
  }

  /** Ends the connection at once, without a closing handshake, and stops reconnecting. */
  terminate(): void {
    this.ended = true;
    this.socket?.terminate();
  }

  private fail(err: Error): void {
    if (this.ended) return;
    this.terminate();
    this.emit('fatal', err);
  }
}
