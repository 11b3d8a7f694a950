// Data-parallel replicas in the deploy files: the Kubernetes workers Job (an Indexed Job whose pod i
// trains worker slot i of the run config, passing `--replica I/N` for a task with N > 1 replicas), the
// replicas overlay, the HybridTaskBelowReplicas alert and the dashboard's replica panels. The Job's
// shell command is run here with stub `tini` and `hybrid`, as each pod would run it; Slurm's side is in
// deploy-slurm.test.ts.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { parseAllDocuments, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../config/load.js';
import {
  type Obj,
  type ReplicaSlot,
  applyJsonPatch,
  at,
  deployPath,
  flag,
  grafanaToPromql,
  isObj,
  kustomizeBuild,
  promqlMetricNames,
  readYaml,
  replicaFlag,
  replicaSlots,
  run,
  runWorkerPod,
  str,
  which,
  findObject,
  objectKey,
  scratchDirs,
} from '../support/deploy.js';

const tempDir = scratchDirs();
const key = objectKey;
const find = findObject;
const workersJob = (objects: Obj[]) => find(objects, 'Job/hybrid-workers');
const configText = (objects: Obj[]) => str(at(find(objects, 'ConfigMap/hybrid-config'), 'data', 'config.json'), 'config.json');

const overlays = { base: deployPath('k8s/base'), gpu: deployPath('k8s/overlays/gpu'), replicas: deployPath('k8s/overlays/replicas') } as const;
const builds = Object.fromEntries(Object.entries(overlays).map(([name, dir]) => [name, kustomizeBuild(dir)])) as Record<keyof typeof overlays, Obj[]>;

/** Every pod of `count`, checked against the slots: pod i trains slots[i], with --replica only where the task has more than one. */
function expectPodsMatchSlots(objects: Obj[], slots: ReplicaSlot[], config?: string): void {
  slots.forEach((slot, i) => {
    const r = runWorkerPod(objects, i, config);
    expect(r.status, r.output).toBe(0);
    expect(r.command!.command).toBe('worker');
    expect(flag(r.command!, '--task'), `pod ${i}`).toBe(slot.task);
    expect(flag(r.command!, '--replica'), `pod ${i}`).toBe(replicaFlag(slot));
    expect(r.output).toContain(`pod index ${i} trains task ${slot.task}, replica ${slot.replica} of ${slot.replicas}`);
  });
  const past = runWorkerPod(objects, slots.length, config);
  expect(past.status).not.toBe(0);
  expect(past.argv).toEqual([]);
  expect(past.output).toContain(`no task at index "${slots.length}"`);
  expect(past.output).toContain(`set the Job completions and parallelism to ${slots.length}`);
}

describe('the tests’ kustomize', () => {
  it('replaces a ConfigMap only where the overlay says so, and refuses a replace with nothing to replace', () => {
    expect(configText(builds.base)).toBe(readFileSync(deployPath('k8s/base/config.json'), 'utf8'));
    expect(configText(builds.replicas)).toBe(readFileSync(deployPath('k8s/overlays/replicas/config.json'), 'utf8'));
    expect(builds.replicas.filter((o) => o.kind === 'ConfigMap').length).toBe(1);
    const doc: Obj = { spec: { completions: 2 } };
    applyJsonPatch(doc, [{ op: 'replace', path: '/spec/completions', value: 4 }], 't');
    expect(doc).toEqual({ spec: { completions: 4 } });
    expect(() => applyJsonPatch(doc, [{ op: 'replace', path: '/spec/parallelism', value: 4 }], 't')).toThrow(/nothing there/);
  });

  const kubectl = which('kubectl');
  for (const name of Object.keys(overlays) as (keyof typeof overlays)[]) {
    it(`matches \`kubectl kustomize\` on ${name}`, (ctx) => {
      if (!kubectl) return ctx.skip("kubectl is not installed: the build is checked by the tests' kustomize alone");
      const r = run(kubectl, ['kustomize', overlays[name]]);
      expect(r.status, r.output).toBe(0);
      const theirs = parseAllDocuments(r.output).map((d) => d.toJS() as Obj);
      expect(theirs.map(key).sort()).toEqual(builds[name].map(key).sort());
      for (const o of theirs) expect(o, key(o)).toEqual(find(builds[name], key(o)));
    });
  }
});

