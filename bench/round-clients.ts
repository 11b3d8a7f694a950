// The client side of bench:comm and bench:round: T synthetic workers, each in its own worker_thread so
// their work does not run on the coordinator's event loop. A client either speaks the hybrid protocol
// over `ws` as a real worker does (Hello with every encoding and parts; on every complete update, at
// once, a precomputed GradientPush for that version, in parts) or plays the same byte pattern over a raw
// TCP socket (send `up` bytes, wait for `down`, repeat), or that pattern as plain ws messages.
//
// The thread's code is plain JavaScript in a string (run with `eval`): that runs the same under
// vite-node, vitest and from dist, where a .ts worker file could not be loaded. It needs no codec: the
// main thread encodes the push's part frames with proto/codec (bench/push-frames.ts: the bytes are what
// a real worker's encode() sends) for versions of 1, 2 and 3 varint bytes; a client copies the ones its
// version needs once, then only writes its task name and the version into them. Of the coordinator's
// frames it reads only the few header fields it needs (kind, version, part, parts, negotiated settings).
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

export type MaskMode = 'random' | 'zero';

/** What one client thread reports when it stops. */
export interface ClientReport {
  /** Bytes of the last complete message (all parts; WebSocket payloads), or TCP burst, sent and received. */
  upBytes: number;
  downBytes: number;
  /** Messages (or bursts) sent. */
  sent: number;
}

/** A push's part frames encoded by proto/codec, shared (read-only) by every client of a grid point. */
export interface PushTemplates {
  /** frames[k][p]: part p of a push whose base_version takes k + 1 varint bytes. */
  frames: SharedArrayBuffer[][];
  /** Where the base_version varint starts in each frame. */
  versionAt: number[][];
  /** Where the task name's bytes start (every client's name has the same length). */
  taskAt: number[][];
}

/** What the coordinator's Welcome must have negotiated, else the client fails the run: a benchmark of
 *  other encodings or another chunk size than the row says would be a wrong number, not a slow one. */
export interface Negotiated {
  /** hybrid.proto Encoding ids. */
  uplink: number;
  downlink: number;
  chunkBytes: number;
}

export interface ClientSetup {
  /** The task this client trains. */
  task: string;
  /** The encoded Hello envelope (bench/push-frames.ts helloFrame). */
  hello: Uint8Array;
}

type FromClient = { type: 'stopped'; report: ClientReport } | { type: 'error'; message: string };

