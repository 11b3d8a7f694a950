// Why a worker stopped, as the one line `hybrid worker` prints: refusals no retry can fix, and anything
// the coordinator sent that breaks the protocol or the run's model.
import { WireError } from '../proto/codec.js';

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