describe('Kubernetes workers: one pod per replica slot', () => {
  for (const name of Object.keys(overlays) as (keyof typeof overlays)[]) {
    const objects = builds[name];
    const slots = replicaSlots(JSON.parse(configText(objects)) as unknown, `${name} config.json`);

    it(`${name}: an Indexed Job with completions = parallelism = the sum of the tasks' replicas (${slots.length})`, () => {
      const job = workersJob(objects);
      expect(at(job, 'spec', 'completionMode')).toBe('Indexed');
      expect(at(job, 'spec', 'completions')).toBe(slots.length);
      expect(at(job, 'spec', 'parallelism')).toBe(slots.length);
      expect(() => new Job(job).validate()).not.toThrow();
    });

    it(`${name}: pod i trains slot i, with --replica I/N where the task has N > 1 replicas; pod ${slots.length} fails`, () => {
      expectPodsMatchSlots(objects, slots);
      // Every (task, replica) exactly once.
      const seen = slots.map((s) => `${s.task} ${s.replica}`);
      expect(new Set(seen).size).toBe(seen.length);
    });
  }

  it('the replicas overlay runs more than one replica of a task: --replica 0/N to N-1/N', () => {
    const slots = replicaSlots(JSON.parse(configText(builds.replicas)) as unknown);
    const replicated = slots.filter((s) => s.replicas > 1);
    expect(replicated.length).toBeGreaterThanOrEqual(2);
    const flags = new Map<string, string[]>();
    slots.forEach((s, i) => {
      const r = runWorkerPod(builds.replicas, i);
      expect(r.status, r.output).toBe(0);
      flags.set(s.task, [...(flags.get(s.task) ?? []), flag(r.command!, '--replica') ?? '-']);
    });
    for (const [task, got] of flags) {
      const n = slots.filter((s) => s.task === task).length;
      expect(got, task).toEqual(n > 1 ? Array.from({ length: n }, (_, i) => `${i}/${n}`) : ['-']);
    }
  });

  it('the base has one replica a task, and passes no --replica (workers as before)', () => {
    const slots = replicaSlots(JSON.parse(configText(builds.base)) as unknown);
    expect(slots.every((s) => s.replicas === 1)).toBe(true);
    slots.forEach((_, i) => expect(runWorkerPod(builds.base, i).argv).not.toContain('--replica'));
  });

  it('uneven replicas [3, 1] map pods 0-2 to the first task and pod 3 to the second; a bad count fails the pod', () => {
    const config = JSON.parse(configText(builds.base)) as Obj;
    const tasks = at(config, 'tasks') as Obj[];
    tasks[0].replicas = 3;
    const slots = replicaSlots(config);
    expect(slots.map((s) => `${s.task}:${replicaFlag(s) ?? '-'}`)).toEqual([
      `${String(tasks[0].name)}:0/3`,
      `${String(tasks[0].name)}:1/3`,
      `${String(tasks[0].name)}:2/3`,
      `${String(tasks[1].name)}:-`,
    ]);
    expectPodsMatchSlots(builds.base, slots, JSON.stringify(config));
    for (const bad of [0, 1.5, '2']) {
      tasks[0].replicas = bad;
      const r = runWorkerPod(builds.base, 0, JSON.stringify(config));
      expect(r.status, `replicas ${JSON.stringify(bad)}`).not.toBe(0);
      expect(r.output).toContain(`has replicas ${JSON.stringify(bad)}, not a whole number >= 1`);
    }
  });
});

