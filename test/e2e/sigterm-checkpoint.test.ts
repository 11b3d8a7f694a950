// `hybrid coordinator` stopped by a signal (launch/coordinator.ts): on SIGTERM or SIGINT it writes a
// checkpoint of the version it reached and exits non-zero ("stopped by SIGTERM"); `--resume` on that
// directory goes on from exactly that version, the workers reconnect, and it can be stopped the same way
// again. Real processes of the built CLI (dist/cli.js; `npm run build` first) on loopback, a long run
// whose periodic checkpoints never come, so that the only checkpoints are the ones the signals write.
import { describe, expect, it } from 'vitest';
import type { CoordinatorCheckpoint } from '../../coordinator/coordinator.js';
import { PROTOCOL_VERSION, wire } from '../../proto/codec.js';
import { checkpointStore, coordinatorArgs, coordinatorRuns, twoTaskConfig, workerArgs, type Run } from '../support/coordinator-runs.js';
import { request } from '../support/http.js';
import { parsePrometheusText, samplesOf } from '../support/prometheus-text.js';
import { exitWithin, isRunning, signal, waitForLine, type Proc } from '../support/processes.js';

const STEPS = 100_000;
const { newRun: newRunIn, start } = coordinatorRuns();

function newRun(): Promise<Run> {
  return newRunIn(
    'hybrid-sigterm-',
    twoTaskConfig({
      seed: 3,
      steps: STEPS,
      // No periodic checkpoint before the end of the run; task states every 5 rounds.
      distributed: { checkpoint_every: STEPS, report_every: 5, keep_checkpoints: 3, heartbeat_seconds: 2, round_timeout_seconds: 30 },
    }),
  );
}

function coordinator(run: Run, resume: boolean): Proc {
  return start(coordinatorArgs(run, resume ? ['--resume'] : []));
}

function worker(run: Run, task: string): Proc {
  return start(workerArgs(run, task));
}

/** The coordinator's hybrid_shared_version, or null while /metrics does not answer. */
async function sharedVersion(run: Run): Promise<number | null> {
  try {
    const reply = await request(`http://127.0.0.1:${run.metricsPort}/metrics`, { timeoutMs: 2000 });
    if (reply.status !== 200) return null;
    return samplesOf(parsePrometheusText(reply.body), 'hybrid_shared_version')[0]?.value ?? null;
  } catch {
    return null;
  }
}

/** Polls /metrics until the version reaches `atLeast` (the coordinator must stay up meanwhile). */
async function versionReaches(run: Run, proc: Proc, atLeast: number, ms = 60_000): Promise<number> {
  const deadline = performance.now() + ms;
  let last: number | null = null;
  while (performance.now() < deadline) {
    if (!isRunning(proc)) throw new Error(`the coordinator exited at version ${last}; stderr:\n${proc.err()}`);
    last = await sharedVersion(run);
    if (last !== null && last >= atLeast) return last;
    // Between scrapes, wait for the coordinator to say something or a short while, whichever first.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, 50);
      function done() {
        clearTimeout(timer);
        proc.child.stderr!.off('data', done);
        resolve();
      }
      proc.child.stderr!.once('data', done);
    });
  }
  throw new Error(`version ${last} after ${ms} ms, ${atLeast} expected; stderr:\n${proc.err()}`);
}

const store = (run: Run) => checkpointStore(run);

/** The newest checkpoint, checked to be a whole, consistent state of this run. */
function newestCheckpoint(run: Run): { path: string; state: CoordinatorCheckpoint } {
  const loaded = store(run).loadNewest();
  expect(loaded, `a valid checkpoint in ${run.checkpoints}`).not.toBeNull();
  const { info, state } = loaded!;
  expect(info.version).toBe(state.version);
  expect(state.protocol).toBe(PROTOCOL_VERSION);
  expect(state.fingerprint).toMatch(/^[0-9a-f]{16}$/);
  // W of the MLP: 16 x 32 and 32 entries, finite.
  expect(state.shared.map((t) => t.length)).toEqual([16 * 32, 32]);
  for (const t of state.shared) expect(t.every(Number.isFinite)).toBe(true);
  // Adam took one step a round, from version 0 on.
  expect(state.optimizer.type).toBe('adam');
  expect(state.optimizer.step).toBe(state.version);
  // Each task's last reported state rides along. A task reports right after its push, so its state may
  // be one step ahead of W: the round it pushed for was still open when the signal came.
  expect(Object.keys(state.tasks).sort()).toEqual(['a', 'b']);
  for (const [task, bytes] of Object.entries(state.tasks)) {
    const ts = wire.TaskState.decode(bytes);
    expect(ts.task).toBe(task);
    expect(Number(ts.step)).toBeLessThanOrEqual(state.version + 1);
    expect(Number(ts.step) % 5).toBe(0);
  }
  return { path: info.path, state };
}

