// The WebSocket a bench:comm client thread opens (to the coordinator or to the plain-ws yardstick), set
// up as worker/connection.ts sets up a real worker's, and how a session ends on it.
import WebSocket from 'ws';
import type { ClientReport, MaskMode } from './round-client-messages.js';

/** Ends a client session; resolves with what it did. */
export type StopSession = () => Promise<ClientReport>;

export function openSocket(url: string, mask: MaskMode): WebSocket {
  const options: WebSocket.ClientOptions = { maxPayload: 0, perMessageDeflate: false };
  // An all-zero masking key: ws then neither masks (client) nor unmasks (server) the payload.
  if (mask === 'zero') options.generateMask = (m) => void m.fill(0);
  const socket = new WebSocket(url, options);
  socket.binaryType = 'nodebuffer';
  return socket;
}

/** A message's bytes: binaryType 'nodebuffer' has ws deliver every message as one Buffer. */
export function messageData(data: WebSocket.RawData): Buffer {
  if (!Buffer.isBuffer(data)) throw new Error('bench: ws delivered a message as something other than a Buffer');
  return data;
}

/** Closes `socket` normally; resolves with `report` once it is closed. */
export function closeSocket(socket: WebSocket, report: ClientReport): Promise<ClientReport> {
  return new Promise((resolve) => {
    if (socket.readyState === WebSocket.CLOSED) return resolve(report);
    socket.once('close', () => resolve(report));
    socket.close(1000, 'benchmark done');
  });
}
