// The client side of bench:comm and bench:round: T synthetic workers, each in its own worker_thread
// (bench/round-client-thread.ts) so that their work does not run on the coordinator's event loop. A
// client either speaks the hybrid protocol over `ws` as a real worker does (bench/coordinator-session.ts,
// bench/shard-session.ts with K coordinator shards) or plays the same byte pattern over raw TCP or as
// plain ws messages (bench/yardstick-sessions.ts).
//
// Node runs no .ts file in a worker thread, so the thread always comes from the build output (npm run
// build): beside this module when it is compiled itself, else, when vitest or vite-node import it from
// source, from dist/bench/ of the repository.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { PushTemplates } from './push-writer.js';
import type { ClientCommand, ClientEvent, ClientReport, ClientThreadData, MaskMode, Negotiated } from './round-client-messages.js';

export type { PushTemplates } from './push-writer.js';
export type { ClientReport, MaskMode, Negotiated } from './round-client-messages.js';

export interface ClientSetup {
  /** The task this client trains. */
  task: string;
  /** The encoded Hello envelope (bench/push-frames.ts helloFrame). */
  hello: Uint8Array;
}

/** Where the compiled client thread is for the module at `moduleUrl` (this one's, unless a test asks). */
export function clientThreadUrl(moduleUrl: string = import.meta.url): URL {
  const compiled = new URL(moduleUrl).pathname.endsWith('.js');
  return new URL(compiled ? './round-client-thread.js' : '../dist/bench/round-client-thread.js', moduleUrl);
}

/** T client threads; each runs one session (ws, ws-raw or tcp) at a time. */
export class ClientPool {
  private readonly threads: Worker[];
  private failure: Error | null = null;
  /** Per version, how many clients of a 'shards' session have pushed on it. */
  private readonly rounds = new Map<number, number>();
  private readonly roundListeners = new Set<(version: number) => void>();
  private readonly failureListeners = new Set<(err: Error) => void>();

  constructor(setups: readonly ClientSetup[]) {
    const file = clientThreadUrl();
    if (!existsSync(file)) throw new Error(`bench: the client thread ${fileURLToPath(file)} is not built; run \`npm run build\` first`);
    this.threads = setups.map((s) => {
      const workerData: ClientThreadData = { task: s.task, hello: s.hello };
      const worker = new Worker(file, { workerData });
      worker.on('message', (m: ClientEvent) => {
        if (m.type === 'error') this.fail(new Error(`bench: ${m.message}`));
        if (m.type === 'round') this.roundSeen(m.version);
      });
      worker.on('error', (err) => this.fail(new Error(`bench: client thread for ${s.task} crashed: ${err.message}`)));
      return worker;
    });
  }

  get size(): number {
    return this.threads.length;
  }

  private fail(err: Error): void {
    if (!this.failure) this.failure = err;
    for (const l of this.failureListeners) l(err);
  }

  private command(command: ClientCommand): void {
    for (const t of this.threads) t.postMessage(command);
  }

  /** Calls `listener` on the first client failure (at once if one happened already); returns an unsubscribe. */
  onFailure(listener: (err: Error) => void): () => void {
    if (this.failure) listener(this.failure);
    this.failureListeners.add(listener);
    return () => this.failureListeners.delete(listener);
  }

  /** Every client connects to the coordinator at `url` and pushes `push` on every complete Welcome /
   *  ParamUpdate; a Welcome whose run config does not set `expect` fails the run. */
  startWs(url: string, mask: MaskMode, push: PushTemplates, expect: Negotiated): void {
    this.command({ cmd: 'ws', url, mask, push, expect });
  }

  /** Every client joins the K coordinator shards through the lead at `url` (bench/shard-session.ts),
   *  pushing `push[i]` to shard i once every shard's update is in; a welcome that does not name the cut
   *  `bounds` (none for K = 1) or set `expect` fails the run. */
  startShards(url: string, mask: MaskMode, push: PushTemplates[], expect: Negotiated, bounds: readonly number[]): void {
    this.rounds.clear();
    this.command({ cmd: 'shards', url, mask, push, expect, bounds: [...bounds] });
  }

  /** Calls `listener` each time every client of a 'shards' session has pushed on a version (has all of
   *  its updates); returns an unsubscribe. */
  onRound(listener: (version: number) => void): () => void {
    this.roundListeners.add(listener);
    return () => this.roundListeners.delete(listener);
  }

  private roundSeen(version: number): void {
    const n = (this.rounds.get(version) ?? 0) + 1;
    if (n < this.threads.length) return void this.rounds.set(version, n);
    this.rounds.delete(version);
    for (const v of this.rounds.keys()) if (v < version) this.rounds.delete(v);
    for (const l of this.roundListeners) l(version);
  }

  /** Every client connects to the ws yardstick at `url`, sends messages of `up` sizes, and again each
   *  time messages of `down` sizes arrived. */
  startWsRaw(url: string, mask: MaskMode, up: readonly number[], down: readonly number[]): void {
    this.command({ cmd: 'ws-raw', url, mask, up, down });
  }

  /** Every client connects to 127.0.0.1:`port`, sends `up` bytes, and again each time `down` bytes arrived. */
  startTcp(port: number, up: number, down: number): void {
    this.command({ cmd: 'tcp', port, up, down });
  }

  /** Ends every client's session; resolves with their reports. */
  stopSessions(): Promise<ClientReport[]> {
    return Promise.all(
      this.threads.map(
        (t) =>
          new Promise<ClientReport>((resolve) => {
            const onMessage = (m: ClientEvent): void => {
              if (m.type !== 'stopped') return;
              t.off('message', onMessage);
              resolve(m.report);
            };
            t.on('message', onMessage);
            const stop: ClientCommand = { cmd: 'stop' };
            t.postMessage(stop);
          }),
      ),
    );
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.terminate()));
  }
}
