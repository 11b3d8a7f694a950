// `hybrid coordinator`: the Coordinator behind its WebSocket server, with checkpoints, /metrics,
// /healthz and /readyz, and a checkpoint on SIGTERM/SIGINT. Checks at start-up that its checkpoint and
// run directories are writable; resolves with the result when training is done and both the results and
// the final checkpoint were written, and rejects otherwise: a run that lost its ending is a failure.
import { loadModelFiles } from '../model/definition.js';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { RunConfig } from '../config/schema.js';
import { CheckpointStore, DAMAGED_DIR, NoValidCheckpointError } from '../coordinator/checkpoints.js';
import { Coordinator, type CoordinatorCheckpoint, type CoordinatorOptions } from '../coordinator/coordinator.js';
import { CoordinatorMetrics } from '../coordinator/metrics.js';
import { startProbeServer } from '../lib/probe-server.js';
import { ensureWritableDirectory } from '../lib/writable-directory.js';
import { runContext } from '../coordinator/run-context.js';
import { startServer } from '../coordinator/server.js';
import { ShardLinks } from '../coordinator/shard-links.js';
import { ShardLead, type RunningCoordinator } from './shard-lead.js';
import type { RunResult } from '../model/run-output.js';
import type { Log } from './progress.js';
import { readTokenFile, type Tokens } from './token-file.js';

export interface CoordinatorCommandOptions {
  host?: string;
  port: number;
  metricsPort: number;
  /** Interface of /metrics, /healthz and /readyz (default: `host`): they take no token, so a deployment
   *  may keep them off the network the workers use. */
  metricsHost?: string;
  checkpointDir: string;
  resume: boolean;
  /** With `resume`: when every checkpoint in the directory is damaged, move them into `damaged/` and
   *  start from version 0 instead of stopping. */
  freshIfDamaged?: boolean;
  outDir?: string;
  tokenFile?: string;
  tlsCert?: string;
  tlsKey?: string;
  /** Serve /metrics over plain HTTP even with TLS (for a scraper that cannot do HTTPS). */
  metricsPlain?: boolean;
  /** This process's shard of W (`--shard I/K`): absent, or K = 1, for a run of one coordinator. */
  shard?: { index: number; count: number };
  /** With K > 1 on the lead: every shard's address as the workers reach it, the lead's first (`--shards`). */
  shards?: string[];
  /** Called once both ports listen (the real port numbers, when 0 was asked for). */
  onListening?: (ports: { port: number; metricsPort: number }) => void;
}

/** The coordinator's accepted tokens; a per-task file must name only tasks of this run. */
export function coordinatorTokens(path: string, tasks: readonly string[]): Tokens {
  const tokens = readTokenFile(path);
  for (const task of Object.keys(tokens.perTask ?? {})) {
    if (!tasks.includes(task)) throw new Error(`token file ${path}: no task "${task}" in this run (tasks: ${tasks.join(', ')})`);
  }
  return tokens;
}

