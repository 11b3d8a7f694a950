// End-to-end monitoring: a real Prometheus server (Debian's /usr/bin/prometheus, loopback only, scraping
// every second) scrapes the coordinator of a real `hybrid local` run, and its HTTP API then answers
// queries for the run's metrics. The run is stopped as soon as the answers are in.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const CLI = resolve('dist/cli.js');
const PROMETHEUS = '/usr/bin/prometheus';
const TASKS = ['digits', 'digits-rot90'];

interface Proc {
  child: ChildProcess;
  err(): string;
  exit: Promise<number>;
}

const procs: Proc[] = [];

/** Each process leads its own process group, so stopping `hybrid local` reaches its workers too. */
function start(command: string, args: string[], cwd?: string): Proc {
  const child = spawn(command, args, { cwd, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const exit = new Promise<number>((r) => child.once('close', (code, signal) => r(code ?? (signal ? 128 : 1))));
  const proc = { child, err: () => stderr, exit };
  procs.push(proc);
  return proc;
}

function stopGroup(p: Proc, signal: NodeJS.Signals): void {
  if (p.child.exitCode !== null || p.child.signalCode !== null || p.child.pid === undefined) return;
  try {
    process.kill(-p.child.pid, signal);
  } catch {
    // Already gone.
  }
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolvePort(port));
    });
  });
}

function getJson<T>(url: string): Promise<{ status: number; body: T | null }> {
  return new Promise((resolveGet) => {
    const req = http.get(url, { agent: false, timeout: 3000 }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.on('end', () => {
        let body: T | null = null;
        try {
          body = JSON.parse(text) as T;
        } catch {
          // Not JSON (e.g. /-/ready's plain text): the status says enough.
        }
        resolveGet({ status: res.statusCode ?? 0, body });
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolveGet({ status: 0, body: null }));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` every 500 ms until it returns a value (not undefined), or fails after `ms` naming `what`. */
async function poll<T>(what: string, ms: number, probe: () => Promise<T | undefined>, explain: () => string | Promise<string>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: nothing within ${ms / 1000} s\n${await explain()}`);
    await sleep(500);
  }
}

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

interface QueryReply {
  status: string;
  data: { resultType: string; result: Sample[] };
}

let dir: string | undefined;

afterAll(async () => {
  for (const p of procs) stopGroup(p, 'SIGTERM');
  await Promise.all(
    procs.map(async (p) => {
      const t = setTimeout(() => stopGroup(p, 'SIGKILL'), 5000);
      await p.exit;
      clearTimeout(t);
    }),
  );
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('Prometheus scrapes a hybrid local run', () => {
  it('the HTTP API answers hybrid_rounds_total and hybrid_task_loss for every task', async (ctx) => {
    if (!existsSync(PROMETHEUS)) {
      ctx.skip(`${PROMETHEUS} is absent (Debian package "prometheus"): no real Prometheus to scrape with`);
      return;
    }
    dir = mkdtempSync(join(tmpdir(), 'hybrid-prometheus-'));
    // examples/quick.json with many more steps: the run outlasts Prometheus's first scrapes with room to
    // spare, and is stopped once the answers are in.
    const config = JSON.parse(readFileSync('examples/quick.json', 'utf8')) as { train: { steps: number } };
    config.train.steps = 5000;
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));

    // The coordinator's metrics port is chosen by `hybrid local` at start, so Prometheus finds it through
    // file-based discovery: an empty target list now, the port once the run prints it.
    const targets = join(dir, 'targets.json');
    writeFileSync(targets, '[]');
    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global:',
        '  scrape_interval: 1s',
        '  scrape_timeout: 1s',
        '  evaluation_interval: 1s',
        'scrape_configs:',
        '  - job_name: hybrid-coordinator',
        '    file_sd_configs:',
        `      - files: [${JSON.stringify(targets)}]`,
        '        refresh_interval: 1s',
        '',
      ].join('\n'),
    );
    mkdirSync(join(dir, 'tsdb'));
    const port = await freePort();
    const api = `http://127.0.0.1:${port}`;
    const prometheus = start(
      PROMETHEUS,
      [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
      dir,
    );
    const local = start(process.execPath, [CLI, 'local', '--config', join(dir, 'config.json'), '--out', join(dir, 'run'), '--json', '--backend', 'cpu'], dir);

    const exited = (p: Proc, name: string) => (p.child.exitCode !== null ? `${name} exited with code ${p.child.exitCode}:\n${p.err().slice(-3000)}\n` : '');
    const explain = () => `${exited(prometheus, 'prometheus')}${exited(local, 'hybrid local')}hybrid local stderr (tail):\n${local.err().slice(-1500)}`;

    const metricsPort = await poll(
      'the coordinator metrics port on hybrid local\'s stderr',
      30_000,
      async () => /local: coordinator on ws:\/\/127\.0\.0\.1:\d+ \(metrics http:\/\/127\.0\.0\.1:(\d+)\/metrics\)/.exec(local.err())?.[1],
      explain,
    );
    writeFileSync(`${targets}.tmp`, JSON.stringify([{ targets: [`127.0.0.1:${metricsPort}`], labels: { run: 'e2e' } }]));
    renameSync(`${targets}.tmp`, targets);
    await poll('Prometheus /-/ready', 30_000, async () => ((await getJson(`${api}/-/ready`)).status === 200 ? true : undefined), explain);

    const query = async (promql: string) => {
      const r = await getJson<QueryReply>(`${api}/api/v1/query?query=${encodeURIComponent(promql)}`);
      return r.status === 200 && r.body?.status === 'success' ? r.body.data.result : [];
    };
    const explainWithTargets = async () => `targets: ${JSON.stringify((await getJson(`${api}/api/v1/targets`)).body)}\n${explain()}`;

    const rounds = await poll(
      'hybrid_rounds_total > 0 from Prometheus',
      45_000,
      async () => {
        const result = await query('hybrid_rounds_total');
        return result.length === 1 && Number(result[0].value[1]) > 0 ? result[0] : undefined;
      },
      explainWithTargets,
    );
    expect(rounds.metric).toMatchObject({ __name__: 'hybrid_rounds_total', job: 'hybrid-coordinator', run: 'e2e', instance: `127.0.0.1:${metricsPort}` });

    const losses = await poll(
      'a finite hybrid_task_loss for every task from Prometheus',
      30_000,
      async () => {
        const result = await query('hybrid_task_loss');
        const finite = result.filter((s) => Number.isFinite(Number(s.value[1])));
        return finite.length === TASKS.length ? finite : undefined;
      },
      explainWithTargets,
    );
    expect(losses.map((s) => s.metric.task).sort()).toEqual(TASKS);
    for (const s of losses) expect(Number(s.value[1])).toBeGreaterThan(0);

    // The run was still going: Prometheus saw it live, not a finished run's last numbers.
    expect(local.child.exitCode, explain()).toBeNull();
    const up = await query('up{job="hybrid-coordinator"}');
    expect(up.map((s) => s.value[1])).toEqual(['1']);
  });
});
