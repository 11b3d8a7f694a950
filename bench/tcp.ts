// The raw-TCP yardstick of bench:round: a loopback server that plays a sync round's byte pattern with no
// protocol, no copies and no arithmetic. Each of `clients` connections sends `up` bytes; once all of them
// have, the server writes `down` bytes (one shared buffer) to each, which starts the next round.
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { RoundTally } from './round-tally.js';

export interface TcpRounds {
  port: number;
  close(): Promise<void>;
}

/** Starts the server on 127.0.0.1 (any free port); `onRound` is called as each round completes. */
export async function startTcpRounds(clients: number, up: number, down: number, onRound: () => void): Promise<TcpRounds> {
  if (clients < 1 || up < 1 || down < 1) throw new Error(`tcp rounds: need clients, up and down >= 1 (got ${clients}, ${up}, ${down})`);
  const reply = Buffer.alloc(down, 2);
  const sockets: Socket[] = [];
  const tally = new RoundTally<Socket>(clients, up);
  const server: Server = createServer((socket) => {
    socket.setNoDelay(true);
    sockets.push(socket);
    socket.on('data', (chunk: Buffer) => {
      if (!tally.receive(socket, chunk.length)) return;
      for (const s of sockets) s.write(reply);
      onRound();
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
