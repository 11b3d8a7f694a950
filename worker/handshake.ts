// What follows a welcome when it did not fit in it: W as a full update of the welcome's version and the
// task's last state, each in parts. The handshake collects them and settles once both are in, or with
// null when the connection closed first. A task state, in the welcome or in parts, is checked against
// the model's layout as it arrives; one that breaks it is a WireError. The hello that opens each
// connection is made here too.
import { ENCODING_IDS } from '../compression/encodings/index.js';
import { TaskStateAssembler, type TaskStateLayout } from '../compression/task-state-stream.js';
import type { DecodedTensor } from '../compression/stream-reader.js';
import { ErrorCode, PROTOCOL_VERSION, WireError, type Hello, type ParamUpdate, type TaskStateMessage, type TensorMessage, type Welcome } from '../proto/codec.js';

export interface Joined {
  /** W at the welcome's version: decoded from the parts that followed, or from the welcome itself. */
  shared: DecodedTensor[] | null;
  /** The task's last state, when the coordinator holds one. */
  state: TaskStateMessage | null;
  /** The welcome's own W (when it fitted in the welcome). */
  inline: readonly TensorMessage[];
}

export class Handshake {
  readonly version: number;
  /** Resolves once everything that follows the welcome is in; null when the connection closed first. */
  readonly joined: Promise<Joined | null>;
  private resolve!: (joined: Joined | null) => void;
  private shared: DecodedTensor[] | null = null;
  private state: TaskStateMessage | null;
  private readonly needShared: boolean;
  private readonly needState: boolean;
  private readonly stateParts: TaskStateAssembler;

  constructor(
    private readonly welcome: Welcome,
    layout: TaskStateLayout,
  ) {
    this.version = welcome.version ?? 0;
    this.needShared = welcome.sharedFollows ?? false;
    this.needState = welcome.taskStateFollows ?? false;
    if (this.needShared && (welcome.shared?.length ?? 0) > 0) throw new WireError(ErrorCode.MALFORMED, 'a welcome with W both in it and following it');
    if (this.needState && welcome.taskState) throw new WireError(ErrorCode.MALFORMED, 'a welcome with a task state both in it and following it');
    this.state = welcome.taskState ? new TaskStateAssembler('the task state in the welcome', layout).accept(welcome.taskState) : null;
    if (welcome.taskState && !this.state) throw new WireError(ErrorCode.MALFORMED, 'the task state in the welcome is only the first of several parts');
    this.stateParts = new TaskStateAssembler('the task state that followed the welcome', layout);
    this.joined = new Promise((resolve) => (this.resolve = resolve));
    this.check();
  }

  /** Takes a complete update if it is the W this welcome announced; returns whether it did. */
  takeUpdate(update: ParamUpdate, tensors: DecodedTensor[]): boolean {
    if (!this.needShared || this.shared || update.delta || update.version !== this.version) return false;
    this.shared = tensors;
    this.check();
    return true;
  }

  /** Whether task-state parts are expected (only right after a welcome that announced them). */
  get wantsState(): boolean {
    return this.needState && this.state === null;
  }

  /** Takes a part of the announced task state. Throws WireError when it is broken. */
  takeState(part: TaskStateMessage): void {
    const whole = this.stateParts.accept(part);
    if (whole === null) return;
    this.state = whole;
    this.check();
  }

  /** The connection closed before everything arrived. */
  cancel(): void {
    this.resolve(null);
  }

  private check(): void {
    if ((!this.needShared || this.shared) && (!this.needState || this.state)) {
      this.resolve({ shared: this.shared, state: this.state, inline: this.welcome.shared ?? [] });
    }
  }
}

/** The hello a worker opens each connection with: every encoding it decodes, and parts (messages cut
 *  into chunks), and its replica claim if any; the fingerprint is empty until a welcome told it the model. */
export function helloMessage(task: string, modelFingerprint: string, workerId: string, replica?: ReplicaClaim): Hello {
  return { protocolVersion: PROTOCOL_VERSION, task, modelFingerprint, workerId, encodings: Object.values(ENCODING_IDS), parts: true, replica: replica?.index ?? 0, replicas: replica?.count ?? 0 };
}

/** A replica slot a worker claims (hybrid worker --replica I/N). */
export interface ReplicaClaim {
  index: number;
  count: number;
}
