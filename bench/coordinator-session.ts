// A bench:comm client's session with the real coordinator: a synthetic worker speaking the hybrid
// protocol as a real one does, through proto/codec. It says Hello, checks that the Welcome's run config
// has the encodings and chunk size of the benchmark row, and on every complete update (the W a Welcome
// says follows, or a round's ParamUpdate, each in parts) pushes at once, in parts, a precomputed
// gradient for that version (bench/push-writer.ts). It trains nothing: the round time measured is the
// protocol's and the coordinator's.
import type WebSocket from 'ws';
import type { RunConfig } from '../config/schema.js';
import { decode, type ParamUpdate, type Welcome } from '../proto/codec.js';
import { closeSocket, messageData, openSocket, type StopSession } from './client-socket.js';
import { PushWriter, type PushTemplates } from './push-writer.js';
import type { ClientReport, MaskMode, Negotiated } from './round-client-messages.js';

export interface CoordinatorSessionOptions {
  url: string;
  mask: MaskMode;
  task: string;
  /** The encoded Hello envelope. */
  hello: Uint8Array;
  push: PushTemplates;
  expect: Negotiated;
  /** Called once, on the first thing that breaks the session; the socket is then dropped. */
  fail: (message: string) => void;
}

/** The update being received: its version, the part expected next, its bytes so far; `follows` when it
 *  is the W the Welcome said follows. */
interface Incoming {
  version: number;
  next: number;
  bytes: number;
  follows: boolean;
}

/**
 * The encodings and chunk size a Welcome's run config sets. Read as plain JSON (the coordinator validated
 * it), not through the config schema: zod's objects in this thread's heap made every full collection,
 * which ws's multi-megabyte buffers trigger, several times longer, and the benchmark measured that
 * (about 40 % more per round, raw TCP included) instead of the protocol.
 */
export function negotiated(welcome: Welcome): Negotiated {
  const config = JSON.parse(welcome.configJson ?? '{}') as RunConfig;
  const { uplink, downlink, chunk_bytes } = config.distributed;
  return { uplink: uplink.encoding, downlink: downlink.encoding, chunkBytes: chunk_bytes };
}

export function sameSettings(a: Negotiated, b: Negotiated): boolean {
  return a.uplink === b.uplink && a.downlink === b.downlink && a.chunkBytes === b.chunkBytes;
}

export function startCoordinatorSession(o: CoordinatorSessionOptions): StopSession {
  const report: ClientReport = { upBytes: 0, downBytes: 0, sent: 0 };
  const pushes = new PushWriter(o.push, o.task);
  let stopping = false;
  let failed = false;
  let incoming: Incoming | null = null;
  const socket = openSocket(o.url, o.mask);

  const refuse = (message: string): void => {
    if (!failed) {
      failed = true;
      o.fail(message);
    }
    socket.terminate();
  };

  const sendPush = (version: number): void => {
    let bytes = 0;
    for (const frame of pushes.frames(version)) {
      socket.send(frame);
      bytes += frame.byteLength;
    }
    report.upBytes = bytes;
    report.sent++;
  };

  /** What is wrong with the Welcome, or null once it is taken. */
  const onWelcome = (welcome: Welcome, bytes: number): string | null => {
    const got = negotiated(welcome);
    if (!sameSettings(got, o.expect)) return `the welcome negotiated ${JSON.stringify(got)}, the benchmark row is ${JSON.stringify(o.expect)}`;
    const version = welcome.version ?? 0;
    // W comes next as a full ParamUpdate in parts: push once it is complete.
    if (welcome.sharedFollows) incoming = { version, next: 0, bytes: 0, follows: true };
    else {
      report.downBytes = bytes;
      sendPush(version);
    }
    return null;
  };

  /** What is wrong with the update part, or null once it is taken (and the push sent, if it was the last). */
  const onUpdate = (update: ParamUpdate, bytes: number): string | null => {
    const version = update.version ?? 0;
    const part = update.part ?? 0;
    const parts = Math.max(1, update.parts ?? 0);
    if (part === 0) {
      if (incoming && !incoming.follows) return `the update to version ${incoming.version} was left at part ${incoming.next} for another`;
      if (incoming && incoming.version !== version) return `the welcome of version ${incoming.version} was followed by an update to version ${version}`;
      incoming = { version, next: 0, bytes: 0, follows: false };
    }
    if (!incoming || part !== incoming.next || version !== incoming.version) return `update part ${part} of ${parts} (version ${version}) arrived out of order`;
    incoming.next++;
    incoming.bytes += bytes;
    if (part + 1 < parts) return null;
    report.downBytes = incoming.bytes;
    incoming = null;
    sendPush(version);
    return null;
  };

  socket.on('open', () => socket.send(o.hello));
  socket.on('message', (data: WebSocket.RawData) => {
    if (stopping || failed) return;
    let problem: string | null = null;
    try {
      const frame = messageData(data);
      const m = decode(frame);
      if (m.kind === 'welcome') problem = onWelcome(m.body, frame.length);
      else if (m.kind === 'update') problem = onUpdate(m.body, frame.length);
      else if (m.kind === 'error') problem = `coordinator refused it: ${m.body.message ?? ''}`;
      else if (m.kind === 'bye') problem = `coordinator said bye: ${m.body.reason ?? ''}`;
      // Heartbeats and the rest ask nothing of a worker that only pushes.
    } catch (err) {
      problem = (err as Error).message;
    }
    if (problem !== null) refuse(problem);
  });
  socket.on('error', (err) => {
    if (!stopping) refuse(err.message);
  });
  socket.on('close', () => {
    if (!stopping) refuse('connection closed');
  });
  return () => {
    stopping = true;
    return closeSocket(socket, report);
  };
}
