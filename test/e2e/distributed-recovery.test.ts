// docs/architecture.md section 5 with real processes (the built dist/cli.js; run `npm run build` first) on loopback:
// a worker killed with -9 and started again, the coordinator killed with -9 and resumed from its
// checkpoint, a second worker for a live task, and a round closing at its deadline without a silent
// (SIGSTOPped) worker. Every spawned process is killed after each test, pass or fail.
// TRACE=1 prints every process's output lines with timestamps.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointStore } from '../../coordinator/checkpoints.js';
import type { CoordinatorCheckpoint } from '../../coordinator/coordinator.js';
import { coordinatorArgs, workerArgs } from '../support/coordinator-runs.js';
import { parsePrometheusText, samplesOf } from '../support/prometheus-text.js';
import { killLineProcs, Proc } from '../support/line-process.js';
import { CLI, freePort } from '../support/processes.js';

const FIXTURE = resolve('test/fixtures/recovery-mnist.json');
const BASE = JSON.parse(readFileSync(FIXTURE, 'utf8')) as {
  train: { steps: number } & Record<string, unknown>;
  sparsity: { rho: number; prune_end: number };
  distributed: { checkpoint_every: number } & Record<string, unknown>;
};
const STEPS = BASE.train.steps;
const EVERY = BASE.distributed.checkpoint_every;

const dirs: string[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hybrid-recovery-'));
  dirs.push(dir);
  return dir;
}

/** The fixture config with overrides of its `train` and `distributed` sections, written into `dir`. */
function writeConfig(dir: string, overrides: Overrides): string {
  const config = { ...BASE, train: { ...BASE.train, ...overrides.train }, sparsity: { ...BASE.sparsity, ...overrides.sparsity }, distributed: { ...BASE.distributed, ...overrides.distributed } };
  const path = join(dir, 'config.json');
  writeFileSync(path, JSON.stringify(config, null, 2));
  return path;
}

interface Overrides {
  train?: { steps?: number; baseline?: boolean };
  sparsity?: { warmup?: number; prune_end?: number };
  distributed?: Record<string, unknown>;
}

interface Run {
  dir: string;
  config: string;
  steps: number;
  /** The step at which S_t must be within its budget. */
  pruneEnd: number;
  port: number;
  metricsPort: number;
  url: string;
  checkpoints: string;
}

async function newRun(overrides: Overrides = {}): Promise<Run> {
  const dir = tempDir();
  const port = await freePort();
  const metricsPort = await freePort();
  const steps = overrides.train?.steps ?? STEPS;
  const pruneEnd = Math.round((overrides.sparsity?.prune_end ?? BASE.sparsity.prune_end) * steps);
  return { dir, config: writeConfig(dir, overrides), steps, pruneEnd, port, metricsPort, url: `ws://127.0.0.1:${port}`, checkpoints: join(dir, 'checkpoints') };
}

function coordinator(run: Run, extra: string[] = [], name = 'coordinator'): Proc {
  return new Proc(name, coordinatorArgs(run, extra));
}

function worker(run: Run, task: string, name = task): Proc {
  return new Proc(name, workerArgs(run, task, 'wasm'));
}

interface Results {
  tasks: { name: string; hybrid_accuracy: number; density: number }[];
}

function readResults(run: Run): Results {
  return JSON.parse(readFileSync(join(run.dir, 'out', 'results.json'), 'utf8')) as Results;
}

function accuracyOf(results: Results, task: string): number {
  const t = results.tasks.find((x) => x.name === task);
  if (!t) throw new Error(`results have no task ${task}`);
  return t.hybrid_accuracy;
}

/** A Prometheus sample's value, e.g. metric('hybrid_stragglers_total', { task: 'digits' }). */
function metric(text: string, name: string, labels: Record<string, string> = {}): number | null {
  return samplesOf(parsePrometheusText(text), name, labels)[0]?.value ?? null;
}

