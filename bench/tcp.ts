// The raw-TCP yardstick of bench:round: a loopback server that plays a sync round's byte pattern with no
// protocol, no copies and no arithmetic. Each of `clients` connections sends `up` bytes; once all of them
// have, the server writes `down` bytes (one shared buffer) to each, which starts the next round.
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TcpRounds {
  port: number;
  close(): Promise<void>;
}

/** Starts the server on 127.0.0.1 (any free port); `onRound` is called as each round completes. */
export async function startTcpRounds(clients: number, up: number, down: number, onRound: () => void): Promise<TcpRounds> {
  if (clients < 1 || up < 1 || down < 1) throw new Error(`tcp rounds: need clients, up and down >= 1 (got ${clients}, ${up}, ${down})`);
  const reply = Buffer.alloc(down, 2);
  const sockets: Socket[] = [];
  const received = new Map<Socket, number>();
  let complete = 0;
  const server: Server = createServer((socket) => {
    socket.setNoDelay(true);
    sockets.push(socket);
    received.set(socket, 0);
    socket.on('data', (chunk: Buffer) => {
      const before = received.get(socket)!;
      const after = before + chunk.length;
      received.set(socket, after);
      if (before < up && after >= up) complete++;
      if (complete < clients) return;
      complete = 0;
      // A round is in: every client gets the reply; bytes beyond `up` (none in lockstep) carry over.
      for (const s of sockets) {
        const left = received.get(s)! - up;
        received.set(s, left);
        if (left >= up) complete++;
        s.write(reply);
      }
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
