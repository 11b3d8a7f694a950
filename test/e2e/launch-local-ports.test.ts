// `hybrid local` lets the coordinator bind free ports itself and hears which over the IPC channel it
// opens to the coordinator (a port picked beforehand can be taken by another process first: two runs
// started together collided so); a coordinator whose port is taken says so and exits non-zero.
import { createServer, type Server } from 'node:net';
import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromCoordinator } from '../../launch/local-channel.js';
import { exitWithin, startHybrid } from '../support/processes.js';

/** A stand-in for the coordinator's child process: its IPC messages and its exit are the test's to emit. */
function fakeCoordinator(): ChildProcess {
  return new EventEmitter() as unknown as ChildProcess;
}

describe('hybrid local: coordinator ports', () => {
  it("takes the ports from the coordinator's listening message, passing over other messages", async () => {
    const child = fakeCoordinator();
    const ports = fromCoordinator(child, 'listening');
    child.emit('message', { kind: 'finished', result: null });
    child.emit('message', 'not a coordinator message');
    child.emit('message', { kind: 'listening', port: 40123, metricsPort: 40124 });
    await expect(ports).resolves.toEqual({ kind: 'listening', port: 40123, metricsPort: 40124 });
  });

  it('fails with the exit code when the coordinator exits before listening', async () => {
    const child = fakeCoordinator();
    const ports = fromCoordinator(child, 'listening');
    child.emit('exit', 1);
    await expect(ports).rejects.toThrow(/exited \(code 1\) before it reported "listening"/);
  });

  it('a real coordinator started with an IPC channel reports its ports, and they are the ones it serves', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hybrid-ipc-'));
    const proc = startHybrid(['coordinator', '--config', 'examples/quick.json', '--host', '127.0.0.1', '--port', '0', '--metrics-port', '0', '--checkpoint-dir', join(dir, 'ck')], { ipc: true });
    try {
      const { port, metricsPort } = await fromCoordinator(proc.child, 'listening');
      expect(port).toBeGreaterThan(0);
      const health = await fetch(`http://127.0.0.1:${metricsPort}/healthz`);
      expect(health.status).toBe(200);
      expect(proc.err()).toContain(`listening on ws://127.0.0.1:${port}`);
    } finally {
      proc.child.kill('SIGKILL');
    }
  }, 40_000);

  it('a coordinator whose port is taken says which and exits 1', async () => {
    const taken: Server = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    const port = (taken.address() as { port: number }).port;
    try {
      const dir = mkdtempSync(join(tmpdir(), 'hybrid-port-'));
      const proc = startHybrid(['coordinator', '--config', 'examples/quick.json', '--host', '127.0.0.1', '--port', String(port), '--metrics-port', '0', '--checkpoint-dir', join(dir, 'ck')]);
      expect(await exitWithin(proc, 30_000, 'the coordinator')).toBe(1);
      expect(proc.err()).toContain(`cannot listen on 127.0.0.1:${port}: the port is in use`);
      expect(proc.err()).not.toMatch(/Unhandled 'error' event/);
    } finally {
      taken.close();
    }
  }, 40_000);
});
