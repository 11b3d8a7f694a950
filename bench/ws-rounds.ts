// The ws yardstick of bench:comm: a loopback ws server that plays a sync round's messages with no
// protocol, no decoding and no arithmetic. Each of `clients` connections sends its push as messages of
// `up` sizes; once all of them have, the server sends every client the update as messages of `down`
// sizes (shared buffers), which starts the next round. Set against raw TCP, it shows what the WebSocket
// layer (ws's framing, its per-message buffers) costs before the coordinator does anything.
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { RoundTally } from './round-tally.js';

export interface WsRounds {
  port: number;
  close(): Promise<void>;
}

/** Starts the server on 127.0.0.1 (any free port); `onRound` is called as each round completes. */
export async function startWsRounds(clients: number, up: readonly number[], down: readonly number[], onRound: () => void): Promise<WsRounds> {
  if (clients < 1 || up.length < 1 || down.length < 1) throw new Error(`ws rounds: need clients, up and down parts >= 1 (got ${clients}, ${up.length}, ${down.length})`);
  const replies = down.map((n) => Buffer.alloc(n, 2));
  const sockets: WebSocket[] = [];
  const tally = new RoundTally<WebSocket>(
    clients,
    up.reduce((a, b) => a + b, 0),
  );
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 0, perMessageDeflate: false });
  server.on('connection', (socket) => {
    sockets.push(socket);
    socket.on('message', (data: Buffer) => {
      if (!tally.receive(socket, data.length)) return;
      for (const s of sockets) for (const r of replies) s.send(r);
      onRound();
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.once('listening', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.terminate();
        server.close(() => resolve());
      }),
  };
}
