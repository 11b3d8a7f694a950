// One connection as the coordinator sees it: the transport's peer, a named state (connected, joined to
// a task, closing), when it was last heard from, and what is arriving on it in parts.
import type { TaskStateAssembler } from '../compression/task-state-stream.js';
import type { VectorAssembler } from '../compression/vector-stream.js';
import { encode, type MessageKind, type Messages } from '../proto/codec.js';
import type { IncomingPush } from './push-receiver.js';
import type { Traffic } from './traffic.js';

/** The transport's side of a connection (coordinator/server.ts makes one per WebSocket). */
export interface Peer {
  /** `sent`, where given, is called once the frame is written out or can no longer be (its buffer may
   *  then be reused). */
  send(frame: Uint8Array, sent?: () => void): void;
  close(code?: number, reason?: string): void;
  /** Set when the connection authenticated with a task's own token: it may train only that task. */
  onlyTask?: string;
  /** Called when the connection joined a task (the transport lifts its limits for new connections). */
  joined?: () => void;
}

export type SessionState =
  | { name: 'connected' }
  | { name: 'joined'; task: string; workerId: string; replica: number }
  /** The coordinator closed it: ws still delivers frames already on their way (a hello right behind a
   *  refused push), and none of them may be served. */
  | { name: 'closing' };

export class Session {
  state: SessionState = { name: 'connected' };
  /** A push whose parts are arriving. */
  push: IncomingPush | null = null;
  /** The base version of a push refused part-way: its remaining parts are dropped without a reply. */
  skipping: number | null = null;
  /** A task state whose parts are arriving. */
  taskState: TaskStateAssembler | null = null;
  /** A task state was refused part-way: its remaining parts are dropped without a reply. */
  skippingTaskState = false;
  /** A replica's gradient for its task's own parameters (hybrid.proto ReplicaGradient): arriving, and
   *  complete, waiting for the push of its round. */
  replicaVector: { assembler: VectorAssembler; baseVersion: number } | null = null;
  replicaVectorIn: { baseVersion: number; values: Float32Array; samples: number } | null = null;

  constructor(
    readonly peer: Peer,
    private readonly traffic: Traffic,
    public lastSeen: number,
  ) {}

  /** The task this connection trains, or null until it joined (and once it is closing). */
  get task(): string | null {
    return this.state.name === 'joined' ? this.state.task : null;
  }

  /** The replica slot it holds in its task (0 for a task of one worker). */
  get replica(): number {
    return this.state.name === 'joined' ? this.state.replica : 0;
  }

  send<K extends MessageKind>(kind: K, body: Messages[K]): void {
    this.sendFrame(kind, encode(kind, body));
  }

  /** An encoded frame (one encoding serves every session it goes to). */
  sendFrame(kind: MessageKind, frame: Uint8Array, sent?: () => void): void {
    this.traffic.messageOut(kind, frame.byteLength);
    this.peer.send(frame, sent);
  }

  close(code: number, reason: string): void {
    this.state = { name: 'closing' };
    this.peer.close(code, reason);
  }
}

const slotKey = (task: string, replica: number) => `${task}#${replica}`;

/** Every connection, and the one joined to each task's replica slot (slot 0 for a task of one worker). */
export class Sessions {
  private readonly all = new Set<Session>();
  private readonly ofPeer = new WeakMap<Peer, Session>();
  private readonly bySlot = new Map<string, Session>();

  constructor(
    private readonly traffic: Traffic,
    private readonly now: () => number,
  ) {}

  attach(peer: Peer): Session {
    const session = new Session(peer, this.traffic, this.now());
    this.all.add(session);
    this.ofPeer.set(peer, session);
    return session;
  }

  /** The live session of `peer` (undefined once detached). */
  of(peer: Peer): Session | undefined {
    const session = this.ofPeer.get(peer);
    return session && this.all.has(session) ? session : undefined;
  }

  /** Forgets the session; returns the task it held, if it still did. */
  detach(session: Session): string | null {
    this.all.delete(session);
    session.taskState = null;
    const task = session.task;
    if (task !== null && this.release(session)) return task;
    return null;
  }

  /** The session joined to slot `replica` of `task`. */
  holding(task: string, replica = 0): Session | undefined {
    return this.bySlot.get(slotKey(task, replica));
  }

  join(session: Session, task: string, workerId: string, replica = 0): void {
    session.state = { name: 'joined', task, workerId, replica };
    this.bySlot.set(slotKey(task, replica), session);
    session.peer.joined?.();
  }

  /** Stops `session` holding its slot (it was replaced, or it left); returns whether it held one. The
   *  caller closes it. */
  release(session: Session): boolean {
    const task = session.task;
    const key = task === null ? '' : slotKey(task, session.replica);
    if (task === null || this.bySlot.get(key) !== session) return false;
    this.bySlot.delete(key);
    return true;
  }

  /** The joined sessions not heard from for longer than `lapseMs`. */
  lapsed(now: number, lapseMs: number): Session[] {
    return [...this.bySlot.values()].filter((s) => now - s.lastSeen > lapseMs);
  }

  /** The sessions joined to a task. */
  get joined(): IterableIterator<Session> {
    return this.bySlot.values();
  }

  /** The sessions joined to `task`, any slot. */
  ofTask(task: string): Session[] {
    return [...this.bySlot.values()].filter((s) => s.task === task);
  }

  get joinedCount(): number {
    return this.bySlot.size;
  }

  /** Every open session. */
  get open(): ReadonlySet<Session> {
    return this.all;
  }
}
