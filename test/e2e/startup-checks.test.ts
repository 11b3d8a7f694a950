// Failures that must not end as success (the built CLI, dist/cli.js; `npm run build` first): a run
// directory or checkpoint directory that cannot be written is refused at start-up, before anything trains,
// by `hybrid coordinator`, `hybrid train` and `hybrid local`; and a coordinator whose results or final
// checkpoint could not be written at the end exits non-zero, saying what was lost and what to do.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkpointStore, coordinatorArgs, coordinatorRuns, workerArgs, type Run } from '../support/coordinator-runs.js';
import { exitWithin, freePort, waitForLine, type Proc } from '../support/processes.js';

const STEPS = 30;
const { newRun: newRunIn, start } = coordinatorRuns();

function newRun(): Promise<Run> {
  return newRunIn('hybrid-startup-', {
    seed: 9,
    model: { arch: 'mlp', hidden: [16] },
    tasks: [
      { name: 'a', dataset: { source: 'synthetic', features: 8, classes: 3, train: 128, test: 32, task_seed: 1 } },
      { name: 'b', dataset: { source: 'synthetic', features: 8, classes: 2, train: 128, test: 32, task_seed: 2 } },
    ],
    train: { steps: STEPS, batch_size: 16, optimizer: { type: 'adam', lr: 0.01 }, baseline: false },
    sparsity: { rho: 0.1, warmup: 0.2, prune_end: 0.6, prune_every: 10 },
    distributed: { checkpoint_every: 10, report_every: 5, keep_checkpoints: 3, heartbeat_seconds: 2, round_timeout_seconds: 30 },
  });
}

/** A coordinator on a port of its own (free at each start), its metrics on any port. */
async function coordinator(run: Run, extra: string[] = []): Promise<{ proc: Proc; port: number }> {
  const port = await freePort();
  return { proc: start(coordinatorArgs({ ...run, port, metricsPort: 0 }, extra)), port };
}

function workers(port: number): Proc[] {
  return ['a', 'b'].map((task) => start(workerArgs({ port }, task)));
}

/** The one-line error the CLI ends with. */
function errorLine(proc: Proc): string {
  return /^hybrid: (.*)$/m.exec(proc.err())?.[1] ?? `(no "hybrid: " line in)\n${proc.err()}`;
}

describe('directories that cannot be written are refused at start-up', () => {
  it('hybrid coordinator: --out naming an existing file', async () => {
    const run = await newRun();
    writeFileSync(run.out, 'results of something else');
    const { proc } = await coordinator(run);
    expect(await exitWithin(proc, 30_000, 'the coordinator')).toBe(1);
    expect(errorLine(proc)).toBe(`--out ${run.out} is an existing file, not a directory: give a directory path (it is made if missing), or move the file away`);
    expect(proc.err()).not.toMatch(/listening on/);
    expect(readFileSync(run.out, 'utf8')).toBe('results of something else');
  });

  it('hybrid coordinator: a --checkpoint-dir that cannot be made', async () => {
    const run = await newRun();
    writeFileSync(run.checkpoints, '');
    run.checkpoints = join(run.checkpoints, 'below-a-file');
    const { proc } = await coordinator(run, ['--resume']);
    expect(await exitWithin(proc, 30_000, 'the coordinator')).toBe(1);
    expect(errorLine(proc)).toMatch(new RegExp(`^--checkpoint-dir ${run.checkpoints} cannot be made \\(ENOTDIR.*\\): give a directory`));
    expect(proc.err()).not.toMatch(/listening on/);
  });

  it('hybrid train: --out naming an existing file, before the data is read', async () => {
    const run = await newRun();
    writeFileSync(run.out, '');
    const proc = start(['train', '--config', run.config, '--out', run.out, '--backend', 'cpu']);
    expect(await exitWithin(proc, 60_000, 'hybrid train')).toBe(1);
    expect(errorLine(proc)).toBe(`--out ${run.out} is an existing file, not a directory: give a directory path (it is made if missing), or move the file away`);
    expect(proc.err()).not.toMatch(/model mlp|separate|hybrid a/);
  });

  it('hybrid local: --out naming an existing file, before any process starts', async () => {
    const run = await newRun();
    writeFileSync(run.out, '');
    const proc = start(['local', '--config', run.config, '--out', run.out, '--backend', 'cpu']);
    expect(await exitWithin(proc, 60_000, 'hybrid local')).toBe(1);
    expect(errorLine(proc)).toContain(`--out ${run.out} is an existing file, not a directory`);
    expect(proc.err()).not.toMatch(/\[coordinator\]/);
  });
});

describe('a run whose ending could not be written exits non-zero', () => {
  it('results that could not be written: exit 1 naming the run directory; --resume then writes them from the final checkpoint', async () => {
    const run = await newRun();
    const { proc, port } = await coordinator(run);
    await waitForLine(proc, /coordinator: listening on/, 30_000);
    // Passed the start-up check; then the run directory turns into a file before the results are written.
    rmSync(run.out, { recursive: true });
    writeFileSync(run.out, 'in the way');
    workers(port);
    expect(await exitWithin(proc, 120_000, 'the coordinator')).toBe(1);
    expect(proc.err()).toMatch(/coordinator: writing the results FAILED: EEXIST/);
    expect(errorLine(proc)).toBe(
      `training ended, but no results were written to ${run.out}; the log above says why. The final checkpoint holds W and every task state: once the cause is fixed, the same command with --resume writes the results from it`,
    );
    expect(checkpointStore(run).loadNewest()?.state.version).toBe(STEPS);

    // As the message says: fixed, and resumed at the last version, it writes the results without a worker.
    rmSync(run.out);
    const again = (await coordinator(run, ['--resume'])).proc;
    expect(await exitWithin(again, 60_000, 'the resumed coordinator')).toBe(0);
    expect(again.err()).toMatch(new RegExp(`resumed from \\S+ at version ${STEPS}\\b`));
    const results = JSON.parse(readFileSync(join(run.out, 'results.json'), 'utf8')) as { tasks: { name: string }[] };
    expect(results.tasks.map((t) => t.name)).toEqual(['a', 'b']);
  });

  it('a final checkpoint that could not be written: exit 1 naming the checkpoint directory, though the results are written', async () => {
    const run = await newRun();
    const { proc, port } = await coordinator(run);
    await waitForLine(proc, /coordinator: listening on/, 30_000);
    rmSync(run.checkpoints, { recursive: true });
    writeFileSync(run.checkpoints, 'in the way');
    workers(port);
    expect(await exitWithin(proc, 120_000, 'the coordinator')).toBe(1);
    expect(proc.err()).toMatch(new RegExp(`coordinator: checkpoint at version ${STEPS} FAILED: EEXIST`));
    expect(errorLine(proc)).toMatch(
      new RegExp(
        `^training ended, but the final checkpoint could not be written to ${run.checkpoints} \\(EEXIST.*\\); the log above says why\\. Fix the checkpoint directory before training again`,
      ),
    );
    expect(existsSync(join(run.out, 'results.json'))).toBe(true);
  });
});
