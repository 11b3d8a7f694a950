// Real processes for the end-to-end tests: the built `hybrid` CLI (dist/cli.js; `npm run build` first)
// or any other command, their output kept for matching, free loopback ports, and stopping them all
// afterwards, pass or fail.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** The built CLI the process tests start. */
export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

/** A spawned process whose stdout and stderr are kept as text. */
export interface Proc {
  child: ChildProcess;
  /** Everything written to stderr so far. */
  err(): string;
  /** Everything written to stdout so far. */
  out(): string;
  /** The exit code once both pipes are drained ('close'); 128 if a signal ended it. */
  exit: Promise<number>;
  /** Leads its own process group: signals go to the whole group. */
  group: boolean;
}

export interface StartOptions {
  /** Added to this process's environment. */
  env?: NodeJS.ProcessEnv;
  /** Removed from this process's environment first (before `env` is added). */
  unset?: readonly string[];
  cwd?: string;
  /** Start a process group of its own, so that a signal reaches the children it starts too. */
  group?: boolean;
  /** Open an IPC channel to the child (as `hybrid local` does to its coordinator). */
  ipc?: boolean;
}

export function startProcess(command: string, args: readonly string[], options: StartOptions = {}): Proc {
  const base = { ...process.env };
  for (const name of options.unset ?? []) delete base[name];
  const group = options.group ?? false;
  const child = spawn(command, args, { cwd: options.cwd, detached: group, env: { ...base, ...options.env }, stdio: options.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  const exit = new Promise<number>((r) => child.once('close', (code, signal) => r(code ?? (signal ? 128 : 1))));
  return { child, err: () => stderr, out: () => stdout, exit, group };
}

/** `node dist/cli.js ...args`. */
export function startHybrid(args: readonly string[], options: StartOptions = {}): Proc {
  return startProcess(process.execPath, [CLI, ...args], options);
}

export function isRunning(proc: Proc): boolean {
  return proc.child.exitCode === null && proc.child.signalCode === null;
}

/** Sends `signal` to a running process (to its whole group if it leads one); a process already gone is left alone. */
export function signal(proc: Proc, sig: NodeJS.Signals): void {
  if (!isRunning(proc) || proc.child.pid === undefined) return;
  if (!proc.group) {
    proc.child.kill(sig);
    return;
  }
  try {
    process.kill(-proc.child.pid, sig);
  } catch {
    // The group is gone already.
  }
}

/** SIGTERM to every process still running, SIGKILL to any still running `graceMs` later; resolves once all have exited. */
export async function stopAll(procs: readonly Proc[], graceMs: number): Promise<void> {
  for (const p of procs) signal(p, 'SIGTERM');
  await Promise.all(
    procs.map(async (p) => {
      const timer = setTimeout(() => signal(p, 'SIGKILL'), graceMs);
      await p.exit;
      clearTimeout(timer);
    }),
  );
}

/** Resolves with the first match of `re` in the process's stderr; rejects if it exits or `ms` pass first. */
export function waitForLine(proc: Proc, re: RegExp, ms: number): Promise<RegExpExecArray> {
  return waitForStderr(proc, (stderr) => re.exec(stderr) ?? undefined, ms, String(re));
}

/**
 * Resolves with the first thing `find` finds in the process's stderr (checked now and on each new
 * output); rejects if it exits or `ms` pass first. `what` names what is awaited in the rejection.
 */
export function waitForStderr<T>(proc: Proc, find: (stderr: string) => T | undefined, ms: number, what: string): Promise<T> {
  return new Promise((resolveFound, reject) => {
    const check = () => {
      const found = find(proc.err());
      if (found !== undefined) {
        done();
        resolveFound(found);
      }
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`no ${what} on stderr within ${ms} ms; stderr:\n${proc.err()}`));
    }, ms);
    const onExit = (code: number | null) => {
      check();
      done();
      reject(new Error(`exited (code ${code}) before ${what}; stderr:\n${proc.err()}`));
    };
    const done = () => {
      clearTimeout(timer);
      proc.child.stderr!.off('data', check);
      proc.child.off('exit', onExit);
    };
    proc.child.stderr!.on('data', check);
    proc.child.once('exit', onExit);
    check();
  });
}

/** The process's exit code, or a rejection naming `what` if it is still running after `ms`. */
export async function exitWithin(proc: Proc, ms: number, what: string): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} still running after ${ms} ms; stderr:\n${proc.err()}`)), ms);
  });
  try {
    return await Promise.race([proc.exit, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A TCP port free on 127.0.0.1 at the time of asking. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolvePort(port));
    });
  });
}
