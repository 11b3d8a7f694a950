// A bench:comm --shards client's session with K coordinator shards (docs/shards.md), as a real worker
// holds it (worker/shard-connections.ts, worker/joined-run.ts): Hello to the lead, whose Welcome names
// the followers and the cut; the same Hello to every follower; each shard's Welcome (its slices, in parts
// when they follow) and round updates taken per shard; and once every shard's update of version v is in,
// a push of base v to each shard of its own slices (bench/push-frames.ts shardPieces, written from
// templates by bench/push-writer.ts). With K = 1 the lead's Welcome names no followers and this is the
// one-coordinator session. It trains nothing: the round time measured is the protocol's and the shards'.
import type WebSocket from 'ws';
import { decode, type ParamUpdate, type Welcome } from '../proto/codec.js';
import { closeSocket, messageData, openSocket, type StopSession } from './client-socket.js';
import { negotiated, sameSettings } from './coordinator-session.js';
import { PushWriter, type PushTemplates } from './push-writer.js';
import type { ClientReport, MaskMode, Negotiated } from './round-client-messages.js';

export interface ShardSessionOptions {
  /** The lead's address. */
  url: string;
  mask: MaskMode;
  task: string;
  /** The encoded Hello envelope, sent to every shard. */
  hello: Uint8Array;
  /** push[i]: the push to shard i (its slices); K = push.length. */
  push: PushTemplates[];
  expect: Negotiated;
  /** The cut the lead's welcome must name (shard_bounds); ignored for K = 1. */
  bounds: readonly number[];
  /** Called once, on the first thing that breaks the session; every socket is then dropped. */
  fail: (message: string) => void;
  /** Every shard's update of `version` is in and the pushes on it are sent. */
  onRound: (version: number) => void;
}

/** One shard's connection: the update being received, the last version complete, its push frames. */
interface Link {
  socket: WebSocket;
  writer: PushWriter;
  /** The update in parts being received; `follows` when it is the W the Welcome said follows. */
  incoming: { version: number; next: number; bytes: number; follows: boolean } | null;
  /** The newest version whose update (or welcome) is complete here; -1 before the first. */
  version: number;
  /** Bytes of that update, all parts. */
  downBytes: number;
}

