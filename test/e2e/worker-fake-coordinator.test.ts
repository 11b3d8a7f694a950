// A real `hybrid worker` (dist/cli.js; `npm run build` first) against a coordinator of the test's own
// making that sends what no coordinator of this release would: absurd shapes, a chunk size below the
// bounds, an oversized frame (after the welcome and, by its header alone, before), a welcome config that
// is not JSON, a task state of the wrong layout. Each ends the worker with one clear line on stderr, no
// stack trace, and exit code 1. And the heartbeat: it goes out at the welcome and around the data load,
// whatever the heartbeat period.
import { afterEach, describe, expect, it } from 'vitest';
import { Encoding } from '../../proto/codec.js';
import { startFakeCoordinator, tinyRunConfig, tinySpec, welcomeFor, type FakeCoordinator, type FakeSession } from '../support/fake-coordinator.js';
import { exitWithin, startHybrid, stopAll, type Proc } from '../support/processes.js';

const running: Proc[] = [];
const fakes: FakeCoordinator[] = [];

afterEach(async () => {
  await stopAll(running.splice(0), 2000);
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

function startWorker(url: string): Proc {
  const proc = startHybrid(['worker', '--coordinator', url, '--task', 'a', '--backend', 'cpu', '--metrics-host', '127.0.0.1', '--metrics-port', '0']);
  running.push(proc);
  return proc;
}

/** Runs a worker against a fake playing `script`; returns its exit code and its last stderr line. */
async function runAgainst(script: (session: FakeSession) => void): Promise<{ code: number; last: string; err: string }> {
  const fake = await startFakeCoordinator(script);
  fakes.push(fake);
  const worker = startWorker(fake.url);
  const code = await exitWithin(worker, 30_000, 'the worker');
  const lines = worker.err().trimEnd().split('\n');
  return { code, last: lines[lines.length - 1], err: worker.err() };
}

/** Ended by one "hybrid: ..." line matching `pattern`, no stack trace, exit code 1. */
function expectOneLineFailure(r: { code: number; last: string; err: string }, pattern: RegExp): void {
  expect(r.code, r.err).toBe(1);
  expect(r.last).toMatch(/^hybrid: /);
  expect(r.last).toMatch(pattern);
  expect(r.err).not.toMatch(/^\s+at /m);
  expect(r.err).not.toMatch(/RangeError|Unhandled|uncaught/i);
}

const config = tinyRunConfig();
const spec = tinySpec(config);

describe('hybrid worker against a coordinator that sends the impossible', () => {
  it('an update part declaring shape [2^31, 2^31] is refused against the model, before any allocation', async () => {
    const r = await runAgainst((s) => {
      s.send('welcome', welcomeFor(config));
      s.send('update', { version: 1, part: 0, parts: 2, shared: [{ name: spec.shared[0].name, shape: [2 ** 31, 2 ** 31], encoding: Encoding.ENCODING_F32, data: new Uint8Array(16) }] });
    });
    expectOneLineFailure(
      r,
      new RegExp(
        `the coordinator at ws://127\\.0\\.0\\.1:\\d+ sent something this worker cannot take: update to version 1: .*shape \\[2147483648, 2147483648\\], expected \\[${spec.shared[0].shape.join(', ')}\\]`,
      ),
    );
  }, 40_000);

  it('a welcome whose config sets chunk_bytes 1 is refused at the welcome', async () => {
    const bad = { ...config, distributed: { ...config.distributed, chunk_bytes: 1 } };
    const r = await runAgainst((s) => s.send('welcome', { ...welcomeFor(config), configJson: JSON.stringify(bad) }));
    expectOneLineFailure(r, /welcome config .*chunk_bytes/);
  }, 40_000);

  it("a frame over the run's limit is refused once the welcome has set it", async () => {
    const r = await runAgainst((s) => {
      s.send('welcome', welcomeFor(config));
      s.socket.send(new Uint8Array(4 << 20));
    });
    expectOneLineFailure(r, /a frame of 4194304 bytes; this run's frames are at most \d+ bytes/);
  }, 40_000);

  it('a frame whose header claims 1 TiB is refused from the header, before the welcome', async () => {
    const r = await runAgainst((s) => {
      // A binary frame header with a 64-bit length of 2^40 and no payload: ws reads the length first.
      const header = Buffer.from([0x82, 127, 0, 0, 1, 0, 0, 0, 0, 0]);
      (s.socket as unknown as { _socket: { write(b: Buffer): void } })._socket.write(header);
    });
    expectOneLineFailure(r, /sent a frame over this worker's limit of \d+ bytes/);
  }, 40_000);

  it('a welcome whose config is not valid JSON says so, and where', async () => {
    const r = await runAgainst((s) => s.send('welcome', { ...welcomeFor(config), configJson: '{"seed": 1,\n  "model": ' }));
    expectOneLineFailure(r, /the coordinator's welcome config \(from ws:\/\/127\.0\.0\.1:\d+\) is not valid JSON: line 2, column \d+: /);
  }, 40_000);

  it('a task state of the wrong layout is refused as it arrives', async () => {
    const r = await runAgainst((s) => {
      s.send('welcome', welcomeFor(config, { taskStateFollows: true }));
      s.send('taskState', { task: 'a', classes: 3, part: 0, parts: 2, sparse: [{ name: 'not/a/tensor', shape: [4], encoding: Encoding.ENCODING_F32, data: new Uint8Array(16) }] });
    });
    expectOneLineFailure(r, /the task state that followed the welcome, sparse: part 0: tensor 0 is "not\/a\/tensor", expected "/);
  }, 40_000);

  it('a task state whose head declares 2^31 classes is refused before its tensors are allocated', async () => {
    const r = await runAgainst((s) => {
      s.send('welcome', welcomeFor(config, { taskStateFollows: true }));
      s.send('taskState', { task: 'a', classes: 2 ** 31, part: 0, parts: 2 });
    });
    expectOneLineFailure(r, /a task state whose head has 2147483648 classes; task "a" has at most 3/);
  }, 40_000);
});

describe('hybrid worker heartbeats', () => {
  it('beats at the welcome and around loading its data, not only when the period comes round', async () => {
    // A period of 10 minutes: any heartbeat before the first push is one of the worker's own beats.
    const slow = tinyRunConfig({ heartbeat_seconds: 600 });
    let pushed!: (s: FakeSession) => void;
    const firstPush = new Promise<FakeSession>((resolve) => (pushed = resolve));
    const fake = await startFakeCoordinator((s) => {
      void s.next('push').then(() => pushed(s));
      s.send('welcome', welcomeFor(slow));
    });
    fakes.push(fake);
    const worker = startWorker(fake.url);
    const exited = worker.exit.then((code): never => {
      throw new Error(`the worker exited (code ${code}) before pushing:\n${worker.err()}`);
    });
    const session = await Promise.race([firstPush, exited]);
    const before = session.received.slice(
      0,
      session.received.findIndex((m) => m.kind === 'push'),
    );
    // At the welcome, after the data, after the trainer, before the first round.
    expect(before.filter((m) => m.kind === 'heartbeat').length).toBeGreaterThanOrEqual(3);
  }, 40_000);
});
