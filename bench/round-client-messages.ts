// What bench:comm's main thread (bench/round-clients.ts) and its client threads
// (bench/round-client-thread.ts) say to each other: the thread's start data, the commands it takes, what
// it reports back. Both sides come from one build, so a message is trusted to have these shapes.
import type { EncodingName } from '../compression/encodings/index.js';
import type { PushTemplates } from './push-writer.js';

export type MaskMode = 'random' | 'zero';

/** What one client session reports when it stops. */
export interface ClientReport {
  /** Bytes of the last complete message (all parts; WebSocket payloads), or TCP burst, sent and received. */
  upBytes: number;
  downBytes: number;
  /** Messages (or bursts) sent. */
  sent: number;
}

/** What the coordinator's Welcome (its config_json) must say, else the client fails the run: a benchmark
 *  of other encodings or another chunk size than the row says would be a wrong number, not a slow one. */
export interface Negotiated {
  uplink: EncodingName;
  downlink: EncodingName;
  chunkBytes: number;
}

/** A client thread's workerData. */
export interface ClientThreadData {
  /** The task this client trains (the same byte length for every client of a pool). */
  task: string;
  /** The encoded Hello envelope (bench/push-frames.ts helloFrame). */
  hello: Uint8Array;
}

/** Main thread -> client thread: start one session, or stop the one running and report. */
export type ClientCommand =
  | { cmd: 'ws'; url: string; mask: MaskMode; push: PushTemplates; expect: Negotiated }
  /** The sharded protocol (docs/shards.md): hello to the lead at `url`, then to every follower its
   *  welcome names; `push[i]` is shard i's push, `bounds` the cut the welcome must name (K = 1: none). */
  | { cmd: 'shards'; url: string; mask: MaskMode; push: PushTemplates[]; expect: Negotiated; bounds: number[] }
  | { cmd: 'ws-raw'; url: string; mask: MaskMode; up: readonly number[]; down: readonly number[] }
  | { cmd: 'tcp'; port: number; up: number; down: number }
  | { cmd: 'stop' };

/** Client thread -> main thread. */
export type ClientEvent =
  | { type: 'stopped'; report: ClientReport }
  | { type: 'error'; message: string }
  /** A 'shards' session has every shard's update of `version` and pushed on it. */
  | { type: 'round'; version: number };
