// docs/shards.md section 4 with real processes (the built dist/cli.js; run `npm run build` first) on
// loopback: W over two coordinator shards, the follower killed with -9 mid-run and started again with
// --resume. Every shard goes back to the newest version both hold, the run completes, and neither
// shard's hybrid_rounds_total ever counts a version of W twice: in every scrape it is the version minus
// the one the shard last started or restored from (0 or the common version). TRACE=1 prints every
// process's output lines with timestamps.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { request } from '../support/http.js';
import { killLineProcs, Proc } from '../support/line-process.js';
import { parsePrometheusText, sampleValue } from '../support/prometheus-text.js';
import { freePort } from '../support/processes.js';

const STEPS = 300;
const root = mkdtempSync(join(tmpdir(), 'hybrid-shards-'));

function writeConfig(dir: string): string {
  const config = {
    seed: 4,
    model: { arch: 'mlp', hidden: [64, 32] },
    tasks: [
      { name: 'a', dataset: { source: 'synthetic', features: 64, classes: 5, train: 512, test: 64, task_seed: 1 } },
      { name: 'b', dataset: { source: 'synthetic', features: 64, classes: 3, train: 512, test: 64, task_seed: 2 } },
    ],
    train: { steps: STEPS, batch_size: 32 },
    distributed: { checkpoint_every: 10, keep_checkpoints: 3, round_timeout_seconds: 60, report_every: 10 },
  };
  const path = join(dir, 'config.json');
  writeFileSync(path, JSON.stringify(config));
  return path;
}

/** hybrid_rounds_total and hybrid_shared_version of one shard, or null once it is gone. */
async function rounds(shard: number, metricsPort: number): Promise<{ total: number; version: number } | null> {
  let text;
  try {
    text = parsePrometheusText((await request(`http://127.0.0.1:${metricsPort}/metrics`)).body);
  } catch {
    return null;
  }
  // Every series of a shard carries its `shard` label.
  const labels = { shard: String(shard) };
  return { total: sampleValue(text, 'hybrid_rounds_total', labels), version: sampleValue(text, 'hybrid_shared_version', labels) };
}

afterEach(killLineProcs);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('a shard killed with -9 and resumed', () => {
  it.each(['follower', 'lead'] as const)(
    'the %s: every shard goes back to the newest common version, the run completes, no round is counted twice',
    async (victim) => {
      const dir = mkdtempSync(join(root, `${victim}-`));
      const config = writeConfig(dir);
      const [leadPort, leadMetrics, followerPort, followerMetrics] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
      const out = join(dir, 'run');
      const followerArgs = ['coordinator', '--config', config, '--host', '127.0.0.1', '--port', String(followerPort), '--metrics-port', String(followerMetrics), '--out', out, '--shard', '1/2'];
      let follower = new Proc('shard 1', followerArgs);
      await follower.waitFor(/listening on/);
      const shards = `ws://127.0.0.1:${leadPort},ws://127.0.0.1:${followerPort}`;
      const leadArgs = [
        'coordinator',
        '--config',
        config,
        '--host',
        '127.0.0.1',
        '--port',
        String(leadPort),
        '--metrics-port',
        String(leadMetrics),
        '--out',
        out,
        '--shard',
        '0/2',
        '--shards',
        shards,
      ];
      let lead = new Proc('lead', leadArgs);
      const workers = ['a', 'b'].map((task) => new Proc(task, ['worker', '--coordinator', `ws://127.0.0.1:${leadPort}`, '--task', task, '--metrics-port', '0', '--metrics-host', '127.0.0.1']));

      // The invariant, scraped all along from both shards.
      const scrapes: { shard: number; total: number; version: number }[] = [];
      let scraping = true;
      const scraper = (async () => {
        while (scraping) {
          for (const [shard, port] of [
            [0, leadMetrics],
            [1, followerMetrics],
          ] as const) {
            const r = await rounds(shard, port);
            if (r) scrapes.push({ shard, ...r });
          }
          await new Promise((r) => setImmediate(r));
        }
      })();

      if (victim === 'follower') {
        await follower.waitFor(/checkpoint .* \(version (\d+),/, { where: (m) => Number(m[1]) >= 60 });
        await follower.kill9();
        follower = new Proc('shard 1 again', [...followerArgs, '--resume']);
      } else {
        // Between two checkpoints: the lead resumes from an older version than the follower holds.
        await lead.waitFor(/^round (\d+)\//, { where: (m) => Number(m[1]) >= 60 && Number(m[1]) % 10 !== 0 });
        await lead.kill9();
        lead = new Proc('lead again', [...leadArgs, '--resume']);
      }
      const restoring = await lead.waitFor(/restoring every shard to version (\d+)/);
      const common = Number(restoring[1]);
      const restored = await follower.waitFor(/shard 1: (restored .*\(version (\d+)\)|going on from version 0)/);
      expect(Number(restored[2] ?? 0)).toBe(common);
      expect(common).toBeGreaterThanOrEqual(60);
      await lead.waitFor(new RegExp(`every shard is at version ${common}; rounds go on`));

      expect(await lead.exitCode(240_000)).toBe(0);
      expect(await follower.exitCode(30_000)).toBe(0);
      for (const w of workers) expect(await w.exitCode(30_000)).toBe(0);
      scraping = false;
      await scraper;

      const result = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { tasks: { hybrid_accuracy: number }[] };
      expect(result.tasks).toHaveLength(2);
      expect(existsSync(join(out, 'bundle'))).toBe(true);
      // Both shards went on to the last version, and at every scrape each counted each version once.
      for (const shard of [0, 1]) {
        const seen = scrapes.filter((s) => s.shard === shard);
        expect(seen.length, `scrapes of shard ${shard}`).toBeGreaterThan(0);
        // Counted from 0 before the recovery, from the common version after it: never more.
        for (const s of seen) expect([s.version, s.version - common], `shard ${shard}: ${s.total} rounds at version ${s.version}`).toContain(s.total);
        const last = seen[seen.length - 1];
        expect(last.version).toBeGreaterThan(common);
        expect(last.total).toBe(last.version - common);
      }
      // The lead's final checkpoint, the follower's too: both at the last version.
      expect(lead.matching(/checkpoint .* \(version (\d+),/).some((m) => Number(m[1]) === STEPS)).toBe(true);
      expect(follower.matching(/checkpoint .* \(version (\d+),/).some((m) => Number(m[1]) === STEPS)).toBe(true);
    },
    300_000,
  );
});
