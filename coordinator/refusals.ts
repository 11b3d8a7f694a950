// Every refusal the coordinator answers with, in one table: for each error code, the label its counter
// carries, whether it counts as a refused push (hybrid_pushes_rejected_total), a refused task state
// (hybrid_task_states_rejected_total, labelled by the finer reason coordinator/task-state-checks.ts
// gives) or a refused connection or frame (hybrid_connections_rejected_total), and whether the
// connection is closed after the reply. Before its hello, a connection is closed on any refusal.
import { ErrorCode, type WireError } from '../proto/codec.js';
import type { RunContext } from './run-context.js';
import type { Session } from './session.js';
import { TaskStateRefusal } from './task-state-checks.js';

export interface Refusal {
  /** The `reason` label of the counter. */
  label: string;
  scope: 'push' | 'taskState' | 'connection';
  /** Close the connection (1008) after the reply: nothing the peer sends next on it can be served. */
  fatal: boolean;
  /** Answer with the current W after the reply, so that the worker goes on from it (a push the round
   *  policy turned away: its worker is behind or ahead). */
  resend: boolean;
}

const push = (label: string): Refusal => ({ label, scope: 'push', fatal: false, resend: false });
const offPace = (label: string): Refusal => ({ label, scope: 'push', fatal: false, resend: true });
const frame = (label: string): Refusal => ({ label, scope: 'connection', fatal: false, resend: false });
const connection = (label: string): Refusal => ({ label, scope: 'connection', fatal: true, resend: false });

export const REFUSALS: Readonly<Record<ErrorCode, Refusal>> = {
  [ErrorCode.UNSPECIFIED]: frame('internal'),
  [ErrorCode.MALFORMED]: frame('malformed'),
  [ErrorCode.UNKNOWN_TYPE]: frame('unknown_type'),
  [ErrorCode.PROTOCOL_VERSION]: connection('protocol_version'),
  [ErrorCode.FINGERPRINT]: connection('fingerprint'),
  [ErrorCode.SHAPE]: push('shape'),
  [ErrorCode.NON_FINITE]: push('non_finite'),
  [ErrorCode.OVERSIZED]: connection('oversized'),
  [ErrorCode.UNAUTHORIZED]: connection('unauthorized'),
  [ErrorCode.TASK_TAKEN]: connection('task_taken'),
  [ErrorCode.UNKNOWN_TASK]: connection('unknown_task'),
  [ErrorCode.STALE]: offPace('stale'),
  [ErrorCode.NOT_JOINED]: connection('not_joined'),
  // Protocol version 1's answer to duplicate and future pushes; version 2 sends DUPLICATE and FUTURE.
  [ErrorCode.ROUND_CLOSED]: offPace('round_closed'),
  [ErrorCode.ENCODING]: connection('encoding'),
  [ErrorCode.DUPLICATE]: offPace('duplicate'),
  [ErrorCode.FUTURE]: offPace('future'),
  [ErrorCode.TRAINING_OVER]: frame('training_over'),
  [ErrorCode.BAD_TASK_STATE]: { label: 'task_state', scope: 'taskState', fatal: false, resend: false },
  [ErrorCode.REPLICA]: connection('replica'),
  [ErrorCode.NOT_MEMBER]: push('not_member'),
};

/** The labels pushes are refused under: their series exist from the start, at 0. */
export const PUSH_REFUSAL_LABELS: readonly string[] = Object.values(REFUSALS)
  .filter((r) => r.scope === 'push')
  .map((r) => r.label);

/** The row of `code`; an unknown code is refused as an internal error. */
export function refusalOf(code: ErrorCode): Refusal {
  return REFUSALS[code] ?? REFUSALS[ErrorCode.UNSPECIFIED];
}

/** Answers bad input on `session` with an error reply, counts it (under `label`, else the refusal's
 *  finer reason or its code's label), logs it at a bounded rate, sends W again where the row says so
 *  (`resend`), and closes the connection where the refusal is fatal or the connection has not joined (a
 *  hello is all a new connection may send). */
export function answerRefusal(run: RunContext, session: Session, err: WireError, label: string | undefined, resend: () => void): void {
  const rule = refusalOf(err.code);
  const reason = label ?? (err instanceof TaskStateRefusal ? err.reason : rule.label);
  const m = run.metrics;
  (rule.scope === 'push' ? m?.pushesRejected : rule.scope === 'taskState' ? m?.taskStatesRejected : m?.connectionsRejected)?.inc({ reason });
  const who = session.task ? `task ${session.task}` : 'a connection';
  run.peerLog.line(`${rule.scope} ${reason}`, `coordinator: refused ${who}${rule.scope === 'taskState' ? "'s task state" : ''}: ${reason}: ${err.message}`);
  session.send('error', { code: err.code, message: err.message });
  if (rule.resend) resend();
  if (rule.fatal || session.task === null) session.close(1008, reason);
}
