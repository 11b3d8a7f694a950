// deploy/slurm/hybrid.sbatch: its #SBATCH header, shellcheck where installed, and its behaviour, run
// under bash with stub `srun`, `scontrol` and `hybrid` (no Slurm exists here): the coordinator on the
// first node, one worker step per task with the coordinator's address, one rank per replica of the task
// (each with its --replica I/N), a private token, and the job's exit status following the run's; with
// HYBRID_SHARDS=K, K coordinator shards on the first K nodes (each node a loopback address of its own
// here), shard I with --shard I/K and every shard with the same --shards list, the workers at shard 0.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type HybridCommand, configTaskNames, deployPath, flag, parseHybridCommand, repoRoot, run, shardAddresses, shardOf, which } from '../support/deploy.js';
import { freePort } from '../support/processes.js';

const script = deployPath('slurm/hybrid.sbatch');
const text = readFileSync(script, 'utf8');
const HEAD = '127.0.0.1';

const SRUN = `#!/bin/bash
# Stub srun: records its options and command (one per line), then runs the command once per rank
# (--ntasks, default 1) with SLURM_PROCID set, as srun does; a one-rank step becomes the command, a step
# of several exits with the highest status of its ranks. The step's --nodelist is its STUB_NODE.
opts=()
while [[ $# -gt 0 && $1 == -* ]]; do opts+=("$1"); shift; done
d=$(mktemp -d "$STUB_LOG_DIR/srun.XXXXXX")
printf '%s\\n' "\${opts[@]}" >"$d/opts"
printf '%s\\n' "$@" >"$d/argv"
export STUB_STEP_DIR=$d
n=1
for o in "\${opts[@]}"; do [[ $o == --ntasks=* ]] && n=\${o#--ntasks=}; [[ $o == --nodelist=* ]] && export STUB_NODE=\${o#--nodelist=}; done
if ((n == 1)); then SLURM_PROCID=0 exec "$@"; fi
pids=()
for ((r = 0; r < n; r++)); do SLURM_PROCID=$r "$@" & pids+=($!); done
trap 'kill -TERM "\${pids[@]}" 2>/dev/null' TERM
status=0
for p in "\${pids[@]}"; do wait "$p"; s=$?; ((s > status)) && status=$s; done
exit "$status"
`;
// The allocation's nodes: STUB_NODES (space-separated), by default the loopback address and one more.
const SCONTROL = `#!/bin/sh
# shellcheck disable=SC2086
[ "$1 $2" = "show hostnames" ] && printf '%s\\n' \${STUB_NODES:-${HEAD} node-b}
`;
const HYBRID = `#!/usr/bin/env node
// Stub hybrid: records its arguments in its srun step's directory (rank.<SLURM_PROCID>). coordinator:
// serves /readyz on its node (STUB_NODE), then exits 0 after STUB_COORDINATOR_MS (or never, with
// STUB_COORDINATOR=forever); on SIGTERM exits 1, as the real one does. A follower shard (--shard I/K,
// I > 0) is ready STUB_FOLLOWER_READY_MS after it starts (it writes that time to shard-I-ready-at),
// exits 0 once the lead has exited (lead-exited), 3 after STUB_FAIL_SHARD_MS when it is shard
// STUB_FAIL_SHARD, and 1 on SIGTERM (shard-I-terminated). worker: reads its token, exits (3 for the
// task STUB_FAIL_TASK, and with STUB_FAIL_REPLICA only for that --replica).
const fs = require('fs');
const path = require('path');
const [cmd, ...rest] = process.argv.slice(2);
const get = (f) => (rest.includes(f) ? rest[rest.indexOf(f) + 1] : undefined);
const logs = process.env.STUB_LOG_DIR;
if (process.env.STUB_STEP_DIR) fs.writeFileSync(path.join(process.env.STUB_STEP_DIR, 'rank.' + process.env.SLURM_PROCID), JSON.stringify(process.argv.slice(2)));
if (cmd === 'coordinator') {
  const shard = Number((get('--shard') || '0/1').split('/')[0]);
  const readyAt = Date.now() + (shard > 0 ? Number(process.env.STUB_FOLLOWER_READY_MS || 0) : 0);
  if (shard > 0) fs.writeFileSync(path.join(logs, 'shard-' + shard + '-ready-at'), String(readyAt));
  const ready = (url) => url === '/readyz' && Date.now() >= readyAt;
  require('http').createServer((req, res) => { res.writeHead(ready(req.url) ? 200 : req.url === '/readyz' ? 503 : 404); res.end(); }).listen(Number(get('--metrics-port')), process.env.STUB_NODE || '${HEAD}');
  if (shard === 0) {
    process.on('SIGTERM', () => { fs.writeFileSync(path.join(logs, 'coordinator-terminated'), ''); fs.writeFileSync(path.join(logs, 'lead-exited'), ''); process.exit(1); });
    const exit = () => { fs.writeFileSync(path.join(logs, 'lead-exited'), ''); process.exit(0); };
    // STUB_COORDINATOR=after-workers: the run ends once a worker has started and had STUB_COORDINATOR_MS,
    // however long the shards took to be ready on a loaded machine.
    if (process.env.STUB_COORDINATOR === 'after-workers') {
      const poll = setInterval(() => { if (fs.existsSync(path.join(logs, 'worker-started'))) { clearInterval(poll); setTimeout(exit, Number(process.env.STUB_COORDINATOR_MS || 500)); } }, 50);
    } else if (process.env.STUB_COORDINATOR !== 'forever') setTimeout(exit, Number(process.env.STUB_COORDINATOR_MS || 1500));
  } else {
    process.on('SIGTERM', () => { fs.writeFileSync(path.join(logs, 'shard-' + shard + '-terminated'), ''); process.exit(1); });
    setInterval(() => { if (fs.existsSync(path.join(logs, 'lead-exited'))) process.exit(0); }, 100);
    if (process.env.STUB_FAIL_SHARD === String(shard)) setTimeout(() => process.exit(3), Number(process.env.STUB_FAIL_SHARD_MS || 0));
  }
} else if (cmd === 'worker') {
  fs.writeFileSync(path.join(logs, 'worker-started'), '');
  if (fs.readFileSync(get('--token-file'), 'utf8').length < 32) process.exit(4);
  const fail = process.env.STUB_FAIL_TASK === get('--task') && (!process.env.STUB_FAIL_REPLICA || process.env.STUB_FAIL_REPLICA === get('--replica'));
  setTimeout(() => process.exit(fail ? 3 : 0), 200);
} else process.exit(5);
`;

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Step {
  opts: string[];
  /** What srun was given to run. */
  argv: string[];
  /** The `hybrid` command line of each rank, by SLURM_PROCID. */
  ranks: HybridCommand[];
  /** Rank 0's. */
  command: HybridCommand;
  /** When srun was called (ms since the epoch). */
  started: number;
}