describe('the coordinator stopped by a signal checkpoints and resumes', () => {
  const cases: [NodeJS.Signals, NodeJS.Signals][] = [
    ['SIGTERM', 'SIGINT'],
    ['SIGINT', 'SIGTERM'],
  ];
  for (const [first, second] of cases) {
    it(`${first}: a checkpoint at the version reached, exit non-zero; --resume goes on from it and stops on ${second} the same way`, async () => {
      const run = await newRun();
      const c1 = coordinator(run, false);
      await waitForLine(c1, /coordinator: listening on ws:\/\/127\.0\.0\.1:\d+/, 30_000);
      const workers = ['a', 'b'].map((t) => worker(run, t));
      const seen = await versionReaches(run, c1, 15);
      // checkpoint_every is the whole run: nothing was written yet.
      expect(store(run).list()).toEqual([]);

      signal(c1, first);
      expect(await exitWithin(c1, 30_000, 'the coordinator after ' + first)).toBe(1);
      expect(c1.err()).toContain(`coordinator: ${first}: writing a checkpoint and stopping`);
      expect(c1.err()).toMatch(new RegExp(`hybrid: stopped by ${first}\\n`));
      const logged = /coordinator: checkpoint (\S+) \(version (\d+), \d+ bytes/.exec(c1.err());
      expect(logged, c1.err()).not.toBeNull();
      const { path, state } = newestCheckpoint(run);
      expect(state.version).toBeGreaterThanOrEqual(seen);
      expect(Number(logged![2])).toBe(state.version);
      expect(logged![1]).toBe(path);
      expect(store(run).list()).toHaveLength(1);
      // The workers outlive it, waiting to reconnect.
      for (const w of workers) expect(isRunning(w)).toBe(true);

      // Resumed on the same port: from exactly that checkpoint; the workers come back and rounds go on.
      const c2 = coordinator(run, true);
      const resumed = await waitForLine(c2, /coordinator: resumed from (\S+) at version (\d+) \(task states: ([^)]*)\)/, 30_000);
      expect(resumed[1]).toBe(path);
      expect(Number(resumed[2])).toBe(state.version);
      expect(resumed[3].split(', ').sort()).toEqual(['a', 'b']);
      await waitForLine(c2, new RegExp(`coordinator: model mlp .*, version ${state.version} of ${STEPS}$`, 'm'), 30_000);
      for (const t of ['a', 'b']) await waitForLine(c2, new RegExp(`task ${t} joined at version \\d+ \\(its state from step \\d+ sent along\\)`), 60_000);
      const later = await versionReaches(run, c2, state.version + 10);

      signal(c2, second);
      expect(await exitWithin(c2, 30_000, 'the resumed coordinator after ' + second)).toBe(1);
      expect(c2.err()).toContain(`coordinator: ${second}: writing a checkpoint and stopping`);
      expect(c2.err()).toMatch(new RegExp(`hybrid: stopped by ${second}\\n`));
      const again = newestCheckpoint(run);
      expect(again.state.version).toBeGreaterThanOrEqual(later);
      expect(again.state.fingerprint).toBe(state.fingerprint);
      expect(
        store(run)
          .list()
          .map((ck) => ck.version),
      ).toEqual([state.version, again.state.version]);

      // And a third start resumes from the second checkpoint.
      const c3 = coordinator(run, true);
      const third = await waitForLine(c3, /coordinator: resumed from (\S+) at version (\d+)/, 30_000);
      expect(third[1]).toBe(again.path);
      expect(Number(third[2])).toBe(again.state.version);
    }, 150_000);
  }
});