const CLIENT_SOURCE = String.raw`
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const net = require('node:net');
const WebSocket = require(workerData.wsPath);

const task = Buffer.from(workerData.task, 'utf8');
const hello = Buffer.from(workerData.hello);

function varintLength(v) { let n = 1; while (v >= 128) { v = Math.floor(v / 128); n++; } return n; }
function writeVarint(buf, pos, v) {
  while (v >= 128) { buf[pos++] = (v % 128) | 128; v = Math.floor(v / 128); }
  buf[pos++] = v;
  return pos;
}
function readVarint(buf, pos) {
  let v = 0, mul = 1, b;
  do { b = buf[pos++]; v += (b & 127) * mul; mul *= 128; } while (b & 128);
  return [v, pos];
}
function skipField(buf, pos, wireType) {
  if (wireType === 0) return readVarint(buf, pos)[1];
  if (wireType === 1) return pos + 8;
  if (wireType === 5) return pos + 4;
  if (wireType === 2) { const [len, p] = readVarint(buf, pos); return p + len; }
  throw new Error('wire type ' + wireType);
}
// The varint fields of the message in buf[pos, end) (first occurrence of each), by field number; the
// length-delimited ones (tensors, strings) are skipped over, not read.
function varintFields(buf, pos, end) {
  const out = new Map();
  while (pos < end) {
    const [key, p] = readVarint(buf, pos);
    if ((key & 7) === 0) {
      const [v, q] = readVarint(buf, p);
      if (!out.has(key >>> 3)) out.set(key >>> 3, v);
      pos = q;
    } else pos = skipField(buf, p, key & 7);
  }
  return out;
}
function stringField(buf, pos, end, field) {
  while (pos < end) {
    const [key, p] = readVarint(buf, pos);
    if (key >>> 3 === field && (key & 7) === 2) { const [len, q] = readVarint(buf, p); return buf.toString('utf8', q, q + len); }
    pos = skipField(buf, p, key & 7);
  }
  return '';
}

// This client's push: copies of the template parts whose base_version has as many varint bytes as
// 'version' needs, with this client's task name; later versions of that length are written in place
// (safe: the coordinator answers only once every byte of the push arrived, so ws is done with them).
function pusher(push) {
  let frames = null, frameClass = -1;
  return (version) => {
    const k = varintLength(version) - 1;
    if (k >= push.frames.length) throw new Error('version ' + version + ' is past the push templates');
    if (k !== frameClass) {
      frames = push.frames[k].map((f, i) => { const b = Buffer.from(new Uint8Array(f)); task.copy(b, push.taskAt[k][i]); return b; });
      frameClass = k;
    }
    frames.forEach((f, i) => writeVarint(f, push.versionAt[k][i], version));
    return frames;
  };
}

let stop = null;

function fail(message) { parentPort.postMessage({ type: 'error', message }); }

// Envelope fields: welcome 2, update 4, error 7, bye 8. Welcome: version 4, uplink 11, downlink 12,
// chunk_bytes 13, shared_follows 14. ParamUpdate: version 1, part 5, parts 6.
function runWs(url, mask, push, expect) {
  const report = { upBytes: 0, downBytes: 0, sent: 0 };
  const pushFrames = pusher(push);
  let stopping = false, done = null, failed = false;
  // The update being received: its version, the part expected next, bytes so far.
  let update = null;
  const options = { maxPayload: 0, perMessageDeflate: false };
  // An all-zero masking key: ws then neither masks (client) nor unmasks (server) the payload.
  if (mask === 'zero') options.generateMask = (m) => m.fill(0);
  const socket = new WebSocket(url, options);
  socket.binaryType = 'nodebuffer';
  const refuse = (message) => { if (!failed) { failed = true; fail('ws client ' + workerData.task + ': ' + message); } socket.terminate(); };
  const sendPush = (version) => {
    const frames = pushFrames(version);
    let bytes = 0;
    for (const f of frames) { socket.send(f); bytes += f.length; }
    report.upBytes = bytes;
    report.sent++;
  };
  socket.on('open', () => socket.send(hello));
  socket.on('message', (data) => {
    if (stopping || failed) return;
    const [key, p] = readVarint(data, 0);
    const field = key >>> 3;
    const [len, start] = readVarint(data, p);
    if (field === 2) {
      const f = varintFields(data, start, start + len);
      const got = { uplink: f.get(11) || 0, downlink: f.get(12) || 0, chunkBytes: f.get(13) || 0 };
      if (got.uplink !== expect.uplink || got.downlink !== expect.downlink || got.chunkBytes !== expect.chunkBytes) {
        return refuse('the welcome negotiated ' + JSON.stringify(got) + ', the benchmark row is ' + JSON.stringify(expect));
      }
      const version = f.get(4) || 0;
      // shared_follows: W comes next as a full ParamUpdate in parts; push once it is complete.
      if (f.get(14)) update = { version, next: 0, bytes: 0, follows: true };
      else { report.downBytes = data.length; sendPush(version); }
    } else if (field === 4) {
      const f = varintFields(data, start, start + len);
      const version = f.get(1) || 0, part = f.get(5) || 0, parts = Math.max(1, f.get(6) || 0);
      if (part === 0) {
        if (update && !update.follows) return refuse('the update to version ' + update.version + ' was left at part ' + update.next + ' for another');
        if (update && update.version !== version) return refuse('the welcome of version ' + update.version + ' was followed by an update to version ' + version);
        update = { version, next: 0, bytes: 0, follows: false };
      }
      if (!update || part !== update.next || version !== update.version) {
        return refuse('update part ' + part + ' of ' + parts + ' (version ' + version + ') arrived out of order');
      }
      update.next++;
      update.bytes += data.length;
      if (part + 1 < parts) return;
      report.downBytes = update.bytes;
      update = null;
      sendPush(version);
    } else if (field === 7) {
      refuse('coordinator refused it: ' + stringField(data, start, start + len, 2));
    } else if (field === 8) {
      refuse('coordinator said bye: ' + stringField(data, start, start + len, 1));
    }
  });
  socket.on('error', (err) => { if (!stopping) refuse(err.message); });
  socket.on('close', () => { if (done) done(); else if (!stopping && !failed) { failed = true; fail('ws client ' + workerData.task + ': connection closed'); } });
  return () => new Promise((resolve) => {
    stopping = true;
    done = () => resolve(report);
    if (socket.readyState === WebSocket.CLOSED) resolve(report);
    else socket.close(1000, 'benchmark done');
  });
}

function runTcp(port, up, down) {
  const report = { upBytes: up, downBytes: down, sent: 0 };
  const burst = Buffer.alloc(up, 1);
  let received = 0, stopping = false;
  const socket = net.connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  socket.on('connect', () => { report.sent++; socket.write(burst); });
  socket.on('data', (chunk) => {
    received += chunk.length;
    if (received >= down && !stopping) { received -= down; report.sent++; socket.write(burst); }
  });
  socket.on('error', (err) => { if (!stopping) parentPort.postMessage({ type: 'error', message: 'tcp client ' + workerData.task + ': ' + err.message }); });
  return () => new Promise((resolve) => {
    stopping = true;
    socket.once('close', () => resolve(report));
    socket.destroy();
  });
}

// The ws yardstick (bench/ws-rounds.ts): the push's bytes as messages of 'up' sizes, again each time
// the update's bytes (messages of 'down' sizes) are in.
function runWsRaw(url, mask, up, down) {
  const upBytes = up.reduce((a, b) => a + b, 0), downBytes = down.reduce((a, b) => a + b, 0);
  const report = { upBytes, downBytes, sent: 0 };
  const messages = up.map((n) => Buffer.alloc(n, 1));
  let received = 0, stopping = false, done = null;
  const options = { maxPayload: 0, perMessageDeflate: false };
  if (mask === 'zero') options.generateMask = (m) => m.fill(0);
  const socket = new WebSocket(url, options);
  socket.binaryType = 'nodebuffer';
  const send = () => { report.sent++; for (const m of messages) socket.send(m); };
  socket.on('open', send);
  socket.on('message', (data) => {
    received += data.length;
    if (received >= downBytes && !stopping) { received -= downBytes; send(); }
  });
  socket.on('error', (err) => { if (!stopping) fail('ws-raw client ' + workerData.task + ': ' + err.message); });
  socket.on('close', () => { if (done) done(); });
  return () => new Promise((resolve) => {
    stopping = true;
    done = () => resolve(report);
    if (socket.readyState === WebSocket.CLOSED) resolve(report);
    else socket.close(1000, 'benchmark done');
  });
}

parentPort.on('message', (m) => {
  try {
    if (m.cmd === 'ws') stop = runWs(m.url, m.mask, m.push, m.expect);
    else if (m.cmd === 'ws-raw') stop = runWsRaw(m.url, m.mask, m.up, m.down);
    else if (m.cmd === 'tcp') stop = runTcp(m.port, m.up, m.down);
    else if (m.cmd === 'stop') {
      const s = stop;
      stop = null;
      (s ? s() : Promise.resolve({ upBytes: 0, downBytes: 0, sent: 0 })).then((report) => parentPort.postMessage({ type: 'stopped', report }));
    }
  } catch (err) {
    parentPort.postMessage({ type: 'error', message: 'client ' + workerData.task + ': ' + (err && err.stack || err) });
  }
});
`;