async function submit(env: Record<string, string>, args: string[] = []) {
  const dir = mkdtempSync(join(tmpdir(), 'deploy-slurm-'));
  dirs.push(dir);
  const bin = join(dir, 'bin');
  const logs = join(dir, 'logs');
  mkdirSync(bin);
  mkdirSync(logs);
  for (const [name, body] of Object.entries({ srun: SRUN, scontrol: SCONTROL, hybrid: HYBRID })) {
    writeFileSync(join(bin, name), body);
    chmodSync(join(bin, name), 0o755);
  }
  const runDir = join(dir, 'run');
  const result = run('bash', [script, ...args], {
    env: {
      PATH: `${bin}:${process.env.PATH ?? ''}`,
      HOME: dir,
      SLURM_JOB_ID: '4242',
      SLURM_JOB_NODELIST: 'node-[a-b]',
      SLURM_NTASKS: '3',
      SLURM_SUBMIT_DIR: repoRoot,
      STUB_LOG_DIR: logs,
      HYBRID: join(bin, 'hybrid'),
      HYBRID_RUN_DIR: runDir,
      HYBRID_METRICS_PORT: String(await freePort()),
      HYBRID_READY_TIMEOUT: '20',
      HYBRID_STOP_GRACE: '2',
      ...env,
    },
    timeoutMs: 50_000,
  });
  const steps: Step[] = readdirSync(logs)
    .filter((n) => n.startsWith('srun.'))
    .map((n) => {
      const lines = (f: string) =>
        readFileSync(join(logs, n, f), 'utf8')
          .split('\n')
          .filter(Boolean);
      const argv = lines('argv');
      const rankFiles = readdirSync(join(logs, n)).filter((f) => f.startsWith('rank.'));
      const ranks = rankFiles
        .map((f) => Number(f.slice('rank.'.length)))
        .sort((a, b) => a - b)
        .map((r, i) => {
          expect(r, `srun step ${n}: ranks 0 to n-1`).toBe(i);
          return parseHybridCommand(JSON.parse(readFileSync(join(logs, n, `rank.${r}`), 'utf8')) as string[], `srun step ${n} rank ${r}`);
        });
      // A one-rank step runs `hybrid` itself, with the arguments it got.
      if (ranks.length === 1) expect(argv).toEqual([join(bin, 'hybrid'), ...JSON.parse(readFileSync(join(logs, n, 'rank.0'), 'utf8'))]);
      return { opts: lines('opts'), argv, ranks, command: ranks[0], started: statSync(join(logs, n, 'opts')).mtimeMs };
    })
    .sort((a, b) => a.started - b.started);
  const shardsTerminated = readdirSync(logs)
    .map((n) => /^shard-(\d+)-terminated$/.exec(n)?.[1])
    .filter((n) => n !== undefined)
    .map(Number)
    .sort();
  const readyAt = (shard: number) => Number(readFileSync(join(logs, `shard-${shard}-ready-at`), 'utf8'));
  return { ...result, steps, bin, runDir, terminated: existsSync(join(logs, 'coordinator-terminated')), shardsTerminated, readyAt };
}

