// Workers share a host (one per GPU on a cluster node): started as the README shows, with the default
// metrics port, two `hybrid worker` processes both run (the second moves to a free port and says so in
// its startup line) and train a run to its end with a heartbeat of one second. A --metrics-port given
// explicitly and in use stays an error that says so.
import { writeFileSync, mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_WORKER_METRICS_PORT } from '../../launch/worker.js';
import { exitWithin, startHybrid, stopAll, waitForLine, type Proc } from '../support/processes.js';

const running: Proc[] = [];
afterEach(async () => {
  await stopAll(running.splice(0), 2000);
});

function start(args: string[]): Proc {
  const proc = startHybrid(args);
  running.push(proc);
  return proc;
}

/** Two synthetic tasks, a few rounds, heartbeats every second (lapsed after three). */
function writeConfig(dir: string): string {
  const path = join(dir, 'config.json');
  const task = (name: string, seed: number) => ({ name, dataset: { source: 'synthetic', features: 16, classes: 3, train: 256, test: 64, task_seed: seed } });
  writeFileSync(
    path,
    JSON.stringify({
      seed: 3,
      model: { arch: 'mlp', hidden: [16] },
      tasks: [task('a', 1), task('b', 2)],
      train: { steps: 12, batch_size: 16, optimizer: { type: 'adam', lr: 0.01 }, baseline: false },
      distributed: { heartbeat_seconds: 1, report_every: 4 },
    }),
  );
  return path;
}

const STARTUP = /worker (\w+): coordinator \S+, metrics on http:\/\/127\.0\.0\.1:(\d+)\/metrics(.*)/;

describe('hybrid worker metrics ports', () => {
  it('two workers on one host with the default metrics port both join and train the run to its end', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hybrid-worker-ports-'));
    const coordinator = start(['coordinator', '--config', writeConfig(dir), '--host', '127.0.0.1', '--port', '0', '--metrics-port', '0', '--out', join(dir, 'run')]);
    const url = `ws://127.0.0.1:${(await waitForLine(coordinator, /listening on ws:\/\/127\.0\.0\.1:(\d+)/, 30_000))[1]}`;
    // The README's command line, with /metrics on loopback only.
    const a = start(['worker', '--coordinator', url, '--task', 'a', '--backend', 'cpu', '--metrics-host', '127.0.0.1']);
    const startA = await waitForLine(a, STARTUP, 30_000);
    const b = start(['worker', '--coordinator', url, '--task', 'b', '--backend', 'cpu', '--metrics-host', '127.0.0.1']);
    const startB = await waitForLine(b, STARTUP, 30_000);

    const ports = [Number(startA[2]), Number(startB[2])];
    expect(ports[0]).not.toBe(ports[1]);
    // A worker not on the default port (both, when another process holds it) says why.
    for (const line of [startA, startB]) {
      if (Number(line[2]) !== DEFAULT_WORKER_METRICS_PORT) expect(line[3]).toContain(`port ${DEFAULT_WORKER_METRICS_PORT} is taken`);
    }
    for (const port of ports) expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);

    await waitForLine(a, /joined at version/, 60_000);
    await waitForLine(b, /joined at version/, 60_000);
    expect(await exitWithin(coordinator, 90_000, 'the coordinator')).toBe(0);
    expect(await exitWithin(a, 60_000, 'worker a')).toBe(0);
    expect(await exitWithin(b, 60_000, 'worker b')).toBe(0);
    // Heartbeats went on while the workers loaded their data: none was dropped.
    expect(coordinator.err()).not.toMatch(/dropping its worker/);
  }, 120_000);

  it('a --metrics-port given explicitly and in use is an error that says so', async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', () => resolve()));
    const port = (taken.address() as { port: number }).port;
    try {
      const worker = start(['worker', '--coordinator', 'ws://127.0.0.1:9', '--task', 'a', '--backend', 'cpu', '--metrics-host', '127.0.0.1', '--metrics-port', String(port)]);
      expect(await exitWithin(worker, 30_000, 'the worker')).toBe(1);
      const last = worker.err().trimEnd().split('\n').pop();
      expect(last).toMatch(new RegExp(`^hybrid: worker metrics server: cannot listen on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE.*--metrics-port ${port} was given explicitly`));
      expect(worker.err()).not.toMatch(/^\s+at /m);
    } finally {
      taken.close();
    }
  }, 40_000);
});
