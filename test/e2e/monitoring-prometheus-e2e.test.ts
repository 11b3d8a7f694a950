// End-to-end monitoring: a real Prometheus server (Debian's /usr/bin/prometheus, loopback only, scraping
// every second) scrapes the coordinator of a real `hybrid local` run, and its HTTP API then answers
// queries for the run's metrics. The run is stopped as soon as the answers are in.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { request } from '../support/http.js';
import { CLI, freePort, type Proc, startProcess, stopAll } from '../support/processes.js';

const PROMETHEUS = '/usr/bin/prometheus';
const TASKS = ['digits', 'digits-rot90'];

const procs: Proc[] = [];

/** Each process leads its own process group, so stopping `hybrid local` reaches its workers too. */
function start(command: string, args: string[], cwd?: string): Proc {
  const proc = startProcess(command, args, { cwd, group: true });
  procs.push(proc);
  return proc;
}

/** The reply's status and its body parsed as JSON (null if it is not); status 0 when there is no answer. */
async function getJson<T>(url: string): Promise<{ status: number; body: T | null }> {
  try {
    const reply = await request(url, { timeoutMs: 3000 });
    let body: T | null = null;
    try {
      body = JSON.parse(reply.body) as T;
    } catch {
      // Not JSON (e.g. /-/ready's plain text): the status says enough.
    }
    return { status: reply.status, body };
  } catch {
    return { status: 0, body: null };
  }
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
  await stopAll(procs, 5000);
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
      "the coordinator metrics port on hybrid local's stderr",
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