/** T client threads; each runs one session (ws or tcp) at a time. */
export class ClientPool {
  private readonly threads: Worker[];
  private failure: Error | null = null;
  private readonly failureListeners = new Set<(err: Error) => void>();

  constructor(setups: readonly ClientSetup[]) {
    const wsPath = createRequire(import.meta.url).resolve('ws');
    this.threads = setups.map((s) => {
      const worker = new Worker(CLIENT_SOURCE, { eval: true, workerData: { wsPath, task: s.task, hello: s.hello } });
      worker.on('message', (m: FromClient) => {
        if (m.type === 'error') this.fail(new Error(`bench: ${m.message}`));
      });
      worker.on('error', (err) => this.fail(new Error(`bench: client thread for ${s.task} crashed: ${err.message}`)));
      return worker;
    });
  }

  get size(): number {
    return this.threads.length;
  }

  private fail(err: Error): void {
    if (!this.failure) this.failure = err;
    for (const l of this.failureListeners) l(err);
  }

  /** Calls `listener` on the first client failure (at once if one happened already); returns an unsubscribe. */
  onFailure(listener: (err: Error) => void): () => void {
    if (this.failure) listener(this.failure);
    this.failureListeners.add(listener);
    return () => this.failureListeners.delete(listener);
  }

  /** Every client connects to the coordinator at `url` and pushes `push` on every complete Welcome /
   *  ParamUpdate; a Welcome that did not negotiate `expect` fails the run. */
  startWs(url: string, mask: MaskMode, push: PushTemplates, expect: Negotiated): void {
    for (const t of this.threads) t.postMessage({ cmd: 'ws', url, mask, push, expect });
  }

  /** Every client connects to the ws yardstick at `url`, sends messages of `up` sizes, and again each
   *  time messages of `down` sizes arrived. */
  startWsRaw(url: string, mask: MaskMode, up: readonly number[], down: readonly number[]): void {
    for (const t of this.threads) t.postMessage({ cmd: 'ws-raw', url, mask, up, down });
  }

  /** Every client connects to 127.0.0.1:`port`, sends `up` bytes, and again each time `down` bytes arrived. */
  startTcp(port: number, up: number, down: number): void {
    for (const t of this.threads) t.postMessage({ cmd: 'tcp', port, up, down });
  }

  /** Ends every client's session; resolves with their reports. */
  stopSessions(): Promise<ClientReport[]> {
    return Promise.all(
      this.threads.map(
        (t) =>
          new Promise<ClientReport>((resolve) => {
            const onMessage = (m: FromClient): void => {
              if (m.type !== 'stopped') return;
              t.off('message', onMessage);
              resolve(m.report);
            };
            t.on('message', onMessage);
            t.postMessage({ cmd: 'stop' });
          }),
      ),
    );
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.terminate()));
  }
}
