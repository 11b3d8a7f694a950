// `hybrid local` lets the coordinator bind free ports itself and reads them from its "listening on"
// line (a port picked beforehand can be taken by another process first: two runs started together
// collided so); a coordinator whose port is taken says so and exits non-zero.
import { createServer, type Server } from 'node:net';
import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { listening } from '../../launch/local.js';
import { exitWithin, startHybrid } from '../support/processes.js';

function fakeCoordinator(): { child: ChildProcess; stderr: PassThrough } {
  const stderr = new PassThrough();
  const child = Object.assign(new EventEmitter(), { stderr }) as unknown as ChildProcess;
  return { child, stderr };
}

describe('hybrid local: coordinator ports', () => {
  it('takes the ports from the coordinator\'s "listening on" line', async () => {
    const { child, stderr } = fakeCoordinator();
    const ports = listening(child);
    stderr.write('coordinator: model mlp, 100 shared parameters\n');
    stderr.write('coordinator: listening on ws://127.0.0.1:40123, metrics on http://127.0.0.1:40124/metrics\n');
    await expect(ports).resolves.toEqual({ port: 40123, metricsPort: 40124 });
  });

  it('fails with the exit code when the coordinator exits before listening', async () => {
    const { child, stderr } = fakeCoordinator();
    const ports = listening(child);
    stderr.write('hybrid: cannot listen on 127.0.0.1:1: the port is in use\n');
    child.emit('exit', 1);
    await expect(ports).rejects.toThrow(/exited \(code 1\) before listening/);
  });

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
