// A coordinator of the test's own making, for testing a real worker process against what a coordinator
// may send: a WebSocket server on loopback that speaks the protocol (proto/codec.ts) and, once a worker
// says hello, plays the script the test gives it. Helpers build a valid welcome for a run config.
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { parseRunConfig } from '../../config/load.js';
import type { RunConfig } from '../../config/schema.js';
import { taskInputShape } from '../../data/shapes.js';
import { buildModelSpec, initTensors, modelFingerprint, type ModelSpec } from '../../model/spec.js';
import { decode, encode, f32Tensor, PROTOCOL_VERSION, type Decoded, type MessageKind, type Messages, type Welcome } from '../../proto/codec.js';

/** One worker's connection as the script sees it. */
export interface FakeSession {
  socket: WebSocket;
  hello: Messages['hello'];
  send<K extends MessageKind>(kind: K, body: Messages[K]): void;
  /** Every message the worker sent after its hello, in order. */
  received: Decoded[];
  /** Resolves with the first message after the hello of this kind that `received` gets. */
  next(kind: MessageKind): Promise<Decoded>;
}

export interface FakeCoordinator {
  url: string;
  close(): Promise<void>;
}

/** Starts the fake; `script` runs once per worker connection, after its hello. */
export async function startFakeCoordinator(script: (session: FakeSession) => void): Promise<FakeCoordinator> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, maxPayload: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  server.on('connection', (socket) => {
    const received: Decoded[] = [];
    const waiting: { kind: MessageKind; resolve: (m: Decoded) => void }[] = [];
    let session: FakeSession | null = null;
    socket.on('message', (data: Buffer) => {
      const msg = decode(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      if (!session) {
        if (msg.kind !== 'hello') return;
        session = { socket, hello: msg.body, received, send: (kind, body) => socket.send(encode(kind, body)), next: (kind) => new Promise((resolve) => waiting.push({ kind, resolve })) };
        script(session);
        return;
      }
      received.push(msg);
      for (const w of waiting.filter((w) => w.kind === msg.kind)) {
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve(msg);
      }
    });
  });
  return {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of server.clients) c.terminate();
        server.close(() => resolve());
      }),
  };
}

/** A tiny synthetic run (task "a", 4 features, 3 classes), with `distributed` added to its defaults. */
export function tinyRunConfig(distributed: object = {}): RunConfig {
  return parseRunConfig(
    {
      seed: 1,
      model: { arch: 'mlp', hidden: [8] },
      tasks: [{ name: 'a', dataset: { source: 'synthetic', features: 4, classes: 3, hidden: 4, train: 64, test: 16 } }],
      train: { steps: 5, batch_size: 8, optimizer: { type: 'adam', lr: 0.01 }, baseline: false },
      distributed,
    },
    'the fake coordinator',
  );
}

export function tinySpec(config: RunConfig): ModelSpec {
  return buildModelSpec(config.model, taskInputShape(config.tasks[0]));
}

/** A valid welcome at version 0 for `config`, W inline; `patch` overrides its fields. */
export function welcomeFor(config: RunConfig, patch: Partial<Welcome> = {}): Welcome {
  const spec = tinySpec(config);
  const w = initTensors(spec.shared, config.seed, 'shared');
  return {
    protocolVersion: PROTOCOL_VERSION,
    modelFingerprint: modelFingerprint(spec),
    configJson: JSON.stringify(config),
    version: 0,
    shared: spec.shared.map((t, i) => f32Tensor(t.name, t.shape, w[i])),
    ...patch,
  };
}
