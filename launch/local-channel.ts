// How `hybrid local` hears from the coordinator process it starts: typed messages over the IPC channel
// Node opens to a child spawned with one, instead of reading its log lines and its files.
import type { ChildProcess } from 'node:child_process';
import type { RunResult } from '../model/run-output.js';

export type CoordinatorMessage =
  /** Both servers listen; the ports they took (the coordinator binds free ports itself). */
  | { kind: 'listening'; port: number; metricsPort: number }
  /** Training is over: the run's result, or null when none could be written. */
  | { kind: 'finished'; result: RunResult | null };

/** Tells the parent, where there is one; resolves once the message is handed to the channel. */
export function tellParent(message: CoordinatorMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

function isMessage(value: unknown): value is CoordinatorMessage {
  const kind = (value as { kind?: unknown } | null)?.kind;
  return kind === 'listening' || kind === 'finished';
}

/** The next message of `kind` from the coordinator; rejects if it exits first. */
export function fromCoordinator<K extends CoordinatorMessage['kind']>(coordinator: ChildProcess, kind: K): Promise<Extract<CoordinatorMessage, { kind: K }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (value: unknown): void => {
      if (!isMessage(value) || value.kind !== kind) return;
      done();
      resolve(value as Extract<CoordinatorMessage, { kind: K }>);
    };
    const onExit = (code: number | null): void => {
      done();
      reject(new Error(`the coordinator exited (code ${code}) before it reported "${kind}"; its log above says why`));
    };
    const done = (): void => {
      coordinator.off('message', onMessage);
      coordinator.off('exit', onExit);
    };
    coordinator.on('message', onMessage);
    coordinator.once('exit', onExit);
  });
}
