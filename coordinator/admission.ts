// Who may train which task. A hello is checked (protocol version, task, the token's scope, the model,
// the encodings and parts the worker takes, whether training is still on, whether the task has a live
// worker); an admitted worker is joined to its task and welcomed with the run config, W and its task's
// last reported state. Every refusal is a WireError whose code coordinator/refusals.ts describes.
import { lapseMs } from '../config/settings.js';
import { ENCODING_IDS } from '../compression/encodings/index.js';
import { taskStateParts } from '../compression/task-state-stream.js';
import { Encoding, ErrorCode, PROTOCOL_VERSION, WireError, type Hello } from '../proto/codec.js';
import type { Downlink } from './downlink.js';
import type { RoundDriver } from './round-driver.js';
import type { RunContext } from './run-context.js';
import type { Replicas } from './replicas.js';
import type { RunRecorder } from './run-recorder.js';
import type { Session, Sessions } from './session.js';
import type { TaskStates } from './task-states.js';

export interface AdmissionDeps {
  run: RunContext;
  sessions: Sessions;
  downlink: Downlink;
  taskStates: TaskStates;
  /** The version of W, and the rounds that count on a task once its worker joined. */
  rounds: RoundDriver;
  /** Whether the run has finished (nothing more is taken). */
  recorder: RunRecorder;
  replicas: Replicas;
}

/** Refuses a worker that cannot send or apply this run's encodings, or take its messages in parts. */
function negotiate(run: RunContext, hello: Hello): void {
  const { uplink, downlink } = run.config.distributed;
  const offered = new Set<number>([Encoding.ENCODING_F32, ...(hello.encodings ?? [])]);
  for (const [direction, name] of [
    ['uplink', uplink.encoding],
    ['downlink', downlink.encoding],
  ] as const) {
    if (!offered.has(ENCODING_IDS[name])) {
      throw new WireError(
        ErrorCode.ENCODING,
        `this run's ${direction} encoding is ${name.toUpperCase()}, which the worker does not offer (it offers ${[...offered].map((e) => Encoding[e] ?? e).join(', ')})`,
      );
    }
  }
  if (run.needsParts && !hello.parts) {
    throw new WireError(ErrorCode.ENCODING, `this run's tensors travel in parts (chunk size ${run.chunkBytes} bytes), which the worker does not take`);
  }
}

/** The task `hello` may train on `session`; throws the refusal otherwise. */
function check(deps: AdmissionDeps, session: Session, hello: Hello): string {
  const { run } = deps;
  if (session.state.name !== 'connected') throw new WireError(ErrorCode.MALFORMED, 'a second hello on one connection');
  if (hello.protocolVersion !== PROTOCOL_VERSION) {
    throw new WireError(
      ErrorCode.PROTOCOL_VERSION,
      `protocol version ${hello.protocolVersion ?? 0} is not supported; this coordinator speaks version ${PROTOCOL_VERSION} (run the same hybrid release on the workers as on the coordinator)`,
    );
  }
  const task = hello.task ?? '';
  // The id tells a worker's reconnect from another worker; an empty one would match any other empty one.
  if (!(hello.workerId ?? '').trim())
    throw new WireError(ErrorCode.MALFORMED, 'the hello has no worker_id; a worker names itself with an id of its own (hybrid worker sends a random UUID per process)');
  if (!run.tasks.includes(task)) throw new WireError(ErrorCode.UNKNOWN_TASK, `no task "${task}" in this run; tasks: ${run.tasks.join(', ')}`);
  if (session.peer.onlyTask !== undefined && session.peer.onlyTask !== task) {
    throw new WireError(ErrorCode.UNAUTHORIZED, `this connection's token is for task "${session.peer.onlyTask}", not "${task}"`);
  }
  if (hello.modelFingerprint && hello.modelFingerprint !== run.fingerprint) {
    throw new WireError(
      ErrorCode.FINGERPRINT,
      `the worker holds model ${hello.modelFingerprint}, the coordinator has model ${run.fingerprint} (${run.spec.name}, input [${run.spec.inputShape.join(', ')}])`,
    );
  }
  negotiate(run, hello);
  if (deps.recorder.phase === 'finished') throw new WireError(ErrorCode.TRAINING_OVER, 'training is over');
  return task;
}

/** The replica slot `hello` claims in `task` (its lowest free one when it claims none); throws the refusal
 *  of a claim the run cannot take. */
