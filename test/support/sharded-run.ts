// A run over K coordinator shards in this process (docs/shards.md): the followers and the lead behind
// their own WebSocket servers on loopback, the lead's shard links to the followers, and one worker per
// task. Resolves once every worker is done and the lead has written its result.
import { Coordinator } from '../../coordinator/coordinator.js';
import { Follower } from '../../coordinator/follower.js';
import { startServer } from '../../coordinator/server.js';
import { runContext } from '../../coordinator/run-context.js';
import { ShardLinks } from '../../coordinator/shard-links.js';
import type { RunConfig } from '../../config/schema.js';
import type { RunResult } from '../../model/run-output.js';
import { Worker, type WorkerOutcome } from '../../worker/worker.js';

export interface ShardedRun {
  result: RunResult | null;
  outcomes: WorkerOutcome[];
  /** W as the shards hold it, put together in full. */
  shared: Float32Array[];
  /** The mirror the workers should hold, put together from every shard's, and what each worker holds. */
  mirrors: Float32Array[];
  workerCopies: (readonly Float32Array[])[];
}

const quiet = (): void => undefined;

export async function runSharded(config: RunConfig, shards: number, outDir?: string, log: (line: string) => void = quiet): Promise<ShardedRun> {
  const followers = Array.from({ length: shards - 1 }, (_, i) => new Follower(config, { shard: { index: i + 1, addresses: Array<string>(shards).fill('') }, log }));
  const followerServers = await Promise.all(followers.map((f) => startServer(f, { host: '127.0.0.1', port: 0, log })));
  // The lead's own address is known once it listens; the followers' are known now.
  const addresses = ['', ...followerServers.map((s) => `ws://127.0.0.1:${s.port}`)];
  const links = shards > 1 ? new ShardLinks(runContext(config, { log, shard: { index: 0, addresses } })) : null;
  const coordinator = new Coordinator(config, { log, outDir, shards: links ? { addresses, links } : undefined });
  const server = await startServer(coordinator, { host: '127.0.0.1', port: 0, log });
  addresses[0] = `ws://127.0.0.1:${server.port}`;
  links?.start();
  const done = new Promise<RunResult | null>((resolve) => coordinator.once('done', resolve));
  const workers = config.tasks.map((t) => new Worker({ url: addresses[0], task: t.name, log }));
  const outcomes = await Promise.all(workers.map((w) => w.run()));
  const result = await done;
  const assemble = (own: readonly Float32Array[], rest: (readonly Float32Array[])[]): Float32Array[] => {
    const full = coordinator.spec.shared.map((t) => new Float32Array(t.size));
    const plan = runContext(config, { log, shard: { index: 0, addresses } }).shard.plan;
    [own, ...rest].forEach((values, shard) => plan.slices[shard].forEach(({ tensor, offset }, i) => full[tensor].set(values[i], offset)));
    return full;
  };
  const shared = assemble(
    coordinator.sharedTensors,
    followers.map((f) => f.sharedTensors),
  );
  const mirrors = assemble(
    coordinator.mirrorTensors,
    followers.map((f) => f.mirrorTensors),
  );
  const workerCopies = workers.map((w) => w.sharedCopy?.tensors ?? []);
  coordinator.stop(false);
  links?.stop();
  for (const f of followers) f.stop(false);
  await Promise.all([server.close(), ...followerServers.map((s) => s.close())]);
  return { result, outcomes, shared, mirrors, workerCopies };
}