describe('deploy/slurm/hybrid.sbatch', () => {
  it('has its #SBATCH lines before the first command, with --ntasks = 1 + the tasks of the default config', () => {
    const lines = text.split('\n');
    const firstCommand = lines.findIndex((l, i) => i > 0 && l.trim() !== '' && !l.startsWith('#'));
    const sbatch = lines.map((l, i) => ({ l, i })).filter(({ l }) => l.startsWith('#SBATCH'));
    expect(sbatch.length).toBeGreaterThanOrEqual(4);
    for (const { i } of sbatch) expect(i).toBeLessThan(firstCommand);
    const ntasks = Number(/^#SBATCH --ntasks=(\d+)$/m.exec(text)?.[1]);
    expect(ntasks).toBe(configTaskNames(join(repoRoot, 'examples/quick.json')).length + 1);
    expect(run('bash', ['-n', script]).status).toBe(0);
  });

  it('passes shellcheck', (ctx) => {
    const shellcheck = which('shellcheck');
    if (!shellcheck) return ctx.skip('shellcheck is not installed (Debian: apt-get install shellcheck)');
    const r = run(shellcheck, ['-s', 'bash', script]);
    expect(r.status, r.output).toBe(0);
  });

  it('starts the coordinator on the first node, then one worker per task with its address, and exits 0 with the run', async () => {
    const r = await submit({});
    expect(r.status, r.output).toBe(0);
    const tasks = configTaskNames(join(repoRoot, 'examples/quick.json'));
    expect(r.steps.length).toBe(1 + tasks.length);
    const [coordinator, ...workers] = r.steps;
    expect(coordinator.command.command).toBe('coordinator');
    expect(coordinator.opts).toEqual(expect.arrayContaining(['--nodes=1', '--ntasks=1', `--nodelist=${HEAD}`]));
    const c = coordinator.command;
    expect(flag(c, '--config')).toBe('examples/quick.json');
    expect(flag(c, '--host')).toBe('0.0.0.0');
    expect(flag(c, '--out')).toBe(r.runDir);
    expect(flag(c, '--checkpoint-dir')).toBe(join(r.runDir, 'checkpoints'));
    expect(c.flags.get('--resume')).toBe(true);
    const token = flag(c, '--token-file')!;
    expect(readFileSync(token, 'utf8')).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(token).mode & 0o777).toBe(0o600);

    expect(workers.map((w) => flag(w.command, '--task')).sort()).toEqual([...tasks].sort());
    const ports = new Set<string>();
    for (const w of workers) {
      expect(w.command.command).toBe('worker');
      expect(flag(w.command, '--coordinator')).toBe(`ws://${HEAD}:${flag(c, '--port')}`);
      expect(flag(w.command, '--token-file')).toBe(token);
      expect(flag(w.command, '--backend')).toBe('auto');
      expect(w.opts).toEqual(expect.arrayContaining(['--nodes=1', '--ntasks=1']));
      expect(w.opts.some((o) => o.startsWith('--gpus'))).toBe(false);
      // One replica a task: one rank, running `hybrid` itself, with no --replica (as before replicas).
      expect(w.ranks.length).toBe(1);
      expect(w.argv[0]).toBe(join(r.bin, 'hybrid'));
      expect(w.command.flags.has('--replica')).toBe(false);
      ports.add(flag(w.command, '--metrics-port')!);
    }
    // Two workers on one node must not share a metrics port.
    expect(ports.size).toBe(workers.length);
    expect(r.terminated).toBe(false);
  });

  it('gives each worker step its GPUs and the tensorflow-gpu backend when asked', async () => {
    const r = await submit({ HYBRID_GPUS_PER_WORKER: '1' });
    expect(r.status, r.output).toBe(0);
    const workers = r.steps.filter((s) => s.command.command === 'worker');
    expect(workers.length).toBe(2);
    for (const w of workers) {
      expect(w.opts).toContain('--gpus-per-task=1');
      expect(flag(w.command, '--backend')).toBe('tensorflow-gpu');
    }
    expect(r.steps.find((s) => s.command.command === 'coordinator')!.opts.some((o) => o.startsWith('--gpus'))).toBe(false);
  });

  it('fails the job when a worker fails, naming its task', async () => {
    const r = await submit({ STUB_FAIL_TASK: 'digits-rot90' });
    expect(r.status).toBe(1);
    expect(r.output).toContain('the worker of task digits-rot90 exited with status 3');
    expect(r.output).not.toContain('the worker of task digits exited');
  });

  it('stops a coordinator that outlives every worker, and fails', async () => {
    const r = await submit({ STUB_COORDINATOR: 'forever' });
    expect(r.status).toBe(1);
    expect(r.terminated).toBe(true);
    expect(r.output).toContain('every worker has exited but the coordinator has not');
  });

  it('refuses an allocation too small for the config, and a run outside Slurm', async () => {
    const small = await submit({ SLURM_NTASKS: '2' });
    expect(small.status).toBe(2);
    expect(small.output).toContain('submit with --ntasks=3 or more');
    expect(small.steps).toEqual([]);
    const outside = await submit({ SLURM_JOB_ID: '' });
    expect(outside.status).toBe(2);
    expect(outside.output).toContain('not inside a Slurm allocation');
    const missing = await submit({}, ['examples/no-such.json']);
    expect(missing.status).toBe(2);
    expect(missing.output).toContain("no run config at 'examples/no-such.json'");
  });
});

