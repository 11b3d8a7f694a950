// Prometheus and Grafana files: promtool checks the config and the rules and runs the rules' unit tests
// (deploy/prometheus/alerts.test.yml); every PromQL expression, in the rules and in the dashboard, names
// only metrics of docs/architecture.md section 7 or prom-client's default process metrics, and the dashboard's
// expressions are valid PromQL (promtool checks them as recording rules).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { DESIGN_METRICS, type Obj, allowedSeries, at, deployPath, grafanaToPromql, promqlMetricNames, readYaml, run, str, which } from '../support/deploy.js';

const promtool = which('promtool');
const NO_PROMTOOL = 'promtool is not installed (Debian: apt-get install prometheus); skipping the promtool checks';

const rulesFile = deployPath('prometheus/alerts.yml');
const rules = (at(readYaml(rulesFile), 'groups') as Obj[]).flatMap((g) => at(g, 'rules') as Obj[]);
const dashboard = JSON.parse(readFileSync(deployPath('grafana/dashboards/hybrid.json'), 'utf8')) as Obj;
const panels = at(dashboard, 'panels') as Obj[];
const panelExprs = panels.flatMap((p) => ((p.targets ?? []) as Obj[]).map((t) => ({ panel: str(p.title, 'title'), expr: str(t.expr, `${p.title} expr`) })));

let allowed: Set<string>;
beforeAll(async () => {
  allowed = await allowedSeries();
});

function unknownMetrics(expr: string): string[] {
  return promqlMetricNames(expr).filter((n) => !allowed.has(n));
}

describe('the PromQL metric-name extractor', () => {
  it('finds metric names, not functions, keywords, labels, durations or Grafana variables', () => {
    expect(promqlMetricNames('sum by (task) (rate(hybrid_task_samples_total{task=~"$task"}[$__rate_interval]))')).toEqual(['hybrid_task_samples_total']);
    expect(promqlMetricNames('histogram_quantile(0.95, sum by (le) (rate(hybrid_round_duration_seconds_bucket[5m])))')).toEqual(['hybrid_round_duration_seconds_bucket']);
    expect(promqlMetricNames('(time() - a_b > 15 * 60) and on (instance, job) c_d offset 5m')).toEqual(['a_b', 'c_d']);
    expect(promqlMetricNames('x != x or abs(x) == +Inf unless y{reason="and"} > 1e3')).toEqual(['x', 'y']);
    expect(promqlMetricNames('sum without (le) (z) / ignoring (a) group_left (b) w')).toEqual(['w', 'z']);
  });

  it('flags a metric that docs/architecture.md does not name, and a histogram used without its suffix', () => {
    expect(unknownMetrics('rate(hybrid_gradient_pushes_total[5m])')).toEqual(['hybrid_gradient_pushes_total']);
    expect(unknownMetrics('hybrid_round_duration_seconds > 1')).toEqual(['hybrid_round_duration_seconds']);
    expect(unknownMetrics('rate(process_cpu_seconds_total[1m]) + hybrid_round_duration_seconds_count')).toEqual([]);
  });
});

