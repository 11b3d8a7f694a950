// A real `hybrid coordinator` (the built dist/cli.js) against connections that never say hello: 500
// idle WebSocket connections and 20 slow-loris clients that start a large frame and trickle it. The
// coordinator's memory stays bounded (its resident set grows by less than 50 MB), connections past the
// cap are answered 503, every open one is closed at the hello deadline, each refusal is counted by
// reason, and the log holds a few lines per kind, not one per connection.
import { randomBytes } from 'node:crypto';
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { request } from '../support/http.js';
import { parsePrometheusText, samplesOf } from '../support/prometheus-text.js';
import { startHybrid, stopAll, waitForLine, type Proc } from '../support/processes.js';

const IDLE = 500;
const SLOW = 20;
const CAP = 64;
const CONFIG = {
  seed: 0,
  model: { arch: 'mlp', hidden: [16] },
  tasks: ['a', 'b'].map((name, i) => ({ name, dataset: { source: 'synthetic', features: 16, train: 256, test: 64, task_seed: i + 1 } })),
  train: { steps: 12, batch_size: 32 },
  distributed: { hello_timeout_seconds: 2, max_unjoined_connections: CAP },
};

const dir = mkdtempSync(join(tmpdir(), 'hybrid-pre-hello-'));
const procs: Proc[] = [];
afterAll(async () => {
  await stopAll(procs, 5000);
  rmSync(dir, { recursive: true, force: true });
});

function residentBytes(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!kb) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kb[1]) * 1024;
}

/** A raw TCP client that upgrades by hand, then sends the header of a masked binary frame declaring
 *  1 MiB (within ws's limit for this model) and the first `bytes` of its payload, and never the rest.
 *  Resolves once the upgrade is in; `closed` resolves when the coordinator ends the connection. */
function slowLoris(port: number, bytes: number): Promise<{ socket: Socket; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.on('error', () => undefined);
    socket.once('connect', () =>
      socket.write(
        `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      ),
    );
    socket.once('data', (reply) => {
      if (!reply.toString('latin1').startsWith('HTTP/1.1 101')) return reject(new Error(`upgrade refused: ${reply.toString('latin1').split('\r\n')[0]}`));
      const header = Buffer.alloc(14);
      header[0] = 0x82; // FIN, binary
      header[1] = 0x80 | 127; // masked, 64-bit length
      header.writeBigUInt64BE(1n << 20n, 2);
      randomBytes(4).copy(header, 10);
      socket.write(Buffer.concat([header, randomBytes(bytes)]));
      resolve({ socket, closed });
    });
  });
}

function idle(url: string): Promise<{ status: number | null; closed: Promise<void> }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const closed = new Promise<void>((r) => ws.once('close', () => r()));
    ws.on('error', () => undefined);
    ws.once('open', () => resolve({ status: null, closed }));
    ws.once('unexpected-response', (req, res) => {
      resolve({ status: res.statusCode ?? 0, closed: Promise.resolve() });
      req.destroy();
    });
  });
}

describe('connections that never say hello, against a real coordinator', () => {
  it('cost bounded memory, are capped, closed at the hello deadline, counted, and logged in summary', async () => {
    writeFileSync(join(dir, 'config.json'), JSON.stringify(CONFIG));
    const coordinator = startHybrid(['coordinator', '--config', join(dir, 'config.json'), '--host', '127.0.0.1', '--port', '0', '--metrics-port', '0', '--checkpoint-dir', join(dir, 'ck')]);
    procs.push(coordinator);
    const m = await waitForLine(coordinator, /listening on ws:\/\/127\.0\.0\.1:(\d+), metrics on http:\/\/127\.0\.0\.1:(\d+)\/metrics/, 30_000);
    const port = Number(m[1]);
    const metricsUrl = `http://127.0.0.1:${m[2]}/metrics`;
    // A first scrape, so that the metrics' own allocations are in the baseline.
    await request(metricsUrl);
    const before = residentBytes(coordinator.child.pid!);

    // 48 KiB each: under the allowance before a hello, so they stay until the deadline.
    const slow = await Promise.all(Array.from({ length: SLOW }, () => slowLoris(port, 48 * 1024)));
    const conns = await Promise.all(Array.from({ length: IDLE }, () => idle(`ws://127.0.0.1:${port}`)));
    const peak = residentBytes(coordinator.child.pid!);
    const opened = conns.filter((c) => c.status === null).length;
    expect(opened).toBe(CAP - SLOW);
    expect(conns.filter((c) => c.status === 503)).toHaveLength(IDLE - opened);
    console.log(
      `coordinator resident set: ${(before / 2 ** 20).toFixed(1)} MiB before, ${(peak / 2 ** 20).toFixed(1)} MiB with ${opened + SLOW} unjoined connections open and ${IDLE - opened} refused`,
    );
    expect(peak - before, `resident set grew from ${before} to ${peak} bytes`).toBeLessThan(50 * 2 ** 20);

    // Every open one is closed at the hello deadline.
    await Promise.all([...slow.map((s) => s.closed), ...conns.map((c) => c.closed)]);
    const text = (await request(metricsUrl)).body;
    const rejected = (reason: string) => samplesOf(parsePrometheusText(text), 'hybrid_connections_rejected_total').find((s) => s.labels.reason === reason)?.value ?? 0;
    expect(rejected('too_many_unjoined')).toBe(IDLE - opened);
    expect(rejected('hello_timeout')).toBe(CAP);
    // A few lines per kind of refusal, not one per connection.
    const lines = coordinator.err().split('\n');
    expect(lines.filter((l) => l.includes('refused a connection from')).length).toBeLessThanOrEqual(5);
    expect(lines.filter((l) => l.includes('no hello within')).length).toBeLessThanOrEqual(5);

    // Connections that do say hello are still served.
    const ws = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false });
    await new Promise((r) => ws.once('open', r));
    ws.terminate();
  });
});
