// Replicas with real processes (the built dist/cli.js; `npm run build` first) on loopback: one of a task's
// two replicas killed with -9 mid-run and another started in its slot, then a third replica started
// mid-run. The run completes, no round is applied twice, and every task's accuracy is within a point of
// an undisturbed run of the same config. TRACE=1 prints every process's lines.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { coordinatorArgs } from '../support/coordinator-runs.js';
import { killLineProcs, Proc } from '../support/line-process.js';
import { freePort } from '../support/processes.js';

const STEPS = 600;
const CONFIG = {
  seed: 3,
  model: { arch: 'mlp', hidden: [64] },
  tasks: [
    { name: 'digits', replicas: 2, dataset: { source: 'mnist', train: 2000, test: 2000 } },
    { name: 'parity', dataset: { source: 'mnist', train: 2000, test: 2000 }, transforms: [{ type: 'label_map', map: [0, 1, 0, 1, 0, 1, 0, 1, 0, 1] }] },
  ],
  train: { steps: STEPS, batch_size: 32, optimizer: { type: 'adam', lr: 0.002 }, baseline: false, eval_every: 0 },
  sparsity: { rho: 0.02, warmup: 0.05, prune_end: 0.5 },
  distributed: { report_every: 10, checkpoint_every: 50, heartbeat_seconds: 1, round_timeout_seconds: 20 },
};
const ROUND = /^round (\d+)\/\d+ loss/;

const dirs: string[] = [];
afterEach(killLineProcs);
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Run {
  dir: string;
  config: string;
  checkpoints: string;
  port: number;
  metricsPort: number;
}

async function newRun(): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'hybrid-replicas-'));
  dirs.push(dir);
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify(CONFIG));
  return { dir, config, checkpoints: join(dir, 'checkpoints'), port: await freePort(), metricsPort: await freePort() };
}

function worker(run: Run, task: string, name: string, replica?: string): Proc {
  const args = ['worker', '--coordinator', `ws://127.0.0.1:${run.port}`, '--task', task, '--metrics-host', '127.0.0.1', '--metrics-port', '0', '--backend', 'wasm'];
  return new Proc(name, replica ? [...args, '--replica', replica] : args);
}

function accuracies(run: Run): Record<string, number> {
  const results = JSON.parse(readFileSync(resolve(run.dir, 'out', 'results.json'), 'utf8')) as { tasks: { name: string; hybrid_accuracy: number }[] };
  return Object.fromEntries(results.tasks.map((t) => [t.name, t.hybrid_accuracy]));
}

/** The versions the coordinator reported W reached, in order. */
function rounds(c: Proc): number[] {
  return c.matching(ROUND).map((m) => Number(m[1]));
}

describe('replicas with real processes', () => {
  it('kill -9 of one of two replicas and another in its slot, then a third replica: the run completes, no round twice, accuracy within a point of an undisturbed run', async () => {
    // Undisturbed: the coordinator, two replicas of digits, one worker of parity.
    const calm = await newRun();
    const c0 = new Proc('calm coordinator', coordinatorArgs(calm));
    await c0.waitFor(/listening on/);
    const calmWorkers = [worker(calm, 'digits', 'calm digits/0', '0/2'), worker(calm, 'digits', 'calm digits/1', '1/2'), worker(calm, 'parity', 'calm parity')];
    expect(await c0.exitCode(180_000)).toBe(0);
    for (const w of calmWorkers) expect(await w.exitCode(), w.name).toBe(0);
    const undisturbed = accuracies(calm);

    const run = await newRun();
    const c = new Proc('coordinator', coordinatorArgs(run));
    await c.waitFor(/listening on/);
    const first = worker(run, 'digits', 'digits/0', '0/2');
    const doomed = worker(run, 'digits', 'digits/1', '1/2');
    const parity = worker(run, 'parity', 'parity');
    await c.waitFor(/task digits trains on 2 replicas \(slots 0, 1\) from version 0/);
    await c.waitFor(ROUND, { where: (m) => Number(m[1]) >= 60 });
    await doomed.kill9();
    await c.waitFor(/task digits replica 1 disconnected/);
    const mark = c.lines.length;
    // Another worker takes slot 1: it joins at a round's close with the lead's state.
    const again = worker(run, 'digits', 'digits/1 again', '1/2');
    await c.waitFor(/task digits: replica 1 joins at version (\d+)/, { from: mark });
    await again.waitFor(/took over the task state of step \d+/);
    // A third replica, beyond the two the config asks for.
    const third = worker(run, 'digits', 'digits/2', '2/3');
    await c.waitFor(/task digits: replica 2 joins at version (\d+)/);
    await third.waitFor(/took over the task state of step \d+/);
    expect(await c.exitCode(180_000)).toBe(0);
    for (const w of [first, again, third, parity]) expect(await w.exitCode(), w.name).toBe(0);

    // W moved through every version once, in order, to the end.
    const seen = rounds(c);
    expect(seen.at(-1)).toBe(STEPS);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(new Set(seen).size).toBe(seen.length);
    const disturbed = accuracies(run);
    for (const task of ['digits', 'parity']) {
      expect(undisturbed[task], task).toBeGreaterThan(0.8);
      expect(Math.abs(disturbed[task] - undisturbed[task]), `${task}: ${disturbed[task]} against ${undisturbed[task]}`).toBeLessThanOrEqual(0.01);
    }
  });
});