export async function runCoordinator(config: RunConfig, opts: CoordinatorCommandOptions, log: Log): Promise<RunResult> {
  if (opts.freshIfDamaged && !opts.resume) throw new Error('--fresh-if-damaged only applies with --resume: add --resume, or leave --fresh-if-damaged out');
  // --out first: the checkpoint directory is often inside it, and an --out that is a file is the cause to name.
  if (opts.outDir) ensureWritableDirectory(opts.outDir, '--out');
  ensureWritableDirectory(opts.checkpointDir, '--checkpoint-dir');
  // W starts from the model files (model.from): read before the coordinator builds the spec.
  await loadModelFiles(config.model);
  const metrics = new CoordinatorMetrics(config.tasks.map((t) => t.name));
  const checkpoints = new CheckpointStore<CoordinatorCheckpoint>({
    dir: opts.checkpointDir,
    keep: config.distributed.keep_checkpoints,
    warn: log,
    freshIfAllDamaged: opts.freshIfDamaged ?? false,
    onSetAside: () => metrics.checkpointsDamaged.inc(),
  });
  const existing = checkpoints.list();
  if (!opts.resume && existing.length > 0) {
    throw new Error(
      `checkpoint directory ${resolve(opts.checkpointDir)} already holds checkpoints (newest: version ${existing[existing.length - 1].version}); pass --resume to go on from it, or use an empty directory`,
    );
  }
  const sharded = leadShards(opts, metrics);
  const tokens = opts.tokenFile
    ? coordinatorTokens(
        opts.tokenFile,
        config.tasks.map((t) => t.name),
      )
    : undefined;
  const tls = opts.tlsCert || opts.tlsKey ? readTls(opts.tlsCert, opts.tlsKey) : undefined;
  const options = { log, metrics, checkpoints, resume: opts.resume, outDir: opts.outDir };
  let failShards: (err: Error) => void = () => undefined;
  const shardsFailed = new Promise<never>((_, reject) => (failShards = reject));
  const coordinator: RunningCoordinator = sharded ? newLead(config, sharded, tokens, options, failShards) : newCoordinator(config, options);
  const metricsServer = await startProbeServer({
    name: 'metrics server',
    host: opts.metricsHost ?? opts.host,
    port: opts.metricsPort,
    registry: metrics.registry,
    ready: () => coordinator.ready,
    tls: opts.metricsPlain ? undefined : tls,
  });
  const server = await startServer(coordinator, { host: opts.host, port: opts.port, tokens, tls, metrics, log });
  const scheme = tls ? 'wss' : 'ws';
  log(
    `coordinator: listening on ${scheme}://${opts.host ?? '0.0.0.0'}:${server.port}, metrics on ${tls && !opts.metricsPlain ? 'https' : 'http'}://${opts.metricsHost ?? opts.host ?? '0.0.0.0'}:${metricsServer.port}/metrics${tokens ? ', tokens required' : ''}`,
  );
  opts.onListening?.({ port: server.port, metricsPort: metricsServer.port });
  coordinator.on('round', (version: number, stats: { seconds: number; loss: Record<string, number> }) => {
    const every = Math.max(1, Math.ceil(coordinator.totalRounds / 20));
    if (version % every === 0 || version === coordinator.totalRounds) {
      const losses = Object.entries(stats.loss)
        .map(([t, l]) => `${t}=${l.toFixed(4)}`)
        .join(' ');
      log(`round ${version}/${coordinator.totalRounds} loss ${losses}`);
    }
  });
  const result = await new Promise<RunResult | null>((resolveDone, reject) => {
    const onSignal = (signal: NodeJS.Signals) => {
      log(`coordinator: ${signal}: writing a checkpoint and stopping`);
      coordinator.stop(true);
      void Promise.all([server.close(), metricsServer.close()]).then(() => reject(new Error(`stopped by ${signal}`)));
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    coordinator.once('done', (r: RunResult | null) => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      resolveDone(r);
    });
    shardsFailed.catch((err: Error) => {
      coordinator.stop(false);
      void Promise.all([server.close(), metricsServer.close()]).then(() => reject(err));
    });
    if (coordinator.finishIfComplete()) log('coordinator: the checkpoint is at the last version; results written from it');
  });
  // Give the workers a moment to read the bye before the sockets go.
  await new Promise((r) => setTimeout(r, 200));
  coordinator.stop(false);
  await Promise.all([server.close(), metricsServer.close()]);
  // The 'done' event follows the final checkpoint at once, so the store's last save is that one.
  const checkpointError = checkpoints.lastSaveError;
  if (result === null || checkpointError) {
    const lost = [
      ...(result === null ? [`no results were written${opts.outDir ? ` to ${resolve(opts.outDir)}` : ''}`] : []),
      ...(checkpointError ? [`the final checkpoint could not be written to ${resolve(opts.checkpointDir)} (${checkpointError.message})`] : []),
    ];
    const advice = checkpointError
      ? 'Fix the checkpoint directory before training again: a --resume would go on from an older checkpoint, if there is one'
      : 'The final checkpoint holds W and every task state: once the cause is fixed, the same command with --resume writes the results from it';
    throw new Error(`training ended, but ${lost.join(' and ')}; the log above says why. ${advice}`);
  }
  return result;
}

/** The shards of a lead of K > 1 (`--shard 0/K --shards ...`), checked; null for one coordinator. */
function leadShards(opts: CoordinatorCommandOptions, metrics: CoordinatorMetrics): string[] | null {
  const K = opts.shard?.count ?? 1;
  if (K === 1) return null;
  if ((opts.shards ?? []).length !== K) {
    throw new Error(`--shard 0/${K} leads ${K} shards: give their ${K} addresses, this one's first, as --shards ws://HOST:PORT,... (got ${(opts.shards ?? []).length})`);
  }
  metrics.registry.setDefaultLabels({ shard: '0' });
  return opts.shards!;
}

/** The lead of K shards: its links to the followers (with the run's shared token) and its Coordinator. */
function newLead(
  config: RunConfig,
  addresses: string[],
  tokens: Tokens | undefined,
  options: CoordinatorOptions & { checkpoints: CheckpointStore<CoordinatorCheckpoint> },
  fail: (err: Error) => void,
): ShardLead {
  if (tokens && !tokens.shared) throw new Error("a run over several shards needs a shared token (one line for all tasks in --token-file): the lead's links to the other shards present it");
  if (config.distributed.keep_checkpoints < 2) throw new Error('distributed.keep_checkpoints must be at least 2 for a run over several shards');
  const links = new ShardLinks(runContext(config, { log: options.log, metrics: options.metrics, shard: { index: 0, addresses } }), { token: tokens?.shared });
  return new ShardLead(config, { ...options, shards: { addresses, links } }, fail);
}

/** The Coordinator, with a resume that found only damaged checkpoints explained in terms of this command. */
function newCoordinator(config: RunConfig, options: CoordinatorOptions): Coordinator {
  try {
    return new Coordinator(config, options);
  } catch (err) {
    if (!(err instanceof NoValidCheckpointError)) throw err;
    throw new Error(
      `${err.message}. Look at them; to start this run from version 0 with them moved into ${resolve(err.dir, DAMAGED_DIR)}, add --fresh-if-damaged to --resume (or remove them yourself)`,
    );
  }
}

function readTls(cert: string | undefined, key: string | undefined): { cert: Buffer; key: Buffer } {
  if (!cert || !key) throw new Error('TLS needs both --tls-cert and --tls-key');
  const read = (path: string, what: string) => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new Error(`cannot read TLS ${what} ${path}: ${(err as Error).message}`);
    }
  };
  return { cert: read(cert, 'certificate'), key: read(key, 'key') };
}