describe('deploy/prometheus', () => {
  it('prometheus.yml passes `promtool check config` (which also checks the rule files it loads)', (ctx) => {
    if (!promtool) return ctx.skip(NO_PROMTOOL);
    const r = run(promtool, ['check', 'config', deployPath('prometheus/prometheus.yml')]);
    expect(r.status, r.output).toBe(0);
    expect(r.output).toMatch(/SUCCESS: 1 rule files found/);
  });

  it('alerts.yml passes `promtool check rules`, and promtool does refuse a broken rule', (ctx) => {
    if (!promtool) return ctx.skip(NO_PROMTOOL);
    const r = run(promtool, ['check', 'rules', rulesFile]);
    expect(r.status, r.output).toBe(0);
    expect(r.output).toContain(`SUCCESS: ${rules.length} rules found`);
    const dir = mkdtempSync(join(tmpdir(), 'deploy-rules-'));
    try {
      const broken = join(dir, 'broken.yml');
      writeFileSync(broken, stringify({ groups: [{ name: 'g', rules: [{ alert: 'A', expr: 'sum(rate(x[5m])' }] }] }));
      expect(run(promtool, ['check', 'rules', broken]).status).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the alerts fire when they should and only then (`promtool test rules alerts.test.yml`)', (ctx) => {
    if (!promtool) return ctx.skip(NO_PROMTOOL);
    const r = run(promtool, ['test', 'rules', deployPath('prometheus/alerts.test.yml')]);
    expect(r.status, r.output).toBe(0);
    expect(r.output).toContain('SUCCESS');
  });

  it('covers the required situations, each with a severity and a summary', () => {
    const names = rules.map((r) => r.alert);
    expect(names).toEqual(expect.arrayContaining(['HybridNoWorkersConnected', 'HybridRoundsStalled', 'HybridCheckpointStale', 'HybridTaskLossNotFinite', 'HybridWorkersDroppingOut']));
    for (const r of rules) {
      expect(['critical', 'warning'], String(r.alert)).toContain(at(r, 'labels', 'severity'));
      expect(str(at(r, 'annotations', 'summary'), `${r.alert} summary`).length).toBeGreaterThan(10);
    }
    // Every alert is exercised by the unit tests.
    const tested = new Set((at(readYaml(deployPath('prometheus/alerts.test.yml')), 'tests') as Obj[]).flatMap((t) => at(t, 'alert_rule_test') as Obj[]).map((a) => a.alertname));
    for (const n of names) expect(tested.has(n), `${n} has a unit test`).toBe(true);
  });

  it('every rule expression names only metrics of docs/architecture.md section 7 or default process metrics', () => {
    for (const r of rules) {
      const expr = str(r.expr, `${r.alert} expr`);
      expect(promqlMetricNames(expr).length, String(r.alert)).toBeGreaterThan(0);
      expect(unknownMetrics(expr), String(r.alert)).toEqual([]);
    }
  });
});

describe('deploy/grafana/dashboards/hybrid.json', () => {
  it('has panels with unique ids, each with a Prometheus query through the datasource variable', () => {
    expect(panels.length).toBeGreaterThanOrEqual(10);
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    for (const p of panels) {
      expect(((p.targets ?? []) as Obj[]).length, String(p.title)).toBeGreaterThan(0);
      expect(p.datasource, String(p.title)).toEqual({ type: 'prometheus', uid: '${datasource}' });
      const g = p.gridPos as Obj;
      expect(Number(g.x) + Number(g.w), String(p.title)).toBeLessThanOrEqual(24);
    }
  });

  it('shows per-task loss and accuracy, round duration, bytes per second, staleness, workers connected and rejected pushes', () => {
    const used = new Set(panelExprs.flatMap((e) => promqlMetricNames(e.expr)));
    for (const m of [
      'hybrid_task_loss',
      'hybrid_task_accuracy',
      'hybrid_round_duration_seconds_bucket',
      'hybrid_bytes_received_total',
      'hybrid_bytes_sent_total',
      'hybrid_push_staleness_bucket',
      'hybrid_workers_connected',
      'hybrid_pushes_rejected_total',
    ]) {
      expect(used.has(m), `a panel queries ${m}`).toBe(true);
    }
    const loss = panelExprs.find((e) => e.expr.startsWith('hybrid_task_loss'));
    expect(loss?.expr).toContain('task=~"$task"');
  });

  it('every query names only metrics of docs/architecture.md section 7 or default process metrics', () => {
    for (const { panel, expr } of panelExprs) expect(unknownMetrics(expr), `${panel}: ${expr}`).toEqual([]);
    const variable = (at(dashboard, 'templating', 'list') as Obj[]).find((v) => v.name === 'task')!;
    const m = /^label_values\((\w+),\s*(\w+)\)$/.exec(str(at(variable, 'definition'), 'task variable'));
    expect(m).not.toBeNull();
    expect(allowed.has(m![1])).toBe(true);
    expect(Object.keys(DESIGN_METRICS)).toContain(m![1]);
  });

  it("every query is valid PromQL once Grafana's variables are filled in (promtool)", (ctx) => {
    if (!promtool) return ctx.skip(NO_PROMTOOL);
    const dir = mkdtempSync(join(tmpdir(), 'deploy-dashboard-'));
    try {
      const file = join(dir, 'dashboard-rules.yml');
      const records = panelExprs.map((e, i) => ({ record: `dashboard:query_${i}`, expr: grafanaToPromql(e.expr) }));
      writeFileSync(file, stringify({ groups: [{ name: 'dashboard', rules: records }] }));
      const r = run(promtool, ['check', 'rules', file]);
      expect(r.status, r.output).toBe(0);
      expect(r.output).toContain(`SUCCESS: ${records.length} rules found`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