describe('deploy/slurm/hybrid.sbatch with replicas', () => {
  /** examples/quick.json with `replicas` set on its tasks, in a file of its own; returns its path. */
  function replicatedConfig(replicas: unknown[]): string {
    const config = JSON.parse(readFileSync(join(repoRoot, 'examples/quick.json'), 'utf8')) as { tasks: Record<string, unknown>[] };
    config.tasks.forEach((t, i) => {
      if (replicas[i] !== undefined) t.replicas = replicas[i];
    });
    const dir = mkdtempSync(join(tmpdir(), 'deploy-slurm-config-'));
    dirs.push(dir);
    const path = join(dir, 'replicas.json');
    writeFileSync(path, JSON.stringify(config));
    return path;
  }
  const [first, second] = configTaskNames(join(repoRoot, 'examples/quick.json'));

  it('runs a task with N replicas as one srun step of N ranks, rank I with --replica I/N, every worker with its own metrics port', async () => {
    const config = replicatedConfig([2]);
    const metricsBase = 19401;
    const r = await submit({ SLURM_NTASKS: '4', HYBRID_WORKER_METRICS_PORT: String(metricsBase) }, [config]);
    expect(r.status, r.output).toBe(0);
    expect(r.output).toContain(`2 tasks with 3 replicas in all: ${first} (2 replicas) ${second}`);
    const coordinator = r.steps.find((s) => s.command.command === 'coordinator')!;
    expect(flag(coordinator.command, '--config')).toBe(config);
    const workers = r.steps.filter((s) => s.command.command === 'worker');
    expect(workers.length).toBe(2);
    const step = (task: string) => workers.find((w) => flag(w.command, '--task') === task)!;

    const replicated = step(first);
    expect(replicated.opts).toEqual(expect.arrayContaining(['--ntasks=2', '--nodes=1-2', '--exact', `--job-name=hybrid-worker-${first}`]));
    expect(replicated.argv[0]).toBe('bash');
    expect(replicated.ranks.map((c) => flag(c, '--replica'))).toEqual(['0/2', '1/2']);
    expect(replicated.ranks.map((c) => flag(c, '--task'))).toEqual([first, first]);

    const single = step(second);
    expect(single.opts).toEqual(expect.arrayContaining(['--ntasks=1', '--nodes=1']));
    expect(single.argv[0]).toBe(join(r.bin, 'hybrid'));
    expect(single.ranks.length).toBe(1);
    expect(single.command.flags.has('--replica')).toBe(false);

    const token = flag(coordinator.command, '--token-file');
    for (const c of [...replicated.ranks, ...single.ranks]) {
      expect(flag(c, '--coordinator')).toBe(`ws://${HEAD}:${flag(coordinator.command, '--port')}`);
      expect(flag(c, '--token-file')).toBe(token);
      expect(flag(c, '--backend')).toBe('auto');
    }
    // Worker slots task after task: the first task's replicas take the first ports.
    expect([...replicated.ranks, ...single.ranks].map((c) => Number(flag(c, '--metrics-port')))).toEqual([metricsBase, metricsBase + 1, metricsBase + 2]);
  });

  it('gives every replica its GPUs', async () => {
    const r = await submit({ SLURM_NTASKS: '5', HYBRID_GPUS_PER_WORKER: '1' }, [replicatedConfig([2, 2])]);
    expect(r.status, r.output).toBe(0);
    const workers = r.steps.filter((s) => s.command.command === 'worker');
    expect(workers.map((w) => w.ranks.length)).toEqual([2, 2]);
    for (const w of workers) {
      expect(w.opts).toEqual(expect.arrayContaining(['--gpus-per-task=1', '--ntasks=2']));
      for (const c of w.ranks) expect(flag(c, '--backend')).toBe('tensorflow-gpu');
    }
  });

  it('fails the job when one replica fails, naming its task', async () => {
    const r = await submit({ SLURM_NTASKS: '4', STUB_FAIL_TASK: first, STUB_FAIL_REPLICA: '1/2' }, [replicatedConfig([2])]);
    expect(r.status).toBe(1);
    expect(r.output).toContain(`a worker of task ${first} (2 replicas) exited with status 3`);
    expect(r.output).not.toContain(`task ${second} exited`);
  });

  it('refuses an allocation smaller than 1 + the sum of the replicas, and a replica count that is not a whole number >= 1', async () => {
    const small = await submit({ SLURM_NTASKS: '3' }, [replicatedConfig([2])]);
    expect(small.status).toBe(2);
    expect(small.output).toContain('has 2 tasks with 3 replicas in all: submit with --ntasks=4 or more (this allocation has 3)');
    expect(small.steps).toEqual([]);
    for (const bad of [0, 1.5, '2']) {
      const r = await submit({ SLURM_NTASKS: '9' }, [replicatedConfig([bad])]);
      expect(r.status, `replicas ${JSON.stringify(bad)}`).toBe(2);
      expect(r.output).toContain(`task ${first} in`);
      expect(r.output).toContain(`has replicas ${JSON.stringify(bad)}, not a whole number >= 1`);
      expect(r.output).toContain('cannot read the tasks of');
      expect(r.steps).toEqual([]);
    }
  });
});

