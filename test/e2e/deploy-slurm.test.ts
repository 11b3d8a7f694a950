// deploy/slurm/hybrid.sbatch: its #SBATCH header, shellcheck where installed, and its behaviour, run
// under bash with stub `srun`, `scontrol` and `hybrid` (no Slurm exists here): the coordinator on the
// first node, one worker step per task with the coordinator's address, a private token, and the job's
// exit status following the run's.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type HybridCommand, configTaskNames, deployPath, flag, parseHybridCommand, repoRoot, run, which } from '../support/deploy.js';
import { freePort } from '../support/processes.js';

const script = deployPath('slurm/hybrid.sbatch');
const text = readFileSync(script, 'utf8');
const HEAD = '127.0.0.1';

const SRUN = `#!/bin/bash
# Stub srun: records its options and command (one per line), then becomes the command.
opts=()
while [[ $# -gt 0 && $1 == -* ]]; do opts+=("$1"); shift; done
d=$(mktemp -d "$STUB_LOG_DIR/srun.XXXXXX")
printf '%s\\n' "\${opts[@]}" >"$d/opts"
printf '%s\\n' "$@" >"$d/argv"
exec "$@"
`;
const SCONTROL = `#!/bin/sh
[ "$1 $2" = "show hostnames" ] && printf '${HEAD}\\nnode-b\\n'
`;
const HYBRID = `#!/usr/bin/env node
// Stub hybrid. coordinator: serves /readyz, then exits 0 after STUB_COORDINATOR_MS (or never, with
// STUB_COORDINATOR=forever); on SIGTERM exits 1, as the real one does. worker: reads its token, exits
// (3 for the task STUB_FAIL_TASK).
const fs = require('fs');
const path = require('path');
const [cmd, ...rest] = process.argv.slice(2);
const get = (f) => rest[rest.indexOf(f) + 1];
if (cmd === 'coordinator') {
  require('http').createServer((req, res) => { res.writeHead(req.url === '/readyz' ? 200 : 404); res.end(); }).listen(Number(get('--metrics-port')), '${HEAD}');
  process.on('SIGTERM', () => { fs.writeFileSync(path.join(process.env.STUB_LOG_DIR, 'coordinator-terminated'), ''); process.exit(1); });
  if (process.env.STUB_COORDINATOR !== 'forever') setTimeout(() => process.exit(0), Number(process.env.STUB_COORDINATOR_MS || 1500));
} else if (cmd === 'worker') {
  if (fs.readFileSync(get('--token-file'), 'utf8').length < 32) process.exit(4);
  setTimeout(() => process.exit(process.env.STUB_FAIL_TASK === get('--task') ? 3 : 0), 200);
} else process.exit(5);
`;

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Step {
  opts: string[];
  command: HybridCommand;
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
      expect(argv[0]).toBe(join(bin, 'hybrid'));
      return { opts: lines('opts'), command: parseHybridCommand(argv.slice(1), `srun step ${n}`), mtime: statSync(join(logs, n)).mtimeMs };
    })
    .sort((a, b) => a.mtime - b.mtime);
  return { ...result, steps, runDir, terminated: existsSync(join(logs, 'coordinator-terminated')) };
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
