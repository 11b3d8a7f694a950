// `hybrid coordinator --resume` as the deployments run it (always --resume), killed with -9 while it
// writes checkpoints, again and again, with damaged and stray files dropped into its checkpoint directory
// between restarts: every restart goes on from the newest valid checkpoint, the damaged files are moved
// into damaged/, and checkpointing goes on. Also: --resume on an empty directory starts from version 0,
// and --resume on a directory where every checkpoint is damaged stops and says what to do, unless
// --fresh-if-damaged. Real processes of the built CLI (dist/cli.js; `npm run build` first) on loopback.
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, truncateSync, watch, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CoordinatorCheckpoint } from '../../coordinator/coordinator.js';
import { checkpointStore, coordinatorArgs, coordinatorRuns, twoTaskConfig, workerArgs, type Run } from '../support/coordinator-runs.js';
import { exitWithin, signal, waitForLine, waitForStderr, type Proc } from '../support/processes.js';

const STEPS = 100_000;
const EVERY = 4;
const KEEP = 3;
const { newRun: newRunIn, start } = coordinatorRuns();

function newRun(): Promise<Run> {
  return newRunIn(
    'hybrid-killloop-',
    twoTaskConfig({ seed: 5, steps: STEPS, distributed: { checkpoint_every: EVERY, report_every: 5, keep_checkpoints: KEEP, heartbeat_seconds: 2, round_timeout_seconds: 30 } }),
  );
}

function coordinator(run: Run, extra: string[] = ['--resume']): Proc {
  return start(coordinatorArgs(run, extra));
}

function worker(run: Run, task: string): Proc {
  return start(workerArgs(run, task));
}

