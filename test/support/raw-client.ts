// A bare WebSocket client speaking the protocol from proto/hybrid.proto (not the project's worker), as a
// third-party or hostile peer would, and the counter readings the refusal tests compare.
import type { Counter } from 'prom-client';
import WebSocket from 'ws';
import { decode, encode, PROTOCOL_VERSION, type Decoded } from '../../proto/codec.js';

/** A bare WebSocket client that keeps what the coordinator sends it, decoded, in order. */
export class RawClient {
  private readonly inbox: Decoded[] = [];
  private wake: (() => void) | null = null;
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      this.inbox.push(decode(new Uint8Array(data)));
      this.wake?.();
    });
    this.closed = new Promise((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    void this.closed.then(() => this.wake?.());
  }

  /** Resolves once the upgrade succeeded; rejects naming the HTTP status when it was refused. */
  static open(port: number, token?: string): Promise<RawClient> {
    const socket = new WebSocket(`ws://127.0.0.1:${port}`, { headers: token ? { authorization: `Bearer ${token}` } : {}, perMessageDeflate: false, maxPayload: 0 });
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(new RawClient(socket)));
      socket.once('unexpected-response', (_req, res) => {
        socket.terminate();
        reject(new Error(`HTTP ${res.statusCode}`));
      });
      socket.once('error', reject);
    });
  }

  send(frame: Uint8Array, binary = true): void {
    this.socket.send(frame, { binary });
  }

  /** The next message from the coordinator; null when the connection closed first. */
  async next(timeoutMs = 5000): Promise<Decoded | null> {
    const deadline = Date.now() + timeoutMs;
    while (this.inbox.length === 0) {
      if (this.socket.readyState === WebSocket.CLOSED) return null;
      if (Date.now() > deadline) throw new Error('no message from the coordinator within the timeout');
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 50);
      });
      this.wake = null;
    }
    return this.inbox.shift()!;
  }

  /** The next message, which must be an Error reply; returns its code and text. */
  async error(): Promise<{ code: number; message: string }> {
    const msg = await this.next();
    if (msg?.kind !== 'error') throw new Error(`expected an error reply, got ${msg ? `"${msg.kind}"` : 'the connection closed'}`);
    return { code: msg.body.code ?? 0, message: msg.body.message ?? '' };
  }

  /** Whether the connection is still open after everything the coordinator sent before a ping's pong
   *  (TCP keeps order, so a close sent before the pong has arrived by then). */
  async stillOpen(): Promise<boolean> {
    if (this.socket.readyState !== WebSocket.OPEN) return false;
    await new Promise<void>((resolve) => {
      this.socket.once('pong', () => resolve());
      void this.closed.then(() => resolve());
      this.socket.ping();
    });
    return this.socket.readyState === WebSocket.OPEN && this.inbox.length === 0;
  }

  close(): void {
    this.socket.terminate();
  }
}

export function hello(task: string, extra: { protocolVersion?: number; modelFingerprint?: string; workerId?: string } = {}): Uint8Array {
  return encode('hello', { protocolVersion: PROTOCOL_VERSION, task, modelFingerprint: '', workerId: `raw-${Math.random()}`, ...extra });
}

export async function counterValue(counter: Counter<string>, labels: Record<string, string>): Promise<number> {
  const { values } = await counter.get();
  return values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))?.value ?? 0;
}

export async function counterTotal(counter: Counter<string>): Promise<number> {
  return (await counter.get()).values.reduce((a, v) => a + v.value, 0);
}