async function scrape(run: Run): Promise<string | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${run.metricsPort}/metrics`, { signal: AbortSignal.timeout(1000) });
    return res.ok ? await res.text() : null;
  } catch {
    return null;
  }
}

afterEach(killLineProcs);

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
});

const TASKS = ['digits', 'parity'];
const JOINED_WITH_STATE = /task (\S+) joined at version (\d+) \(its state from step (\d+) sent along\)/;
const ROUND = /^round (\d+)\/\d+ loss/;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every task trained, and S_t within its budget nnz <= rho * |W|. */
function expectTrained(results: Results, minAccuracy = 0.8): void {
  expect(results.tasks.map((t) => t.name)).toEqual(TASKS);
  for (const t of results.tasks) {
    expect(t.hybrid_accuracy, t.name).toBeGreaterThan(minAccuracy);
    expect(t.density, `density of S_${t.name}`).toBeLessThanOrEqual(BASE.sparsity.rho);
  }
}

describe('recovery with real processes (docs/architecture.md section 5)', () => {
  it('a worker killed with -9 and started again goes on from its reported state; its accuracy matches an uninterrupted run', async () => {
    // The uninterrupted run of the same config, through `hybrid local`. Sync rounds with every task in
    // are deterministic, so this is the reference whatever the timing.
    const base = await newRun();
    const local = new Proc('local', ['local', '--config', base.config, '--out', join(base.dir, 'out'), '--json', '--backend', 'wasm']);
    expect(await local.exitCode(), local.lines.slice(-20).join('\n')).toBe(0);
    const uninterrupted = JSON.parse(local.lines.find((l) => l.startsWith('{'))!) as Results;
    expectTrained(uninterrupted);

    const run = await newRun();
    const c = coordinator(run);
    await c.waitFor(/listening on/);
    const first = worker(run, 'digits', 'digits#1');
    worker(run, 'parity');
    // Killed mid-pruning, after its state reports of steps 10 and 20, and started again at once.
    await c.waitFor(/checkpoint .*\(version 20,/);
    // Round 20 closed: digits' push of version 20 is in, and its state of step 20, sent before it on the
    // same connection, with it (the checkpoint of version 20 alone may come before that state).
    for (;;) {
      const text = await scrape(run);
      if ((text && (metric(text, 'hybrid_shared_version') ?? 0) >= 21) || !c.running) break;
      await sleep(40);
    }
    await first.kill9();
    await c.waitFor(/task digits disconnected/);
    const second = worker(run, 'digits', 'digits#2');
    const joined = await c.waitFor(JOINED_WITH_STATE, { where: (m) => m[1] === 'digits' });
    const [joinedAt, stateStep] = [Number(joined[2]), Number(joined[3])];
    // The last state reported before the kill (every report_every = 10 rounds).
    expect(stateStep).toBeGreaterThanOrEqual(20);
    expect(stateStep % 10).toBe(0);
    // Meanwhile W waited for it: with the default quorum (every task) no round closed without digits.
    expect(joinedAt).toBeGreaterThanOrEqual(stateStep);
    expect(c.matching(/closed without task digits/)).toEqual([]);
    await second.waitFor(new RegExp(`took over the task state of step ${stateStep}$`));
    await second.waitFor(new RegExp(`joined at version ${joinedAt} of ${run.steps}$`));
    expect(await c.exitCode()).toBe(0);
    expect(await second.exitCode()).toBe(0);
    const results = readResults(run);
    const [before, after] = [accuracyOf(uninterrupted, 'digits'), accuracyOf(results, 'digits')];
    console.log(`digits killed after version 20, rejoined at ${joinedAt} with its state of step ${stateStep}: accuracy ${after} (uninterrupted ${before})`);
    // Within one point (accuracies are counts over the same 1000 test images; 1e-9 absorbs rounding).
    expect(Math.abs(after - before)).toBeLessThanOrEqual(0.01 + 1e-9);
    expectTrained(results);
  });

  it('the coordinator killed with -9 and restarted with --resume goes on from its checkpoint; the workers reconnect; no round is applied twice', async () => {
    const run = await newRun();
    const first = coordinator(run, [], 'coordinator#1');
    await first.waitFor(/listening on/);
    const workers = TASKS.map((t) => worker(run, t));
    await first.waitFor(/checkpoint .*\(version 50,/);
    // A few rounds past the checkpoint, so the workers have pushed for versions the restart repeats.
    await first.waitFor(ROUND, { where: (m) => Number(m[1]) > 50 });
    await first.kill9();

    const second = coordinator(run, ['--resume'], 'coordinator#2');
    let scrapes = 0;
    let last: string | null = null;
    const invariant: string[] = [];
    const resumed = await second.waitFor(/resumed from (\S+) at version (\d+)/);
    const from = Number(resumed[2]);
    expect(from).toBeGreaterThanOrEqual(50);
    expect(from % EVERY).toBe(0);
    // Every scrape of the restarted coordinator: rounds applied since the resume = version - V.
    const poll = (async () => {
      while (second.running) {
        const text = await scrape(run);
        const [version, rounds] = text ? [metric(text, 'hybrid_shared_version'), metric(text, 'hybrid_rounds_total')] : [null, null];
        if (text && version !== null && rounds !== null) {
          scrapes++;
          last = text;
          if (rounds !== version - from) invariant.push(`version ${version} after ${rounds} rounds`);
        }
        await sleep(40);
      }
    })();
    for (const t of TASKS) await second.waitFor(new RegExp(`task ${t} joined at version ${from}\\b`));
    expect(await second.exitCode()).toBe(0);
    await poll;
    for (const w of workers) {
      expect(await w.exitCode(), w.name).toBe(0);
      expect(w.matching(/coordinator unreachable; reconnecting/).length, w.name).toBeGreaterThan(0);
      expect(w.matching(new RegExp(`joined at version ${from} of ${run.steps}$`)), w.name).toHaveLength(1);
    }
    expect(scrapes).toBeGreaterThan(0);
    expect(invariant).toEqual([]);
    expect(metric(last!, 'hybrid_shared_version')).toBe(run.steps);
    expect(metric(last!, 'hybrid_rounds_total')).toBe(run.steps - from);
    const store = new CheckpointStore<CoordinatorCheckpoint>({ dir: run.checkpoints, warn: () => {} });
    expect(
      store
        .list()
        .map((c) => c.version)
        .filter((v) => v > run.steps),
    ).toEqual([]);
    expect(store.loadNewest()?.state.version).toBe(run.steps);
    expectTrained(readResults(run));
  });

  it('a second worker for a live task is refused (TASK_TAKEN) without disturbing the run, and takes over once the first one has lapsed', async () => {
    // The run must still be on when the second worker is refused and when it takes over, however slow
    // its start: the rounds run fast only between the two. Until parity joins, each round waits for it
    // until its deadline (quorum 1: digits alone closes it), and once the first worker is stopped, for
    // digits; 1500 rounds leave the takeover (a 3 s lapse, a data load) ample time either way.
    // No separate baselines: nothing here checks them, and their 1500 steps after the run only lengthen
    // the wait for the processes to end on a loaded machine.
    const run = await newRun({ train: { steps: 1500, baseline: false }, distributed: { quorum: 1 } });
    const c = coordinator(run);
    await c.waitFor(/listening on/);
    const first = worker(run, 'digits', 'digits#1');
    await c.waitFor(/task digits joined/);
    const second = worker(run, 'digits', 'digits#2');
    await c.waitFor(/refused a connection: task_taken: task "digits" has a live worker/);
    await second.waitFor(/coordinator says TASK_TAKEN/);
    // From here on the first worker must hear nothing from the coordinator but weights.
    const firstMark = first.lines.length;
    worker(run, 'parity');
    // The run goes on with the first worker: more rounds, no disconnect, no second join.
    const mark = c.lines.length;
    await c.waitFor(ROUND, { from: mark });
    expect(c.matching(/task digits (disconnected|joined)/).map((m) => m[0])).toEqual(['task digits joined']);
    expect(first.lines.slice(firstMark).filter((l) => /coordinator says/.test(l))).toEqual([]);
    // The first worker goes silent (stopped: its connection stays open, its heartbeats stop).
    first.signal('SIGSTOP');
    // Either the heartbeat sweep drops it first, or the second worker's retry finds it lapsed and replaces it.
    await c.waitFor(/task "?digits"?: (no message for \S+ s; dropping its worker|the previous worker is gone or its heartbeat lapsed; replacing it)/, { from: mark });
    const joined = await c.waitFor(JOINED_WITH_STATE, { from: mark, where: (m) => m[1] === 'digits' });
    await second.waitFor(new RegExp(`took over the task state of step ${joined[3]}$`));
    await first.kill9();
    // The rest of the run (most of its 1500 rounds) lies between here and the exit.
    expect(await c.exitCode(180_000)).toBe(0);
    expect(await second.exitCode()).toBe(0);
    // It took over while training was on, and trained to the end.
    expect(Number(joined[2])).toBeLessThan(run.steps);
    expect(second.matching(/done: held-out accuracy/)).toHaveLength(1);
    expectTrained(readResults(run));
  });

  it('a silent worker in sync mode with quorum < tasks: the round closes at its deadline with the others, the worker is dropped when its heartbeat lapses, and its replacement ends within the budget', async () => {
    // Pruning ends early (step 45 of 300), so the replacement takes over a state from mid-schedule.
    // A short deadline: while digits is away, every round waits for it until then.
    const run = await newRun({ train: { steps: 300 }, sparsity: { warmup: 0.02, prune_end: 0.15 }, distributed: { quorum: 1, round_timeout_seconds: 0.5 } });
    const c = coordinator(run);
    await c.waitFor(/listening on/);
    const silent = worker(run, 'digits');
    worker(run, 'parity');
    await c.waitFor(ROUND, { where: (m) => Number(m[1]) >= 13 });
    const mark = c.lines.length;
    // Stopped mid-run with its connection open: a worker whose death the coordinator cannot see (a
    // killed process's connection closes, and the coordinator drops its task at once, as in the first test).
    silent.signal('SIGSTOP');
    const closed = await c.waitFor(/round (\d+) closed without task digits \(deadline\)/, { from: mark });
    await c.waitFor(/task digits: no message for \S+ s; dropping its worker/, { from: mark });
    // The other task goes on alone, each round closing at its deadline (digits still counts, as a straggler).
    const after = await c.waitFor(ROUND, { from: mark, where: (m) => Number(m[1]) > Number(closed[1]) + 15 });
    const text = await scrape(run);
    expect(text).not.toBeNull();
    const stragglers = metric(text!, 'hybrid_stragglers_total', { task: 'digits' });
    expect(stragglers).toBeGreaterThanOrEqual(1);
    expect(stragglers).toBe(c.matching(/closed without task digits \(deadline\)/).length);
    // (At the start, too, a round may close at its deadline while a worker still loads its data.)
    expect(metric(text!, 'hybrid_stragglers_total', { task: 'parity' })).toBe(c.matching(/closed without task parity \(deadline\)/).length);
    expect(metric(text!, 'hybrid_workers_connected')).toBe(1);
    expect(metric(text!, 'hybrid_shared_version')).toBeGreaterThanOrEqual(Number(after[1]));

    // A replacement, once the rounds are past the end of pruning, takes over the state reported before
    // the stop; its S_t must still end within the budget.
    await c.waitFor(ROUND, { where: (m) => Number(m[1]) > run.pruneEnd });
    await silent.kill9();
    const replacement = worker(run, 'digits', 'digits#2');
    const joined = await c.waitFor(JOINED_WITH_STATE, { where: (m) => m[1] === 'digits' });
    expect(Number(joined[3])).toBeLessThan(run.pruneEnd);
    expect(Number(joined[2])).toBeGreaterThan(run.pruneEnd);
    expect(await c.exitCode()).toBe(0);
    expect(await replacement.exitCode()).toBe(0);
    expect(Number(joined[2]), 'joined before the end of training').toBeLessThan(run.steps);
    expectTrained(readResults(run), 0.5);
  });
});
