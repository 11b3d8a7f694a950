// The yardstick sessions of a bench:comm client thread: the byte pattern of a sync round with no
// protocol, over raw loopback TCP (against bench/tcp.ts) or as plain ws messages (against
// bench/ws-rounds.ts). Each sends its push's bytes, and again each time the update's bytes are in.
import { connect } from 'node:net';
import type WebSocket from 'ws';
import { closeSocket, messageData, openSocket, type StopSession } from './client-socket.js';
import type { ClientReport, MaskMode } from './round-client-messages.js';

/** `up` bytes in one burst to 127.0.0.1:`port`, again each time `down` bytes arrived. */
export function startTcpSession(port: number, up: number, down: number, fail: (message: string) => void): StopSession {
  const report: ClientReport = { upBytes: up, downBytes: down, sent: 0 };
  const burst = Buffer.alloc(up, 1);
  let received = 0;
  let stopping = false;
  const socket = connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  const send = (): void => {
    report.sent++;
    socket.write(burst);
  };
  socket.on('connect', send);
  socket.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (received >= down && !stopping) {
      received -= down;
      send();
    }
  });
  socket.on('error', (err) => {
    if (!stopping) fail(err.message);
  });
  return () =>
    new Promise((resolve) => {
      stopping = true;
      socket.once('close', () => resolve(report));
      socket.destroy();
    });
}

/** Messages of `up` sizes to the ws server at `url`, again each time messages of `down` sizes arrived. */
export function startWsRawSession(url: string, mask: MaskMode, up: readonly number[], down: readonly number[], fail: (message: string) => void): StopSession {
  const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);
  const report: ClientReport = { upBytes: sum(up), downBytes: sum(down), sent: 0 };
  const messages = up.map((n) => Buffer.alloc(n, 1));
  let received = 0;
  let stopping = false;
  const socket = openSocket(url, mask);
  const send = (): void => {
    report.sent++;
    for (const m of messages) socket.send(m);
  };
  socket.on('open', send);
  socket.on('message', (data: WebSocket.RawData) => {
    received += messageData(data).length;
    if (received >= report.downBytes && !stopping) {
      received -= report.downBytes;
      send();
    }
  });
  socket.on('error', (err) => {
    if (!stopping) fail(err.message);
  });
  return () => {
    stopping = true;
    return closeSocket(socket, report);
  };
}
