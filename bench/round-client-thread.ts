// One bench:comm client: the entry of a worker_thread that bench/round-clients.ts starts from the build
// output (node runs no .ts file in a worker thread), so that the client's work stays off the
// coordinator's event loop. It runs one session at a time, as the main thread commands: with the
// coordinator (bench/coordinator-session.ts), with K coordinator shards (bench/shard-session.ts) or against a yardstick (bench/yardstick-sessions.ts), and
// reports failures and, on stop, what the session did.
import { parentPort, workerData } from 'node:worker_threads';
import type { StopSession } from './client-socket.js';
import { startCoordinatorSession } from './coordinator-session.js';
import type { ClientCommand, ClientEvent, ClientReport, ClientThreadData } from './round-client-messages.js';
import { startShardSession } from './shard-session.js';
import { startTcpSession, startWsRawSession } from './yardstick-sessions.js';

if (!parentPort) throw new Error('bench/round-client-thread.js runs as a worker thread of bench/round-clients.ts, not on its own');
const port = parentPort;
const { task, hello } = workerData as ClientThreadData;

const post = (event: ClientEvent): void => port.postMessage(event);
/** Reports a failure of the `kind` session: the main thread fails the run on the first. */
const failure =
  (kind: string) =>
  (message: string): void =>
    post({ type: 'error', message: `${kind} client ${task}: ${message}` });

const NOTHING: ClientReport = { upBytes: 0, downBytes: 0, sent: 0 };
let stop: StopSession | null = null;

function start(command: Exclude<ClientCommand, { cmd: 'stop' }>): StopSession {
  switch (command.cmd) {
    case 'ws':
      return startCoordinatorSession({ url: command.url, mask: command.mask, task, hello, push: command.push, expect: command.expect, fail: failure('ws') });
    case 'shards':
      return startShardSession({ ...command, task, hello, fail: failure('shards'), onRound: (version) => post({ type: 'round', version }) });
    case 'ws-raw':
      return startWsRawSession(command.url, command.mask, command.up, command.down, failure('ws-raw'));
    case 'tcp':
      return startTcpSession(command.port, command.up, command.down, failure('tcp'));
  }
}

port.on('message', (command: ClientCommand) => {
  try {
    if (command.cmd === 'stop') {
      const s = stop;
      stop = null;
      void (s ? s() : Promise.resolve(NOTHING)).then((report) => post({ type: 'stopped', report }));
      return;
    }
    if (stop) throw new Error(`a ${command.cmd} session was asked for while one still runs`);
    stop = start(command);
  } catch (err) {
    failure(command.cmd)((err as Error).stack ?? String(err));
  }
});