function slotOf(deps: AdmissionDeps, task: string, hello: Hello): number {
  const index = hello.replica ?? 0;
  const count = hello.replicas ?? 0;
  if (count > 0 && index >= count) throw new WireError(ErrorCode.REPLICA, `replica ${index} of ${count} is outside its count: --replica I/N takes I from 0 to N-1`);
  if (!deps.replicas.isReplicated(task)) {
    if (count > 1)
      throw new WireError(
        ErrorCode.REPLICA,
        `task "${task}" trains on one worker (its run config has replicas 1); give it "replicas": ${count} in the run config to train it on ${count} replicas`,
      );
    return 0;
  }
  if (count > 0) return index;
  let free = 0;
  while (deps.sessions.holding(task, free)) free++;
  return free;
}

/** Checks `hello` and joins its worker to its task, then welcomes it. A task's worker is replaced only
 *  once it is gone: its connection closed or closing, or its heartbeat lapsed. The same worker_id proves
 *  nothing on its own (ids are not secret), so a reconnect also waits for the earlier connection to go. */
export function admit(deps: AdmissionDeps, session: Session, hello: Hello): void {
  const { run, sessions } = deps;
  const task = check(deps, session, hello);
  const replica = slotOf(deps, task, hello);
  const workerId = hello.workerId ?? '';
  const existing = sessions.holding(task, replica);
  const who = deps.replicas.isReplicated(task) ? `replica ${replica} of task "${task}"` : `task "${task}"`;
  if (existing) {
    const lapse = lapseMs(run.config.distributed);
    if (existing.state.name === 'joined' && run.now() - existing.lastSeen < lapse) {
      const same = existing.state.workerId === workerId ? ' (an earlier connection of this same worker is still open)' : '';
      throw new WireError(ErrorCode.TASK_TAKEN, `${who} has a live worker${same}; try again once its heartbeat has lapsed (${lapse / 1000} s)`);
    }
    run.log(`coordinator: ${who}: the previous worker is gone or its heartbeat lapsed; replacing it`);
    // Gone from the task's round at once, as if it had closed.
    deps.rounds.leave(existing, task);
    sessions.release(existing);
    existing.close(1000, 'replaced');
  }
  sessions.join(session, task, workerId, replica);
  deps.rounds.join(task);
  welcome(deps, session, task, replica);
  deps.replicas.joined(session, task, deps.rounds.version);
}

/** A sharded run's welcome names every shard and the cut (docs/shards.md). */
function shardFields(run: RunContext): { shardAddresses?: string[]; shardBounds?: number[] } {
  const { plan, addresses } = run.shard;
  return plan.shards > 1 ? { shardAddresses: [...addresses], shardBounds: plan.bounds } : {};
}

/** The welcome: the run config, W and the task's state ride in it when they fit one frame, else follow it in parts. */
function welcome(deps: AdmissionDeps, session: Session, task: string, replica: number): void {
  const { run } = deps;
  const version = deps.rounds.version;
  // A replica takes the task's state when it becomes a member (coordinator/replicas.ts), not before.
  const record = deps.replicas.isReplicated(task) ? undefined : deps.taskStates.get(task);
  run.log(
    `coordinator: task ${task}${deps.replicas.isReplicated(task) ? ` replica ${replica}` : ''} joined at version ${version}${record ? ` (its state from step ${record.state.step} sent along)` : ''}`,
  );
  const sharedParts = deps.downlink.fullParts();
  const stateParts = record ? taskStateParts(record.state, run.chunkBytes) : [];
  const sharedFollows = sharedParts.length > 1;
  const taskStateFollows = stateParts.length > 1;
  session.send('welcome', {
    protocolVersion: PROTOCOL_VERSION,
    modelFingerprint: run.fingerprint,
    configJson: JSON.stringify(run.config),
    version,
    shared: sharedFollows ? [] : sharedParts[0],
    taskState: record && !taskStateFollows ? record.state : null,
    sharedFollows,
    taskStateFollows,
    replica,
    ...shardFields(run),
  });
  if (taskStateFollows) for (const part of stateParts) session.send('taskState', part);
  if (sharedFollows) deps.downlink.send([session], { version, done: false }, sharedParts);
  if (version >= run.totalRounds) session.send('update', { version, shared: [], done: true });
}