describe('the replicas overlay', () => {
  const overlayConfig = JSON.parse(configText(builds.replicas)) as Obj;

  it('its config is the base run with replicas on the tasks, and a valid run config', () => {
    const strip = (c: Obj) => ({ ...c, tasks: (at(c, 'tasks') as Obj[]).map((t) => Object.fromEntries(Object.entries(t).filter(([k]) => k !== 'replicas'))) });
    expect(strip(overlayConfig)).toEqual(strip(JSON.parse(configText(builds.base)) as Obj));
    const parsed = parseRunConfig(overlayConfig, 'deploy/k8s/overlays/replicas/config.json');
    expect(parsed.tasks.map((t) => (t as { replicas?: number }).replicas)).toEqual((at(overlayConfig, 'tasks') as Obj[]).map((t) => t.replicas));
    expect(() => new ConfigMap(find(builds.replicas, 'ConfigMap/hybrid-config')).validate()).not.toThrow();
  });

  it('changes only the config and the Job’s completions and parallelism', () => {
    for (const o of builds.replicas) {
      const base = find(builds.base, key(o));
      if (key(o) === 'ConfigMap/hybrid-config') continue;
      if (key(o) !== 'Job/hybrid-workers') {
        expect(o, key(o)).toEqual(base);
        continue;
      }
      const strip = (j: Obj) => ({ ...j, spec: { ...(j.spec as Obj), completions: undefined, parallelism: undefined } });
      expect(strip(o)).toEqual(strip(base));
    }
  });

  it('documents the two places to change, with the counts it holds', () => {
    const text = readFileSync(deployPath('k8s/overlays/replicas/kustomization.yaml'), 'utf8');
    const slots = replicaSlots(overlayConfig);
    expect(text).toContain('"replicas"');
    expect(text).toContain('completions and parallelism');
    expect(text).toContain(`here ${(at(overlayConfig, 'tasks') as Obj[]).map((t) => String(t.replicas)).join(' + ')} = ${slots.length}`);
  });
});

describe('the HybridTaskBelowReplicas alert', () => {
  const alertsFile = deployPath('prometheus/alerts.yml');
  const rule = (at(readYaml(alertsFile), 'groups') as Obj[]).flatMap((g) => at(g, 'rules') as Obj[]).find((r) => r.alert === 'HybridTaskBelowReplicas');

  it('fires on hybrid_task_replicas < hybrid_task_replicas_configured for 5m, severity warning', () => {
    expect(rule).toBeDefined();
    expect(str(rule!.expr, 'expr').replace(/\s+/g, ' ')).toBe('hybrid_task_replicas < hybrid_task_replicas_configured');
    expect(rule!.for).toBe('5m');
    expect(at(rule, 'labels', 'severity')).toBe('warning');
    expect(str(at(rule, 'annotations', 'summary'), 'summary')).toContain('{{ $labels.task }}');
  });

  it('has unit tests in alerts.test.yml that expect it both firing and not firing', () => {
    const tests = at(readYaml(deployPath('prometheus/alerts.test.yml')), 'tests') as Obj[];
    const cases = tests.flatMap((t) => at(t, 'alert_rule_test') as Obj[]).filter((c) => c.alertname === 'HybridTaskBelowReplicas');
    expect(cases.some((c) => (c.exp_alerts as unknown[]).length === 0)).toBe(true);
    expect(cases.some((c) => (c.exp_alerts as unknown[]).length > 0)).toBe(true);
  });

  const promtool = which('promtool');
  it('promtool: its unit tests pass, and fail against a rule without its 5 minutes', (ctx) => {
    if (!promtool) return ctx.skip('promtool is not installed (Debian: apt-get install prometheus)');
    const ok = run(promtool, ['test', 'rules', deployPath('prometheus/alerts.test.yml')]);
    expect(ok.status, ok.output).toBe(0);
    // The same tests against a copy whose alert fires at once: the "not yet" case must catch it.
    const dir = tempDir('deploy-replicas-rules-');
    const rules = readYaml(alertsFile) as Obj;
    for (const g of at(rules, 'groups') as Obj[]) for (const r of at(g, 'rules') as Obj[]) if (r.alert === 'HybridTaskBelowReplicas') delete r.for;
    writeFileSync(join(dir, 'alerts.yml'), stringify(rules));
    writeFileSync(join(dir, 'alerts.test.yml'), readFileSync(deployPath('prometheus/alerts.test.yml'), 'utf8'));
    const broken = run(promtool, ['test', 'rules', join(dir, 'alerts.test.yml')]);
    expect(broken.status, broken.output).not.toBe(0);
    expect(broken.output).toContain('HybridTaskBelowReplicas');
  });

  it('the PrometheusRule carries it too', () => {
    const k8sRule = find(builds.base, 'PrometheusRule/hybrid');
    const rules = (at(k8sRule, 'spec', 'groups') as Obj[]).flatMap((g) => at(g, 'rules') as Obj[]);
    expect(rules.find((r) => r.alert === 'HybridTaskBelowReplicas')).toEqual(rule);
  });
});