/** `text` as a literal inside a RegExp (paths). */
const literal = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const CHECKPOINT_LINE = /coordinator: checkpoint (\S+) \(version (\d+), \d+ bytes/g;

/** Resolves once the process has logged a checkpoint at version `atLeast` or later; rejects if it exits first. */
function checkpointReaches(proc: Proc, atLeast: number, ms = 60_000): Promise<number> {
  const reached = (stderr: string) => [...stderr.matchAll(CHECKPOINT_LINE)].map((m) => Number(m[2])).find((v) => v >= atLeast);
  return waitForStderr(proc, reached, ms, `checkpoint at version >= ${atLeast}`);
}

/** SIGKILL as soon as the next checkpoint's temporary file appears (lib/atomic-write.ts names it `<file>.tmp-...`), i.e. mid-write. */
async function killDuringNextWrite(run: Run, proc: Proc): Promise<void> {
  const watcher = watch(run.checkpoints, (_event, name) => {
    if (name?.includes('.tmp-')) signal(proc, 'SIGKILL');
  });
  try {
    expect(await exitWithin(proc, 60_000, 'the coordinator waiting for its next checkpoint write')).toBe(128);
  } finally {
    watcher.close();
  }
}

const readStore = (run: Run) => checkpointStore(run, KEEP);

const file = (run: Run, version: number) => join(run.checkpoints, `checkpoint-${String(version).padStart(10, '0')}.ckpt`);
const damagedDir = (run: Run) => join(run.checkpoints, 'damaged');
const setAside = (run: Run): string[] => (existsSync(damagedDir(run)) ? readdirSync(damagedDir(run)).sort() : []);

/** What happens to the checkpoint directory between a kill and the next start. `newest` is the newest
 *  checkpoint the killed coordinator left; returns the names of the files it damaged or added. */
const TAMPERING: { what: string; apply: (run: Run, newest: number) => string[] }[] = [
  { what: 'nothing', apply: () => [] },
  {
    what: 'the newest checkpoint truncated',
    apply: (run, newest) => {
      truncateSync(file(run, newest), 100);
      return [file(run, newest)];
    },
  },
  {
    what: 'a stray checkpoint-9999999999.ckpt',
    apply: (run) => {
      writeFileSync(file(run, 9_999_999_999), 'not a checkpoint at all, and far ahead of the run\n'.repeat(4));
      return [file(run, 9_999_999_999)];
    },
  },
  {
    what: 'the newest checkpoint bit-flipped and an empty one above it',
    apply: (run, newest) => {
      const bytes = readFileSync(file(run, newest));
      bytes[bytes.length - 10] ^= 0x01;
      writeFileSync(file(run, newest), bytes);
      writeFileSync(file(run, newest + 1), '');
      return [file(run, newest), file(run, newest + 1)];
    },
  },
  {
    what: 'a complete temporary file of a save that never got renamed',
    apply: (run, newest) => {
      copyFileSync(file(run, newest), `${file(run, newest + EVERY)}.tmp-999-abcdef01`);
      return [];
    },
  },
  {
    what: 'a checkpoint of another format version above the newest',
    apply: (run, newest) => {
      const bytes = readFileSync(file(run, newest));
      bytes.writeUInt32LE(7, 8);
      writeFileSync(file(run, newest + 3), bytes);
      return [file(run, newest + 3)];
    },
  },
];

describe('the coordinator killed with -9 during checkpoint writes, again and again', () => {
  it('resumes each time from the newest valid checkpoint, moves damaged and stray files aside, and goes on checkpointing', async () => {
    const run = await newRun();
    // The first start already has --resume, as in the deployments: an empty (here, missing) directory is a fresh run.
    let c = coordinator(run);
    await waitForLine(c, new RegExp(`--resume given but no valid checkpoint in ${literal(run.checkpoints)}; starting from version 0`), 30_000);
    await waitForLine(c, /coordinator: listening on/, 30_000);
    ['a', 'b'].map((t) => worker(run, t));
    let from = 0;
    const damaged: string[] = [];

    for (const { what, apply } of TAMPERING) {
      // Checkpointing goes on past the version resumed from: two checkpoints later, the kill comes mid-write.
      await checkpointReaches(c, from + 2 * EVERY);
      await killDuringNextWrite(run, c);

      // A kill -9 never leaves a damaged checkpoint: the newest file there verifies (no warnings).
      const left = readStore(run).list();
      const newest = left[left.length - 1].version;
      expect(left.length).toBeLessThanOrEqual(KEEP + 1);
      expect(readStore(run).loadNewest()?.info.version).toBe(newest);

      const tampered = apply(run, newest);
      damaged.push(...tampered.filter((f) => existsSync(f)).map((f) => f.slice(run.checkpoints.length + 1)));
      const expected = Math.max(...left.map((ck) => ck.version).filter((v) => !tampered.includes(file(run, v))));
      expect(expected, what).toBeGreaterThan(from);

      c = coordinator(run);
      const resumed = await waitForLine(c, /coordinator: resumed from (\S+) at version (\d+)/, 30_000);
      expect(Number(resumed[2]), `after ${what}`).toBe(expected);
      expect(resumed[1]).toBe(file(run, expected));
      for (const f of tampered) {
        expect(c.err(), what).toMatch(new RegExp(`checkpoint ${literal(f)} is damaged \\(.+\\); moved to ${literal(join(damagedDir(run), ''))}`));
        expect(existsSync(f), f).toBe(false);
      }
      expect(setAside(run)).toEqual([...damaged].sort());
      from = expected;
    }

    // After the last restart checkpoints go on; stopped by SIGTERM, it writes one more and exits, leaving
    // no temporary file (the leftover planted above included), and the newest checkpoint is this run's
    // state at its version.
    const last = await checkpointReaches(c, from + 2 * EVERY);
    signal(c, 'SIGTERM');
    expect(await exitWithin(c, 30_000, 'the coordinator after SIGTERM')).toBe(1);
    expect(c.err()).toContain('hybrid: stopped by SIGTERM');
    expect(c.err()).not.toMatch(/FAILED/);
    expect(readdirSync(run.checkpoints).filter((n) => n.includes('.tmp-'))).toEqual([]);
    const newest = readStore(run).loadNewest();
    expect(newest?.info.version).toBeGreaterThanOrEqual(last);
    expect(newest?.state.version).toBe(newest?.info.version);
    expect(newest?.state.optimizer.step).toBe(newest?.state.version);
    expect(readStore(run).list()).toHaveLength(KEEP);
  }, 120_000);
});

describe('--resume and the checkpoints it finds', () => {
  it('stops when every checkpoint is damaged, saying what to do and moving nothing; --fresh-if-damaged moves them aside and starts from version 0', async () => {
    const run = await newRun();
    const names = ['checkpoint-0000000040.ckpt', 'checkpoint-0000000044.ckpt', 'checkpoint-0000000048.ckpt'];
    const dir = run.checkpoints;
    rmSync(dir, { recursive: true, force: true });
    // A store writes real checkpoints; then each is damaged another way.
    const store = readStore(run);
    for (const n of [40, 44, 48]) store.save(n, { version: n } as unknown as CoordinatorCheckpoint);
    truncateSync(join(dir, names[0]), 0);
    writeFileSync(join(dir, names[1]), 'garbage'.repeat(20));
    truncateSync(join(dir, names[2]), 60);

    const refused = coordinator(run);
    expect(await exitWithin(refused, 30_000, 'the coordinator with only damaged checkpoints')).toBe(1);
    const message = /hybrid: (.*)\n/.exec(refused.err())?.[1] ?? '';
    expect(message).toContain(`checkpoint directory ${dir} holds 3 checkpoint files and none is valid`);
    for (const n of names) expect(message).toContain(n);
    expect(message).toContain(`add --fresh-if-damaged to --resume`);
    expect(message).toContain(join(dir, 'damaged'));
    expect(refused.err()).not.toMatch(/listening on/);
    expect(readdirSync(dir).sort()).toEqual(names);

    const fresh = coordinator(run, ['--resume', '--fresh-if-damaged']);
    await waitForLine(fresh, new RegExp(`no valid checkpoint in ${literal(dir)}; starting from version 0`), 30_000);
    await waitForLine(fresh, /coordinator: listening on/, 30_000);
    expect(readdirSync(dir).sort()).toEqual(['damaged']);
    expect(setAside(run)).toEqual(names);
    for (const n of names) expect(fresh.err()).toContain(`checkpoint ${join(dir, n)} is damaged`);
  }, 90_000);

  it('--fresh-if-damaged without --resume is refused before anything starts', async () => {
    const run = await newRun();
    const c = coordinator(run, ['--fresh-if-damaged']);
    expect(await exitWithin(c, 30_000, 'the coordinator')).toBe(1);
    expect(c.err()).toContain('hybrid: --fresh-if-damaged only applies with --resume');
    expect(existsSync(run.checkpoints)).toBe(false);
  });
});