describe('deploy/slurm/hybrid.sbatch with coordinator shards (HYBRID_SHARDS)', () => {
  const NODES = ['127.0.0.1', '127.0.0.2', '127.0.0.3'];
  const tasks = configTaskNames(join(repoRoot, 'examples/quick.json'));
  const coordinators = (steps: Step[]) => steps.filter((s) => s.command.command === 'coordinator').sort((a, b) => shardOf(a.command).index - shardOf(b.command).index);
  const workerSteps = (steps: Step[]) => steps.filter((s) => s.command.command === 'worker');

  for (const K of [2, 3]) {
    it(`K = ${K}: shard I on node I with --shard I/${K}, every shard with the same --shards (the lead's first), the workers at shard 0 once every shard is ready`, async () => {
      const r = await submit({ HYBRID_SHARDS: String(K), STUB_NODES: NODES.join(' '), SLURM_NTASKS: String(tasks.length + K), STUB_FOLLOWER_READY_MS: '1500', STUB_COORDINATOR: 'after-workers' });
      expect(r.status, r.output).toBe(0);
      expect(r.output).toContain(`${K} coordinator shards on ${NODES.slice(0, K).join(' ')} (lead ws://${HEAD}:8700)`);
      const shards = coordinators(r.steps);
      expect(shards.length).toBe(K);
      const list = NODES.slice(0, K).map((n) => `ws://${n}:8700`);
      const token = flag(shards[0].command, '--token-file');
      shards.forEach((s, i) => {
        const c = s.command;
        expect(shardOf(c)).toEqual({ index: i, count: K });
        expect(shardAddresses(c)).toEqual(list);
        expect(s.opts).toEqual(expect.arrayContaining(['--nodes=1', '--ntasks=1', `--nodelist=${NODES[i]}`, `--job-name=hybrid-coordinator-${i}`]));
        expect(flag(c, '--port')).toBe('8700');
        expect(flag(c, '--host')).toBe('0.0.0.0');
        expect(c.flags.get('--resume')).toBe(true);
        expect(flag(c, '--out')).toBe(r.runDir);
        expect(flag(c, '--token-file')).toBe(token);
        // The lead's checkpoints where a run of one coordinator keeps them; a follower's in a folder of its own.
        expect(flag(c, '--checkpoint-dir')).toBe(join(r.runDir, i === 0 ? 'checkpoints' : `checkpoints-shard-${i}`));
        expect(existsSync(flag(c, '--checkpoint-dir')!)).toBe(true);
      });
      expect(readFileSync(token!, 'utf8')).toMatch(/^[0-9a-f]{64}$/);
      const workers = workerSteps(r.steps);
      expect(workers.map((w) => flag(w.command, '--task')).sort()).toEqual([...tasks].sort());
      for (const w of workers) {
        expect(flag(w.command, '--coordinator')).toBe(list[0]);
        expect(flag(w.command, '--token-file')).toBe(token);
        expect(w.opts.some((o) => o.startsWith('--nodelist'))).toBe(false);
        // Started only once every follower answered /readyz.
        for (let i = 1; i < K; i++) expect(w.started, `worker ${flag(w.command, '--task')} after shard ${i} was ready`).toBeGreaterThanOrEqual(r.readyAt(i) - 50);
      }
      expect(r.terminated).toBe(false);
      expect(r.shardsTerminated).toEqual([]);
    });
  }

  it('HYBRID_SHARDS=1 is the run of one coordinator: one step, no --shard or --shards', async () => {
    const r = await submit({ HYBRID_SHARDS: '1' });
    expect(r.status, r.output).toBe(0);
    const shards = coordinators(r.steps);
    expect(shards.length).toBe(1);
    expect(shards[0].command.flags.has('--shard')).toBe(false);
    expect(shards[0].command.flags.has('--shards')).toBe(false);
    expect(shards[0].opts).toContain('--job-name=hybrid-coordinator');
    expect(flag(shards[0].command, '--checkpoint-dir')).toBe(join(r.runDir, 'checkpoints'));
    expect(r.output).toContain(`coordinator on ${HEAD} (ws://${HEAD}:`);
  });

  it('stops the run and fails when a follower shard fails while the lead runs, naming the shard', async () => {
    const r = await submit({
      HYBRID_SHARDS: '2',
      STUB_NODES: NODES.join(' '),
      SLURM_NTASKS: '4',
      STUB_COORDINATOR: 'forever',
      STUB_FOLLOWER_READY_MS: '200',
      STUB_FAIL_SHARD: '1',
      STUB_FAIL_SHARD_MS: '3000',
      HYBRID_STOP_GRACE: '10',
    });
    expect(r.status).toBe(1);
    expect(workerSteps(r.steps).length).toBe(tasks.length);
    expect(r.output).toContain('coordinator shard 1 failed (status 3) while the lead runs: stopping the run');
    expect(r.output).toContain('coordinator shard 1 exited with status 3');
    expect(r.output).not.toContain('every worker has exited');
    // The lead was stopped (it checkpoints on SIGTERM).
    expect(r.terminated).toBe(true);
  });

  it('fails the job when a follower shard exits before every shard is ready, starting no worker', async () => {
    const r = await submit({ HYBRID_SHARDS: '2', STUB_NODES: NODES.join(' '), SLURM_NTASKS: '4', STUB_FOLLOWER_READY_MS: '20000', STUB_FAIL_SHARD: '1', STUB_FAIL_SHARD_MS: '300' });
    expect(r.status).toBe(2);
    expect(r.output).toContain('coordinator shard 1 exited before every shard was ready');
    expect(workerSteps(r.steps)).toEqual([]);
  });

  it('stops every shard when every worker has exited and the lead has not', async () => {
    const r = await submit({ HYBRID_SHARDS: '2', STUB_NODES: NODES.join(' '), SLURM_NTASKS: '4', STUB_COORDINATOR: 'forever' });
    expect(r.status).toBe(1);
    expect(r.output).toContain('every worker has exited but the coordinator has not: stopping every shard');
    expect(r.terminated).toBe(true);
    expect(r.shardsTerminated).toEqual([1]);
  });

  it('refuses fewer nodes than shards, too few tasks, replicas, and a shard count that is not 1 to 64', async () => {
    const nodes = await submit({ HYBRID_SHARDS: '3', STUB_NODES: NODES.slice(0, 2).join(' '), SLURM_NTASKS: '5' });
    expect(nodes.status).toBe(2);
    expect(nodes.output).toContain(`HYBRID_SHARDS=3 puts shard I on node I: submit with --nodes=3 or more (this allocation has 2: ${NODES.slice(0, 2).join(' ')})`);
    expect(nodes.steps).toEqual([]);
    const small = await submit({ HYBRID_SHARDS: '2', STUB_NODES: NODES.join(' '), SLURM_NTASKS: '3' });
    expect(small.status).toBe(2);
    expect(small.output).toContain(`has ${tasks.length} tasks and 2 coordinator shards: submit with --ntasks=${tasks.length + 2} or more (this allocation has 3)`);
    expect(small.steps).toEqual([]);
    const config = JSON.parse(readFileSync(join(repoRoot, 'examples/quick.json'), 'utf8')) as { tasks: Record<string, unknown>[] };
    config.tasks[0].replicas = 2;
    const dir = mkdtempSync(join(tmpdir(), 'deploy-slurm-config-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'replicas.json'), JSON.stringify(config));
    const replicated = await submit({ HYBRID_SHARDS: '2', STUB_NODES: NODES.join(' '), SLURM_NTASKS: '9' }, [join(dir, 'replicas.json')]);
    expect(replicated.status).toBe(2);
    expect(replicated.output).toContain('coordinator shards (HYBRID_SHARDS=2) take one worker per task');
    expect(replicated.steps).toEqual([]);
    for (const bad of ['0', 'two', '65', '-1', '02']) {
      const r = await submit({ HYBRID_SHARDS: bad, STUB_NODES: NODES.join(' '), SLURM_NTASKS: '9' });
      expect(r.status, `HYBRID_SHARDS=${bad}`).toBe(2);
      expect(r.output).toContain(`HYBRID_SHARDS is '${bad}': give the number of coordinator shards, 1 to 64`);
      expect(r.steps).toEqual([]);
    }
  });
});
