// A spawned `hybrid` process (the built dist/cli.js) whose output lines are kept for matching as they
// come, for the end-to-end tests that follow a run line by line (kills, restarts, joins). Every one
// started is killed by killLineProcs(), which a test file runs after each test. TRACE=1 prints every
// line with a timestamp.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { CLI } from './processes.js';

const live = new Set<Proc>();

/** Kills every LineProc still running (a stopped one too: SIGKILL needs no SIGCONT) and waits for it. */
export async function killLineProcs(): Promise<void> {
  const procs = [...live];
  for (const p of procs) p.signal('SIGKILL');
  await Promise.all(procs.map((p) => p.exited));
}

/** A spawned `hybrid` process whose output lines (stdout and stderr) are kept for matching. */
export class Proc {
  readonly lines: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly child: ChildProcess;
  private waiters: { test: (line: string) => RegExpMatchArray | null; resolve: (m: RegExpMatchArray) => void }[] = [];

  constructor(
    readonly name: string,
    args: string[],
  ) {
    this.child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of [this.child.stdout!, this.child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => this.onLine(line));
    }
    this.exited = new Promise((r) => this.child.once('exit', (code, signal) => r({ code, signal })));
    live.add(this);
    void this.exited.then(() => live.delete(this));
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  private onLine(line: string): void {
    if (process.env.TRACE) console.log(`${(performance.now() / 1000).toFixed(2)} [${this.name}] ${line}`);
    this.lines.push(line);
    this.waiters = this.waiters.filter((w) => {
      const m = w.test(line);
      if (m) w.resolve(m);
      return !m;
    });
  }

  /** The first line matching `re` (and `where`) from line index `from` on, already printed or yet to come. */
  waitFor(re: RegExp, opts: { ms?: number; from?: number; where?: (m: RegExpMatchArray) => boolean } = {}): Promise<RegExpMatchArray> {
    const { ms = 30_000, from = 0, where = () => true } = opts;
    const test = (line: string) => {
      const m = line.match(re);
      return m && where(m) ? m : null;
    };
    for (const line of this.lines.slice(from)) {
      const m = test(line);
      if (m) return Promise.resolve(m);
    }
    return new Promise((resolveMatch, reject) => {
      const fail = (why: string) => reject(new Error(`${this.name}: ${why} a line matching ${re}; last lines:\n${this.lines.slice(-15).join('\n')}`));
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        fail(`no ${ms} ms wait brought`);
      }, ms);
      const waiter = {
        test,
        resolve: (m: RegExpMatchArray) => {
          clearTimeout(timer);
          resolveMatch(m);
        },
      };
      this.waiters.push(waiter);
      void this.exited.then(() => {
        if (!this.waiters.includes(waiter)) return;
        clearTimeout(timer);
        fail('exited before printing');
      });
    });
  }

  matching(re: RegExp): RegExpMatchArray[] {
    return this.lines.map((l) => l.match(re)).filter((m): m is RegExpMatchArray => m !== null);
  }

  signal(sig: NodeJS.Signals): void {
    if (this.running) process.kill(this.pid, sig);
  }

  /** kill -9, and wait until the process is gone. */
  async kill9(): Promise<void> {
    this.signal('SIGKILL');
    await this.exited;
  }

  /** Exit code within `ms` (the run must end by itself). */
  async exitCode(ms = 60_000): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${this.name} did not exit within ${ms} ms; last lines:\n${this.lines.slice(-15).join('\n')}`)), ms);
    });
    try {
      return (await Promise.race([this.exited, timeout])).code;
    } finally {
      clearTimeout(timer);
    }
  }
}
