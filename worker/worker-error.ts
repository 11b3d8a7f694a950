// Why a worker stopped, as the one line `hybrid worker` prints: refusals no retry can fix, and anything
// the coordinator sent that breaks the protocol or the run's model.
import { ErrorCode, WireError, type ErrorMessage } from '../proto/codec.js';

export class WorkerError extends Error {
  constructor(message: string) {
    super(oneLine(message));
    this.name = 'WorkerError';
  }
}

/** Multi-line messages (a config's problem list) joined into one line. */
export function oneLine(message: string): string {
  return message
    .split('\n')
    .map((line) => line.trim().replace(/^- /, ''))
    .filter((line) => line !== '')
    .join('; ');
}

/** Refusals no retry can fix. */
const FATAL = new Set<number>([ErrorCode.PROTOCOL_VERSION, ErrorCode.FINGERPRINT, ErrorCode.UNKNOWN_TASK, ErrorCode.UNAUTHORIZED, ErrorCode.ENCODING]);

/** A coordinator's (or a shard's: `who`) error message as the worker logs it, and the error to stop with when no retry can fix it. */
export function refusal(error: ErrorMessage, who: string): { line: string; fatal: WorkerError | null } {
  const code = error.code ?? 0;
  const line = `${who} says ${ErrorCode[code] ?? code}: ${error.message ?? ''}`;
  return { line, fatal: FATAL.has(code) ? new WorkerError(`${who} refused this worker: ${error.message ?? ErrorCode[code]}`) : null };
}

/**
 * The error a worker stops with: a WireError is the coordinator's fault (it sent something the
 * protocol or this run's model rules out) and says so; anything else keeps its message.
 */
export function stopReason(err: unknown, coordinator: string): WorkerError {
  if (err instanceof WorkerError) return err;
  if (err instanceof WireError) {
    return new WorkerError(
      `the coordinator at ${coordinator} sent something this worker cannot take: ${err.message}; stopping (check that the coordinator runs the same hybrid release as this worker: hybrid --version)`,
    );
  }
  return new WorkerError(err instanceof Error ? err.message : String(err));
}
