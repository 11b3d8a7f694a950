// `hybrid local`: the coordinator and one worker process per task on this machine, over real sockets on
// loopback. Relays their progress to stderr, waits for the run to finish and returns its result.
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { RunConfig } from '../config/schema.js';
import { ensureWritableDirectory } from '../lib/writable-directory.js';
import type { RunResult } from '../model/run-output.js';
import { fromCoordinator } from './local-channel.js';
import type { Log } from './progress.js';

export interface LocalOptions {
  /** The run config file the processes read (the built-in config is written to the run dir first). */
  configPath: string;
  outDir: string;
  /** Path of the `hybrid` CLI script to start the processes with. */
  cli: string;
  backend?: string;
  /** W over this many coordinator processes (docs/shards.md); default 1. */
  shards?: number;
}

function relay(child: ChildProcess, prefix: string, log: Log, filter: (line: string) => boolean): void {
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream }).on('line', (line) => {
      if (filter(line)) log(`[${prefix}] ${line}`);
    });
  }
}

export async function runLocal(config: RunConfig, opts: LocalOptions, log: Log): Promise<RunResult> {
  const outDir = resolve(opts.outDir);
  // The coordinator checks again (with its checkpoint directory), but only after a process start: an
  // unwritable run directory is said here, once, before anything starts.
  ensureWritableDirectory(outDir, '--out');
  const node = process.execPath;
  // Ports 0: the coordinator binds free ports itself and says which (a port picked here could be taken
  // by another process before the coordinator binds it); the workers start once it listens.
  const coordinatorArgs = [
    opts.cli,
    'coordinator',
    '--config',
    opts.configPath,
    '--host',
    '127.0.0.1',
    '--port',
    '0',
    '--metrics-port',
    '0',
    '--checkpoint-dir',
    join(outDir, 'checkpoints'),
    '--out',
    outDir,
  ];
  const children: ChildProcess[] = [];
  const stopAll = () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
  };
  process.once('SIGINT', stopAll);
  process.once('SIGTERM', stopAll);
  // An IPC channel: each coordinator process reports its ports (and the lead its result) there (launch/local-channel.ts).
  const start = (args: string[], name: string): ChildProcess => {
    const child = spawn(node, args, { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    children.push(child);
    relay(child, name, log, () => true);
    return child;
  };
  let port: number;
  let metricsPort: number;
  let finished: Promise<{ result: RunResult | null }>;
  let coordinator: ChildProcess;
  try {
    // Shards: the followers first, so that the lead starts with their addresses.
    const shards = opts.shards ?? 1;
    const followerArgs = (i: number) => [...coordinatorArgs.slice(0, -4), '--checkpoint-dir', join(outDir, `checkpoints-shard-${i}`), '--out', outDir, '--shard', `${i}/${shards}`];
    const followers = Array.from({ length: shards - 1 }, (_, i) => start(followerArgs(i + 1), `shard ${i + 1}`));
    const followerPorts = await Promise.all(followers.map((f) => fromCoordinator(f, 'listening')));
    // The lead's own entry names it for the record; workers reach it by its port, given them below.
    const shardArgs = shards > 1 ? ['--shard', `0/${shards}`, '--shards', ['ws://127.0.0.1:0', ...followerPorts.map((p) => `ws://127.0.0.1:${p.port}`)].join(',')] : [];
    coordinator = start([...coordinatorArgs, ...shardArgs], 'coordinator');
    // Listened for from the start: the result may come before the workers are all done.
    finished = fromCoordinator(coordinator, 'finished');
    finished.catch(() => undefined);
    ({ port, metricsPort } = await fromCoordinator(coordinator, 'listening'));
  } catch (err) {
    stopAll();
    process.off('SIGINT', stopAll);
    process.off('SIGTERM', stopAll);
    throw err;
  }
  // One worker per replica slot of each task (tasks[].replicas, or --replicas).
  const slots = config.tasks.flatMap((task) => Array.from({ length: task.replicas }, (_, i) => ({ task: task.name, replica: i, of: task.replicas })));
  log(`local: coordinator on ws://127.0.0.1:${port} (metrics http://127.0.0.1:${metricsPort}/metrics), ${slots.length} workers, run directory ${outDir}`);
  const names = slots.map((s) => (s.of > 1 ? `${s.task}/${s.replica}` : s.task));
  slots.forEach((slot, k) => {
    const args = [opts.cli, 'worker', '--coordinator', `ws://127.0.0.1:${port}`, '--task', slot.task, '--metrics-port', '0', '--metrics-host', '127.0.0.1'];
    if (slot.of > 1) args.push('--replica', `${slot.replica}/${slot.of}`);
    if (opts.backend) args.push('--backend', opts.backend);
    const child = spawn(node, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    // Per-task progress: the coordinator prints the rounds; a worker's own lines are its joins,
    // reconnects, refusals and its final accuracy.
    relay(child, names[k], log, (line) => !/^backend: /.test(line) || /computes on/.test(line));
  });
  // Exit promises from the start: a worker may well exit before the coordinator does.
  const exits = children.map((c) => new Promise<number>((r) => c.once('exit', (code, signal) => r(code ?? (signal ? 128 : 1)))));
  const coordinatorExit = exits[children.indexOf(coordinator)];
  const workerExits = exits.slice(children.indexOf(coordinator) + 1);
  let result: RunResult | null;
  try {
    result = (await finished).result;
    const code = await coordinatorExit;
    if (code !== 0 || result === null) throw new Error(`the coordinator exited with code ${code}${result === null ? ' without a result' : ''}; its log above says why`);
    const codes = await Promise.race([Promise.all(workerExits), new Promise<null>((r) => setTimeout(() => r(null), 60_000).unref())]);
    // Follower shards leave once the lead has closed their links.
    await Promise.race([Promise.all(exits.slice(0, children.indexOf(coordinator))), new Promise<void>((r) => setTimeout(r, 10_000).unref())]);
    if (codes === null) log('local: a worker did not exit within 60 s of the end; stopping it');
    else codes.forEach((c, i) => c !== 0 && log(`local: worker ${names[i]} exited with code ${c}`));
  } finally {
    stopAll();
    process.off('SIGINT', stopAll);
    process.off('SIGTERM', stopAll);
  }
  return result;
}
