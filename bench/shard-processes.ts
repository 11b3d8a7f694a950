// The coordinator processes of a bench:comm --shards point, started from the build output as an operator
// starts them (docs/shards.md, launch/local.ts): `node dist/cli.js coordinator --shard I/K` for the
// followers first, each reporting its ports over the IPC channel (launch/local-channel.ts), then the lead
// with `--shard 0/K --shards` naming them (its own entry is dialled by no one). K = 1 is one coordinator
// without --shard, started the same way, so that K = 1 and K > 1 are measured alike. Everything they write
// (the run config, checkpoints) lies in a temporary directory removed on close.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { RunConfig } from '../config/schema.js';
import { fromCoordinator } from '../launch/local-channel.js';

/** The compiled `hybrid` CLI for the module at `moduleUrl`: dist/cli.js beside dist/bench/, or of the
 *  repository when this module runs from source (vitest). */
export function cliUrl(moduleUrl: string = import.meta.url): URL {
  const compiled = new URL(moduleUrl).pathname.endsWith('.js');
  return new URL(compiled ? '../cli.js' : '../dist/cli.js', moduleUrl);
}

export interface ShardProcesses {
  /** Where workers join: the lead's ws:// address. */
  leadUrl: string;
  /** Each shard's /metrics port, shard 0 (the lead) first. */
  metricsPorts: number[];
  /** Calls `listener` when a shard process exits before close(); returns an unsubscribe. */
  onExit(listener: (err: Error) => void): () => void;
  /** Kills every process (SIGKILL: a SIGTERM would make each write a checkpoint first) and removes the directory. */
  close(): Promise<void>;
}

/** The lines a process printed last, for the error when it fails. */
const TAIL_LINES = 20;

interface Started {
  child: ChildProcess;
  name: string;
  tail: string[];
  exited: Promise<void>;
}

/** The run config as the bench runs it: K > 1 needs keep_checkpoints >= 2. */
function shardConfig(config: RunConfig): RunConfig {
  return { ...config, distributed: { ...config.distributed, keep_checkpoints: Math.max(2, config.distributed.keep_checkpoints) } };
}

export async function startShardProcesses(config: RunConfig, shards: number): Promise<ShardProcesses> {
  const cli = fileURLToPath(cliUrl());
  if (!existsSync(cli)) throw new Error(`bench: the CLI ${cli} is not built; run \`npm run build\` first`);
  const dir = mkdtempSync(join(tmpdir(), 'hybrid-bench-shards-'));
  const out = join(dir, 'run');
  mkdirSync(out);
  const configPath = join(dir, 'run.json');
  writeFileSync(configPath, JSON.stringify(shardConfig(config)));
  // Ports 0: each process binds free ports itself and reports them. Followers' checkpoints go to
  // <out>/checkpoints-shard-i, the lead's to <out>/checkpoints: all in `dir`.
  const base = [cli, 'coordinator', '--config', configPath, '--host', '127.0.0.1', '--port', '0', '--metrics-port', '0', '--out', out];
  const started: Started[] = [];
  let closing = false;
  const exitListeners = new Set<(err: Error) => void>();
  const failure = (p: Started, code: number | null, signal: NodeJS.Signals | null): Error =>
    new Error(`bench: ${p.name} exited (${signal ?? `code ${code}`}); its last lines:\n${p.tail.join('\n')}`);

  const start = (args: string[], name: string): Started => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    const tail: string[] = [];
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream! }).on('line', (line) => {
        tail.push(line);
        if (tail.length > TAIL_LINES) tail.shift();
      });
    }
    const p: Started = { child, name, tail, exited: new Promise((resolve) => child.once('exit', () => resolve())) };
    child.once('exit', (code, signal) => {
      if (closing) return;
      const err = failure(p, code, signal);
      for (const l of exitListeners) l(err);
    });
    started.push(p);
    return p;
  };

  const close = async (): Promise<void> => {
    closing = true;
    for (const p of started) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await Promise.all(started.map((p) => p.exited));
    rmSync(dir, { recursive: true, force: true });
  };

  /** The ports `p` reports, or its last lines in the error when it exits first. */
  const listening = async (p: Started): Promise<{ port: number; metricsPort: number }> => {
    try {
      return await fromCoordinator(p.child, 'listening');
    } catch {
      throw failure(p, p.child.exitCode, p.child.signalCode);
    }
  };

  try {
    const followers = Array.from({ length: shards - 1 }, (_, i) => start([...base, '--shard', `${i + 1}/${shards}`], `shard ${i + 1}/${shards}`));
    const followerPorts = await Promise.all(followers.map(listening));
    const shardArgs = shards > 1 ? ['--shard', `0/${shards}`, '--shards', ['ws://127.0.0.1:0', ...followerPorts.map((p) => `ws://127.0.0.1:${p.port}`)].join(',')] : [];
    const lead = start([...base, ...shardArgs], shards > 1 ? `shard 0/${shards} (the lead)` : 'the coordinator');
    const leadPorts = await listening(lead);
    return {
      leadUrl: `ws://127.0.0.1:${leadPorts.port}`,
      metricsPorts: [leadPorts.metricsPort, ...followerPorts.map((p) => p.metricsPort)],
      onExit: (listener) => {
        exitListeners.add(listener);
        return () => exitListeners.delete(listener);
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