describe('the dashboard’s replica panels', () => {
  const dashboard = JSON.parse(readFileSync(deployPath('grafana/dashboards/hybrid.json'), 'utf8')) as Obj;
  const panels = at(dashboard, 'panels') as Obj[];
  const exprs = (p: Obj) => ((p.targets ?? []) as Obj[]).map((t) => str(t.expr, `${String(p.title)} expr`));
  const panelsUsing = (metric: string) => panels.filter((p) => exprs(p).some((e) => promqlMetricNames(e).includes(metric)));

  it('a panel shows connected against configured replicas per task', () => {
    const both = panelsUsing('hybrid_task_replicas').filter((p) => panelsUsing('hybrid_task_replicas_configured').includes(p));
    expect(both.length).toBeGreaterThanOrEqual(1);
    const series = both.find((p) => p.type === 'timeseries')!;
    expect(series).toBeDefined();
    for (const e of exprs(series)) expect(e).toContain('task=~"$task"');
    expect(((series.targets ?? []) as Obj[]).map((t) => t.legendFormat)).toEqual(expect.arrayContaining(['{{task}} connected', '{{task}} configured']));
  });

  it('worker step time and samples per second are shown by task and replica', () => {
    for (const metric of ['hybrid_worker_step_duration_seconds_sum', 'hybrid_worker_samples_total']) {
      const byReplica = panelsUsing(metric).filter((p) => exprs(p).some((e) => /by \(task, replica\)/.test(e)));
      expect(byReplica.length, metric).toBeGreaterThanOrEqual(1);
      expect(((byReplica[0].targets as Obj[])[0].legendFormat as string) ?? '', metric).toContain('{{replica}}');
    }
  });

  it('has a replica variable over the workers’ replica label, and every panel query is valid PromQL (promtool)', (ctx) => {
    const variable = (at(dashboard, 'templating', 'list') as Obj[]).find((v) => v.name === 'replica');
    expect(variable).toBeDefined();
    expect(str(variable!.definition, 'replica variable')).toMatch(/^label_values\(hybrid_worker_samples_total\{[^}]*\}, replica\)$/);
    const promtool = which('promtool');
    if (!promtool) return ctx.skip('promtool is not installed: the queries were not checked');
    const dir = tempDir('deploy-replicas-dashboard-');
    const records = panels.flatMap(exprs).map((expr, i) => ({ record: `dashboard:query_${i}`, expr: grafanaToPromql(expr) }));
    writeFileSync(join(dir, 'rules.yml'), stringify({ groups: [{ name: 'dashboard', rules: records }] }));
    const r = run(promtool, ['check', 'rules', join(dir, 'rules.yml')]);
    expect(r.status, r.output).toBe(0);
  });

  it('panel ids stay unique and every panel fits the 24-column grid', () => {
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    for (const p of panels) {
      const g = p.gridPos as Obj;
      expect(isObj(g) && Number(g.x) + Number(g.w) <= 24, String(p.title)).toBe(true);
    }
  });
});
