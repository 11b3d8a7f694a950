// `hybrid coordinator --shard I/K` for I >= 1: a follower shard (coordinator/follower.ts) behind its
// WebSocket server, with its checkpoints, /metrics (every series labelled with its shard), /healthz and
// /readyz, and a checkpoint on SIGTERM/SIGINT. It serves until the run is over and the lead, which
// writes the results, has closed its shard link.
import { resolve } from 'node:path';
import type { RunConfig } from '../config/schema.js';
import { CheckpointStore } from '../coordinator/checkpoints.js';
import { Follower } from '../coordinator/follower.js';
import { CoordinatorMetrics } from '../coordinator/metrics.js';
import { startServer } from '../coordinator/server.js';
import type { ShardCheckpoint } from '../coordinator/shard-checkpoints.js';
import { startProbeServer } from '../lib/probe-server.js';
import { ensureWritableDirectory } from '../lib/writable-directory.js';
import { loadModelFiles } from '../model/definition.js';
import { coordinatorTokens, type CoordinatorCommandOptions } from './coordinator.js';
import type { Log } from './progress.js';

export async function runFollower(config: RunConfig, opts: CoordinatorCommandOptions & { shard: { index: number; count: number } }, log: Log): Promise<void> {
  const { index, count } = opts.shard;
  ensureWritableDirectory(opts.checkpointDir, '--checkpoint-dir');
  await loadModelFiles(config.model);
  // The task series are the lead's: a follower's would stay at their start values.
  const metrics = new CoordinatorMetrics([]);
  metrics.registry.setDefaultLabels({ shard: String(index) });
  const checkpoints = new CheckpointStore<ShardCheckpoint>({ dir: opts.checkpointDir, keep: config.distributed.keep_checkpoints, warn: log, onSetAside: () => metrics.checkpointsDamaged.inc() });
  const existing = checkpoints.list();
  if (!opts.resume && existing.length > 0) {
    throw new Error(
      `checkpoint directory ${resolve(opts.checkpointDir)} already holds checkpoints of shard ${index} (newest: version ${existing[existing.length - 1].version}); pass --resume to go on from them, or use an empty directory`,
    );
  }
  // Workers present their task's token or the shared one; the lead's shard link the shared one.
  const tokens = opts.tokenFile
    ? coordinatorTokens(
        opts.tokenFile,
        config.tasks.map((t) => t.name),
      )
    : undefined;
  const follower = new Follower(config, { shard: { index, addresses: Array<string>(count).fill('') }, log, metrics, checkpoints, resume: opts.resume });
  const probes = await startProbeServer({ name: 'metrics server', host: opts.metricsHost ?? opts.host, port: opts.metricsPort, registry: metrics.registry, ready: () => follower.ready });
  const server = await startServer(follower, { host: opts.host, port: opts.port, tokens, metrics, log });
  log(`shard ${index}/${count}: listening on ws://${opts.host ?? '0.0.0.0'}:${server.port}, metrics on http://${opts.metricsHost ?? opts.host ?? '0.0.0.0'}:${probes.port}/metrics`);
  opts.onListening?.({ port: server.port, metricsPort: probes.port });
  try {
    await new Promise<void>((resolveDone, reject) => {
      const onSignal = (signal: NodeJS.Signals) => {
        log(`shard ${index}: ${signal}: writing a checkpoint and stopping`);
        follower.stop(true);
        reject(new Error(`stopped by ${signal}`));
      };
      process.once('SIGTERM', onSignal);
      process.once('SIGINT', onSignal);
      const settle = (err?: Error) => {
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
        if (err) reject(err);
        else resolveDone();
      };
      follower.once('over', () => settle());
      follower.once('failed', settle);
    });
  } finally {
    follower.stop(false);
    await Promise.all([server.close(), probes.close()]);
  }
  if (checkpoints.lastSaveError)
    throw new Error(`training ended, but the final checkpoint of shard ${index} could not be written to ${resolve(opts.checkpointDir)} (${checkpoints.lastSaveError.message})`);
}
