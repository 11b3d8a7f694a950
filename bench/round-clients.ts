// The client side of bench:round: T synthetic workers, each in its own worker_thread so their work does
// not run on the coordinator's event loop. A client either speaks the hybrid protocol over `ws` (Hello,
// then on every Welcome / ParamUpdate at once a precomputed GradientPush for that version) or plays the
// same byte pattern over a raw TCP socket (send `up` bytes, wait for `down`, repeat).
//
// The thread's code is plain JavaScript in a string (run with `eval`): that runs the same under
// vite-node, vitest and from dist, where a .ts worker file could not be loaded. It needs no codec: the
// main thread encodes push frames with proto/codec (so the bytes are whatever a real worker's encode()
// sends) for versions of 1, 2 and 3 varint bytes; a client copies the one its version needs once, then
// only writes its task name and the version into it.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

export type MaskMode = 'random' | 'zero';

/** What one client thread reports when it stops. */
export interface ClientReport {
  /** Bytes of the last frame (WebSocket payload, or TCP burst) sent and received. */
  upBytes: number;
  downBytes: number;
  /** Frames (or bursts) sent. */
  sent: number;
}

/** Push frames encoded by proto/codec, shared (read-only) by every client of a grid point. */
export interface PushTemplates {
  /** templates[k]: a push whose base_version takes k + 1 varint bytes. */
  frames: SharedArrayBuffer[];
  /** Where the base_version varint starts in each frame. */
  versionAt: number[];
  /** Where the task name's bytes start (every client's name has the same length). */
  taskAt: number[];
}

export interface ClientSetup {
  /** The task this client trains. */
  task: string;
  /** The encoded Hello envelope (proto/codec encode('hello', ...)). */
  hello: Uint8Array;
  push: PushTemplates;
}

type FromClient = { type: 'stopped'; report: ClientReport } | { type: 'error'; message: string };

const CLIENT_SOURCE = String.raw`
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const net = require('node:net');
const WebSocket = require(workerData.wsPath);

const templates = workerData.push.frames.map((f) => new Uint8Array(f));
const { versionAt, taskAt } = workerData.push;
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
// First varint field 'field' of the message in buf[pos, end), else -1; first string field likewise.
function varintField(buf, pos, end, field) {
  while (pos < end) {
    const [key, p] = readVarint(buf, pos);
    if (key >>> 3 === field && (key & 7) === 0) return readVarint(buf, p)[0];
    pos = skipField(buf, p, key & 7);
  }
  return -1;
}
function stringField(buf, pos, end, field) {
  while (pos < end) {
    const [key, p] = readVarint(buf, pos);
    if (key >>> 3 === field && (key & 7) === 2) { const [len, q] = readVarint(buf, p); return buf.toString('utf8', q, q + len); }
    pos = skipField(buf, p, key & 7);
  }
  return '';
}

// This client's push frame: a copy of the template whose base_version has as many varint bytes as
// 'version' needs, with this client's task name; later versions of that length are written in place.
let frame = null, frameClass = -1;
function pushFrame(version) {
  const k = varintLength(version) - 1;
  if (k >= templates.length) throw new Error('version ' + version + ' is past the push templates');
  if (k !== frameClass) {
    frame = Buffer.from(templates[k]);
    task.copy(frame, taskAt[k]);
    frameClass = k;
  }
  writeVarint(frame, versionAt[k], version);
  return frame;
}

let stop = null;

function runWs(url, mask) {
  const report = { upBytes: 0, downBytes: 0, sent: 0 };
  let stopping = false, done = null;
  const options = { maxPayload: 0, perMessageDeflate: false };
  // An all-zero masking key: ws then neither masks (client) nor unmasks (server) the payload.
  if (mask === 'zero') options.generateMask = (m) => m.fill(0);
  const socket = new WebSocket(url, options);
  socket.binaryType = 'nodebuffer';
  socket.on('open', () => socket.send(hello));
  socket.on('message', (data) => {
    if (stopping) return;
    const [key, p] = readVarint(data, 0);
    const field = key >>> 3;
    const [len, start] = readVarint(data, p);
    if (field === 2 || field === 4) {
      report.downBytes = data.length;
      const version = varintField(data, start, start + len, field === 2 ? 4 : 1);
      const f = pushFrame(version < 0 ? 0 : version);
      report.upBytes = f.length;
      report.sent++;
      socket.send(f);
    } else if (field === 7) {
      parentPort.postMessage({ type: 'error', message: 'coordinator refused ' + workerData.task + ': ' + stringField(data, start, start + len, 2) });
    } else if (field === 8) {
      parentPort.postMessage({ type: 'error', message: 'coordinator said bye to ' + workerData.task });
    }
  });
  socket.on('error', (err) => parentPort.postMessage({ type: 'error', message: 'ws client ' + workerData.task + ': ' + err.message }));
  socket.on('close', () => { if (done) done(); else if (!stopping) parentPort.postMessage({ type: 'error', message: 'ws client ' + workerData.task + ': connection closed' }); });
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

parentPort.on('message', (m) => {
  try {
    if (m.cmd === 'ws') stop = runWs(m.url, m.mask);
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
      const worker = new Worker(CLIENT_SOURCE, { eval: true, workerData: { wsPath, task: s.task, hello: s.hello, push: s.push } });
      worker.on('message', (m: FromClient) => {
        if (m.type === 'error') this.fail(new Error(`bench:round: ${m.message}`));
      });
      worker.on('error', (err) => this.fail(new Error(`bench:round: client thread for ${s.task} crashed: ${err.message}`)));
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

  /** Every client connects to the coordinator at `url` and pushes on every Welcome / ParamUpdate. */
  startWs(url: string, mask: MaskMode): void {
    for (const t of this.threads) t.postMessage({ cmd: 'ws', url, mask });
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