export function startShardSession(o: ShardSessionOptions): StopSession {
  const K = o.push.length;
  const report: ClientReport = { upBytes: 0, downBytes: 0, sent: 0 };
  const links: Link[] = [];
  let stopping = false;
  let failed = false;
  /** The version pushed on last. */
  let pushed = -1;

  const refuse = (message: string): void => {
    if (!failed) {
      failed = true;
      o.fail(message);
    }
    for (const l of links) l?.socket.terminate();
  };

  /** Pushes to every shard once each has its update of one version, newer than the last pushed on. */
  const maybePush = (): void => {
    // A sparse array until every follower is opened: `some` would skip the holes.
    for (let shard = 0; shard < K; shard++) if (links[shard] === undefined) return;
    const version = links[0].version;
    if (version <= pushed || links.some((l) => l.version !== version)) return;
    pushed = version;
    let up = 0;
    for (const link of links) {
      for (const frame of link.writer.frames(version)) {
        link.socket.send(frame);
        up += frame.byteLength;
      }
    }
    report.upBytes = up;
    report.downBytes = links.reduce((a, l) => a + l.downBytes, 0);
    report.sent++;
    o.onRound(version);
  };

  const complete = (link: Link, version: number, bytes: number): void => {
    link.version = version;
    link.downBytes = bytes;
    maybePush();
  };

  /** The lead's welcome must name the cut the templates were made for; it opens the followers. */
  const leadWelcome = (welcome: Welcome): string | null => {
    const got = negotiated(welcome);
    if (!sameSettings(got, o.expect)) return `the welcome negotiated ${JSON.stringify(got)}, the benchmark row is ${JSON.stringify(o.expect)}`;
    const addresses = welcome.shardAddresses ?? [];
    const bounds = (welcome.shardBounds ?? []).map(Number);
    if (K === 1) return addresses.length <= 1 ? null : `the lead's welcome names ${addresses.length} shards; the benchmark runs one coordinator`;
    if (addresses.length !== K || bounds.join(',') !== o.bounds.join(',')) {
      return `the lead's welcome names ${addresses.length} shards cut at [${bounds.join(', ')}]; the benchmark's pushes are for ${K} cut at [${o.bounds.join(', ')}]`;
    }
    for (let shard = 1; shard < K; shard++) open(shard, addresses[shard]);
    return null;
  };

  /** What is wrong with shard `shard`'s welcome, or null once it is taken. */
  const onWelcome = (shard: number, link: Link, welcome: Welcome, bytes: number): string | null => {
    if (link.version >= 0 || link.incoming) return `shard ${shard} welcomed this client a second time`;
    if (shard === 0) {
      const problem = leadWelcome(welcome);
      if (problem !== null) return problem;
    }
    const version = welcome.version ?? 0;
    // The slices come next as a full ParamUpdate in parts: they count once complete.
    if (welcome.sharedFollows) link.incoming = { version, next: 0, bytes: 0, follows: true };
    else complete(link, version, bytes);
    return null;
  };

  /** What is wrong with shard `shard`'s update part, or null once it is taken. */
  const onUpdate = (shard: number, link: Link, update: ParamUpdate, bytes: number): string | null => {
    const version = update.version ?? 0;
    const part = update.part ?? 0;
    const parts = Math.max(1, update.parts ?? 0);
    let incoming = link.incoming;
    if (part === 0) {
      if (incoming && !incoming.follows) return `shard ${shard}'s update to version ${incoming.version} was left at part ${incoming.next} for another`;
      if (incoming && incoming.version !== version) return `shard ${shard}'s welcome of version ${incoming.version} was followed by an update to version ${version}`;
      incoming = link.incoming = { version, next: 0, bytes: 0, follows: false };
    }
    if (!incoming || part !== incoming.next || version !== incoming.version) return `shard ${shard}'s update part ${part} of ${parts} (version ${version}) arrived out of order`;
    incoming.next++;
    incoming.bytes += bytes;
    if (part + 1 < parts) return null;
    link.incoming = null;
    complete(link, version, incoming.bytes);
    return null;
  };

  function open(shard: number, url: string): void {
    const socket = openSocket(url, o.mask);
    const link: Link = { socket, writer: new PushWriter(o.push[shard], o.task), incoming: null, version: -1, downBytes: 0 };
    links[shard] = link;
    const name = shard === 0 ? 'the lead' : `shard ${shard} (${url})`;
    socket.on('open', () => socket.send(o.hello));
    socket.on('message', (data: WebSocket.RawData) => {
      if (stopping || failed) return;
      let problem: string | null = null;
      try {
        const frame = messageData(data);
        const m = decode(frame);
        if (m.kind === 'welcome') problem = onWelcome(shard, link, m.body, frame.length);
        else if (m.kind === 'update') problem = onUpdate(shard, link, m.body, frame.length);
        else if (m.kind === 'error') problem = `${name} refused it: ${m.body.message ?? ''}`;
        else if (m.kind === 'bye') problem = `${name} said bye: ${m.body.reason ?? ''}`;
        // Heartbeats and the rest ask nothing of a worker that only pushes.
      } catch (err) {
        problem = (err as Error).message;
      }
      if (problem !== null) refuse(problem);
    });
    socket.on('error', (err) => {
      if (!stopping) refuse(`${name}: ${err.message}`);
    });
    socket.on('close', () => {
      if (!stopping) refuse(`${name} closed the connection`);
    });
  }

  open(0, o.url);
  return async () => {
    stopping = true;
    await Promise.all(links.filter((l) => l !== undefined).map((l) => closeSocket(l.socket, report)));
    return report;
  };
}
