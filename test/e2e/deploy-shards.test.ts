// W over K coordinator shards in the deploy files (docs/shards.md): the Kubernetes shards overlay (the
// coordinator StatefulSet with K pods behind its headless Service, pod I running `hybrid coordinator
// --shard I/K --shards LIST` from its start script, run here with stub `tini` and `hybrid` as each pod
// would run it; the workers at shard 0), the HybridShardLinkDown alert and its promtool tests, and the
// dashboard: panels that show every shard side by side, and panels over the run as a whole that do not
// count a shard's copy of the lead's series twice (promtool evaluates them on the series of a run of two
// shards and of one coordinator). Slurm's side is in deploy-slurm.test.ts.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Service } from 'kubernetes-models/v1/Service';
import { PodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { parseAllDocuments, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../config/load.js';
import { runContext } from '../../coordinator/run-context.js';
import {
  type Obj,
  at,
  containerScript,
  deployPath,
  flag,
  grafanaToPromql,
  kustomizeBuild,
  parseHybridCommand,
  promqlMetricNames,
  readYaml,
  repoRoot,
  run,
  runCoordinatorPod,
  runWorkerPod,
  shardAddresses,
  shardOf,
  str,
  strings,
  which,
  findObject,
  objectKey,
  scratchDirs,
} from '../support/deploy.js';

const tempDir = scratchDirs();
const key = objectKey;
const find = findObject;
const podSpec = (o: Obj) => at(o, 'spec', 'template', 'spec') as Obj;
const container = (o: Obj) => at(podSpec(o), 'containers', 0) as Obj;
const envValue = (c: Obj, name: string) => ((c.env ?? []) as Obj[]).find((e) => e.name === name)?.value;

const overlayDir = deployPath('k8s/overlays/shards');
const base = kustomizeBuild(deployPath('k8s/base'));
const shards = kustomizeBuild(overlayDir);
const sts = find(shards, 'StatefulSet/hybrid-coordinator');
const svc = find(shards, 'Service/hybrid-coordinator');
const K = Number(at(sts, 'spec', 'replicas'));
const wsPort = Number((at(svc, 'spec', 'ports') as Obj[]).find((p) => p.name === 'ws')!.port);
/** Every shard's address as the workers reach it: pod I of the StatefulSet through the headless Service. */
const addresses = Array.from({ length: K }, (_, i) => `ws://${str(at(sts, 'metadata', 'name'), 'name')}-${i}.${str(at(svc, 'metadata', 'name'), 'name')}:${wsPort}`);
const baseCoordinator = parseHybridCommand(strings(at(container(find(base, 'StatefulSet/hybrid-coordinator')), 'args'), 'args'), 'base coordinator');

describe('the shards overlay: kustomize', () => {
  it("builds with the tests' kustomize: the base's objects, every one valid against its JSON schema (kubernetes-models)", () => {
    expect(shards.map(key).sort()).toEqual(base.map(key).sort());
    const validate: Record<string, (o: Obj) => void> = {
      ConfigMap: (o) => new ConfigMap(o).validate(),
      Service: (o) => new Service(o).validate(),
      StatefulSet: (o) => new StatefulSet(o).validate(),
      Job: (o) => new Job(o).validate(),
      PodMonitor: (o) => new PodMonitor(o as never).validate(),
      PrometheusRule: (o) => new PrometheusRule(o as never).validate(),
    };
    for (const o of shards) expect(() => validate[String(o.kind)](o), key(o)).not.toThrow();
  });

  it('matches `kubectl kustomize`', (ctx) => {
    const kubectl = which('kubectl');
    if (!kubectl) return ctx.skip("kubectl is not installed: the build is checked by the tests' kustomize alone");
    const r = run(kubectl, ['kustomize', overlayDir]);
    expect(r.status, r.output).toBe(0);
    const theirs = parseAllDocuments(r.output).map((d) => d.toJS() as Obj);
    expect(theirs.map(key).sort()).toEqual(shards.map(key).sort());
    for (const o of theirs) expect(o, key(o)).toEqual(find(shards, key(o)));
  });

  it("type-checks against kubernetes-models' types: no unknown or misspelt field (a control with one fails)", () => {
    const cache = join(repoRoot, 'node_modules', '.cache');
    mkdirSync(cache, { recursive: true });
    const dir = tempDir('deploy-shards-', cache);
    const types = {
      StatefulSet: ['IStatefulSet', 'kubernetes-models/apps/v1/StatefulSet'],
      Service: ['IService', 'kubernetes-models/v1/Service'],
      Job: ['IJob', 'kubernetes-models/batch/v1/Job'],
    };
    const checked = shards.filter((o) => String(o.kind) in types);
    const lines = Object.values(types).map(([type, module]) => `import type { ${type} } from '${module}';`);
    const first = lines.length + 1;
    checked.forEach((o, i) => lines.push(`export const o${i}: ${types[o.kind as keyof typeof types][0]} = ${JSON.stringify(o)};`));
    const control = structuredClone(svc);
    (control.spec as Obj).publishNotReadyAddress = true;
    lines.push(`export const control: IService = ${JSON.stringify(control)};`);
    writeFileSync(join(dir, 'manifests.mts'), `${lines.join('\n')}\n`);
    const compilerOptions = { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', skipLibCheck: true, types: [] };
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['manifests.mts'] }));
    const r = run(process.execPath, [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.json')], { timeoutMs: 120_000 });
    const errors = [...r.output.matchAll(/manifests\.mts\((\d+),\d+\): error (TS\d+: [^\n]*)/g)].map((m) => ({ line: Number(m[1]), error: m[2] }));
    const controlLine = first + checked.length;
    expect(errors.filter((e) => e.line !== controlLine).map((e) => `${key(checked[e.line - first])}: ${e.error}`)).toEqual([]);
    expect(errors.filter((e) => e.line === controlLine).map((e) => e.error)).toEqual([expect.stringMatching(/publishNotReadyAddress/)]);
  });
});

describe('the shards overlay: the coordinator StatefulSet', () => {
  const c = container(sts);

  it(`runs K = ${K} pods (at least 2), started together, and says where K lives: replicas and HYBRID_SHARDS agree`, () => {
    expect(K).toBeGreaterThanOrEqual(2);
    expect(envValue(c, 'HYBRID_SHARDS')).toBe(String(K));
    expect(at(sts, 'spec', 'podManagementPolicy')).toBe('Parallel');
    const text = readFileSync(join(overlayDir, 'kustomization.yaml'), 'utf8');
    expect(text).toContain(`replicas (here ${K})`);
    expect(text).toContain(`HYBRID_SHARDS environment variable (here "${K}")`);
  });

  it('behind a headless Service that publishes pods before they are ready, so hybrid-coordinator-I.hybrid-coordinator resolves while a follower waits for the lead', () => {
    expect(at(svc, 'spec', 'clusterIP')).toBe('None');
    expect(at(svc, 'spec', 'publishNotReadyAddresses')).toBe(true);
    expect(at(sts, 'spec', 'serviceName')).toBe(at(svc, 'metadata', 'name'));
    expect(envValue(c, 'HYBRID_SERVICE')).toBe(at(svc, 'metadata', 'name'));
    expect(at(sts, 'spec', 'template', 'metadata', 'labels')).toMatchObject(at(svc, 'spec', 'selector') as Obj);
    const ports = new Map((at(c, 'ports') as Obj[]).map((p) => [p.name, Number(p.containerPort)]));
    expect(ports.get('ws')).toBe(wsPort);
  });

  it("learns its shard from the pod's name (downward API), and gives each pod a claim of its own for its checkpoints", () => {
    const pod = ((c.env ?? []) as Obj[]).find((e) => e.valueFrom !== undefined);
    expect(at(pod, 'valueFrom', 'fieldRef', 'fieldPath')).toBe('metadata.name');
    const claims = (at(sts, 'spec', 'volumeClaimTemplates') as Obj[]).map((t) => str(at(t, 'metadata', 'name'), 'claim'));
    const mounts = (at(c, 'volumeMounts') as Obj[]).filter((m) => claims.includes(str(m.name, 'mount')));
    expect(mounts.length).toBe(1);
    const r = runCoordinatorPod(shards, 1);
    expect(r.status, r.output).toBe(0);
    const dir = flag(r.command!, '--checkpoint-dir')!;
    expect(posix.relative(str(mounts[0].mountPath, 'mountPath'), dir).startsWith('..')).toBe(false);
  });

  it(`pod I runs \`hybrid coordinator --shard I/${K}\`, every pod with the same --shards list (pod 0's address first) and otherwise the base's command line`, () => {
    const lists: string[][] = [];
    for (let i = 0; i < K; i++) {
      const r = runCoordinatorPod(shards, i);
      expect(r.status, r.output).toBe(0);
      const cmd = r.command!;
      expect(cmd.command).toBe('coordinator');
      expect(shardOf(cmd)).toEqual({ index: i, count: K });
      lists.push(shardAddresses(cmd));
      expect(cmd.flags.get('--resume')).toBe(true);
      expect(r.output).toContain(`pod hybrid-coordinator-${i} is shard ${i} of ${K}`);
      // Every flag of the base coordinator, with its value; nothing else but --shard and --shards.
      for (const [name, value] of baseCoordinator.flags) expect(cmd.flags.get(name), name).toBe(value);
      expect([...cmd.flags.keys()].filter((n) => !baseCoordinator.flags.has(n)).sort()).toEqual(['--shard', '--shards']);
    }
    for (const list of lists) expect(list).toEqual(addresses);
    expect(addresses[0]).toBe(`ws://hybrid-coordinator-0.hybrid-coordinator:${wsPort}`);
  });

  it('a pod past HYBRID_SHARDS, or a HYBRID_SHARDS that is not a whole number >= 1, fails saying what to fix', () => {
    const past = runCoordinatorPod(shards, K);
    expect(past.status).not.toBe(0);
    expect(past.argv).toEqual([]);
    expect(past.output).toContain(`pod hybrid-coordinator-${K} is shard ${K}, but HYBRID_SHARDS is ${K}: set the StatefulSet's replicas and HYBRID_SHARDS to the same number of shards`);
    for (const bad of ['0', 'two', '', '-1']) {
      const r = runCoordinatorPod(shards, 0, { HYBRID_SHARDS: bad });
      expect(r.status, `HYBRID_SHARDS=${JSON.stringify(bad)}`).not.toBe(0);
      expect(r.argv).toEqual([]);
      expect(r.output).toContain(`HYBRID_SHARDS is "${bad}", not a whole number >= 1`);
    }
    // Another K: the list follows HYBRID_SHARDS.
    const three = runCoordinatorPod(shards, 2, { HYBRID_SHARDS: '3' });
    expect(three.status, three.output).toBe(0);
    expect(shardOf(three.command!)).toEqual({ index: 2, count: 3 });
    expect(shardAddresses(three.command!)).toEqual([0, 1, 2].map((i) => `ws://hybrid-coordinator-${i}.hybrid-coordinator:${wsPort}`));
  });

  it('its start script passes shellcheck (POSIX sh)', (ctx) => {
    const shellcheck = which('shellcheck');
    if (!shellcheck) return ctx.skip('shellcheck is not installed (Debian: apt-get install shellcheck)');
    const { shell, script } = containerScript(c, 'the coordinator container');
    expect(shell).toBe('/bin/sh');
    const file = join(tempDir('deploy-shards-sh-'), 'coordinator.sh');
    writeFileSync(file, `#!/bin/sh\n${script}`);
    const r = run(shellcheck, ['-s', 'sh', file]);
    expect(r.status, r.output).toBe(0);
  });
});

describe('the shards overlay: workers and run config', () => {
  it('every worker pod connects to shard 0, the lead, and the Job still has one pod per task', () => {
    const config = JSON.parse(str(at(find(shards, 'ConfigMap/hybrid-config'), 'data', 'config.json'), 'config.json')) as Obj;
    const tasks = (at(config, 'tasks') as Obj[]).map((t) => str(t.name, 'task'));
    const job = find(shards, 'Job/hybrid-workers');
    expect(at(job, 'spec', 'completions')).toBe(tasks.length);
    tasks.forEach((task, i) => {
      const r = runWorkerPod(shards, i);
      expect(r.status, r.output).toBe(0);
      expect(flag(r.command!, '--task')).toBe(task);
      expect(flag(r.command!, '--coordinator')).toBe(addresses[0]);
      expect(r.command!.flags.has('--replica')).toBe(false);
    });
  });

  it(`its run config can be split over ${K} shards (sync, one worker per task, weighted_sum, keep_checkpoints >= 2), which the coordinator checks`, () => {
    const raw = JSON.parse(str(at(find(shards, 'ConfigMap/hybrid-config'), 'data', 'config.json'), 'config.json')) as Obj;
    const config = parseRunConfig(raw, 'deploy/k8s/overlays/shards config.json');
    const log = () => undefined;
    expect(runContext(config, { log, shard: { index: 0, addresses } }).shard.plan.shards).toBe(K);
    // The check is real: a task with two replicas is refused.
    const replicated = structuredClone(raw);
    (at(replicated, 'tasks', 0) as Obj).replicas = 2;
    expect(() => runContext(parseRunConfig(replicated, 'replicated'), { log, shard: { index: 0, addresses } })).toThrow(/one worker per task/);
  });

  it('changes only the coordinator StatefulSet, its Service and the workers’ coordinator address', () => {
    for (const o of shards) {
      const b = find(base, key(o));
      if (key(o) === 'StatefulSet/hybrid-coordinator') {
        const strip = (s: Obj) => {
          const copy = structuredClone(s);
          delete (copy.spec as Obj).replicas;
          delete (copy.spec as Obj).podManagementPolicy;
          const cc = container(copy);
          for (const k of ['command', 'args', 'env']) delete cc[k];
          return copy;
        };
        expect(strip(o)).toEqual(strip(b));
      } else if (key(o) === 'Service/hybrid-coordinator') {
        const copy = structuredClone(o);
        delete (copy.spec as Obj).publishNotReadyAddresses;
        expect(copy).toEqual(b);
      } else if (key(o) === 'Job/hybrid-workers') {
        const copy = structuredClone(o);
        const env = container(copy).env as Obj[];
        const i = env.findIndex((e) => e.name === 'HYBRID_COORDINATOR');
        expect(env[i].value).toBe(addresses[0]);
        env[i].value = envValue(container(b), 'HYBRID_COORDINATOR');
        expect(copy).toEqual(b);
      } else {
        expect(o, key(o)).toEqual(b);
      }
    }
  });
});

// ---- monitoring -------------------------------------------------------------------------------------

const alertsFile = deployPath('prometheus/alerts.yml');
const ALERT = 'HybridShardLinkDown';
const rule = (at(readYaml(alertsFile), 'groups') as Obj[]).flatMap((g) => at(g, 'rules') as Obj[]).find((r) => r.alert === ALERT);

describe('the HybridShardLinkDown alert', () => {
  it('fires on hybrid_shard_link_up == 0 for 2m, severity critical, naming the follower', () => {
    expect(rule).toBeDefined();
    expect(str(rule!.expr, 'expr').replace(/\s+/g, ' ')).toBe('hybrid_shard_link_up == 0');
    expect(rule!.for).toBe('2m');
    expect(at(rule, 'labels', 'severity')).toBe('critical');
    expect(str(at(rule, 'annotations', 'summary'), 'summary')).toContain('{{ $labels.follower }}');
  });

  it('has unit tests in alerts.test.yml that expect it both firing and not firing', () => {
    const tests = at(readYaml(deployPath('prometheus/alerts.test.yml')), 'tests') as Obj[];
    const cases = tests.flatMap((t) => at(t, 'alert_rule_test') as Obj[]).filter((c) => c.alertname === ALERT);
    expect(cases.some((c) => (c.exp_alerts as unknown[]).length === 0)).toBe(true);
    expect(cases.some((c) => (c.exp_alerts as unknown[]).length > 0)).toBe(true);
  });

  it('promtool: its unit tests pass, and fail against a rule without its 2 minutes or on the wrong value', (ctx) => {
    const promtool = which('promtool');
    if (!promtool) return ctx.skip('promtool is not installed (Debian: apt-get install prometheus)');
    const ok = run(promtool, ['test', 'rules', deployPath('prometheus/alerts.test.yml')]);
    expect(ok.status, ok.output).toBe(0);
    for (const [what, change] of [
      ['without its 2 minutes', (r: Obj) => delete r.for],
      ['firing on a link that is up', (r: Obj) => (r.expr = 'hybrid_shard_link_up == 1')],
    ] as const) {
      const dir = tempDir('deploy-shards-rules-');
      const rules = readYaml(alertsFile) as Obj;
      for (const g of at(rules, 'groups') as Obj[]) for (const r of at(g, 'rules') as Obj[]) if (r.alert === ALERT) change(r);
      writeFileSync(join(dir, 'alerts.yml'), stringify(rules));
      writeFileSync(join(dir, 'alerts.test.yml'), readFileSync(deployPath('prometheus/alerts.test.yml'), 'utf8'));
      const broken = run(promtool, ['test', 'rules', join(dir, 'alerts.test.yml')]);
      expect(broken.status, what).not.toBe(0);
      expect(broken.output, what).toContain(ALERT);
    }
  });

  it('the PrometheusRule carries it too', () => {
    const rules = (at(find(base, 'PrometheusRule/hybrid'), 'spec', 'groups') as Obj[]).flatMap((g) => at(g, 'rules') as Obj[]);
    expect(rules.find((r) => r.alert === ALERT)).toEqual(rule);
  });
});

describe('the dashboard over several shards', () => {
  const dashboard = JSON.parse(readFileSync(deployPath('grafana/dashboards/hybrid.json'), 'utf8')) as Obj;
  const panels = at(dashboard, 'panels') as Obj[];
  const targets = (p: Obj) => (p.targets ?? []) as Obj[];
  const exprs = (p: Obj) => targets(p).map((t) => str(t.expr, `${String(p.title)} expr`));
  const panel = (title: string) => {
    const p = panels.find((x) => x.title === title);
    if (!p) throw new Error(`no panel "${title}"`);
    return p;
  };
  /** Panels with a query of each of `metrics` grouped by shard, and a legend naming the shard. */
  const byShard = (metrics: string[]) =>
    panels.filter((p) =>
      metrics.every((m) => targets(p).some((t) => promqlMetricNames(str(t.expr, 'expr')).includes(m) && /by \(shard\)/.test(str(t.expr, 'expr')) && String(t.legendFormat).includes('{{shard}}'))),
    );

  it('shows every shard side by side: round time, bytes received and sent, process CPU and the shared version', () => {
    expect(byShard(['hybrid_round_duration_seconds_sum', 'hybrid_round_duration_seconds_count']).length).toBeGreaterThanOrEqual(1);
    expect(byShard(['hybrid_bytes_received_total', 'hybrid_bytes_sent_total']).length).toBeGreaterThanOrEqual(1);
    expect(byShard(['process_cpu_seconds_total']).length).toBeGreaterThanOrEqual(1);
    expect(byShard(['hybrid_shared_version']).length).toBeGreaterThanOrEqual(1);
  });

  it('shows the shard links, each follower’s, and how many are down', () => {
    const links = panels.filter((p) => exprs(p).some((e) => promqlMetricNames(e).includes('hybrid_shard_link_up')));
    expect(links.some((p) => p.type === 'timeseries' && targets(p).some((t) => String(t.legendFormat).includes('{{follower}}')))).toBe(true);
    expect(links.some((p) => p.type === 'stat' && exprs(p).some((e) => /hybrid_shard_link_up == 0/.test(e) && /or vector\(0\)/.test(e)))).toBe(true);
  });

  // Series every shard exports but only the lead (or the one coordinator) holds the run's value of: the
  // tasks' (a follower's stay NaN or 0), the workers connected (each worker joins every shard) and the
  // rounds (every shard counts each round). Outside the by-shard panels they are read from the lead.
  const LEAD_ONLY = [
    'hybrid_workers_connected',
    'hybrid_rounds_total',
    'hybrid_task_loss',
    'hybrid_task_accuracy',
    'hybrid_task_samples_total',
    'hybrid_stragglers_total',
    'hybrid_task_sparse_density',
    'hybrid_task_weight',
    'hybrid_task_replicas',
    'hybrid_task_replicas_configured',
    'hybrid_round_duration_seconds_bucket',
    'hybrid_round_duration_seconds_sum',
    'hybrid_round_duration_seconds_count',
  ];
  it('reads the lead\'s copy (shard=~"0|": shard 0, or no shard label at all) of every series a sum over shards would count K times', () => {
    let seen = 0;
    for (const p of panels) {
      for (const e of exprs(p)) {
        if (/by \(shard\)/.test(e)) continue;
        for (const m of e.matchAll(/\b([a-z_:][a-z0-9_:]*)\s*(\{[^}]*\})?/g)) {
          if (!LEAD_ONLY.includes(m[1])) continue;
          seen++;
          expect(m[2] ?? '', `${String(p.title)}: ${m[1]} in ${e}`).toContain('shard=~"0|"');
        }
      }
    }
    expect(seen).toBeGreaterThanOrEqual(LEAD_ONLY.length);
  });

  /** One panel's query, with Grafana's variables filled in as promtool needs them. */
  const query = (title: string, ref = 'A') => grafanaToPromql(str(targets(panel(title)).find((t) => t.refId === ref)!.expr, `${title} ${ref}`));
  const series = (labels: string) => `{job="hybrid-coordinator", ${labels}}`;

  it('promtool: over two shards the run-wide panels count the lead once and the by-shard panels give each shard; over one coordinator the run-wide ones are unchanged', (ctx) => {
    const promtool = which('promtool');
    if (!promtool) return ctx.skip('promtool is not installed (Debian: apt-get install prometheus)');
    const lead = 'instance="hybrid-coordinator-0:9400", shard="0"';
    const follower = 'instance="hybrid-coordinator-1:9400", shard="1"';
    const single = 'instance="coordinator:9400"';
    const worker = '{job="hybrid-worker", instance="worker:9401", task="digits"}';
    // promtool compares exactly, and rate() extrapolates in floating point: compare thousandths, rounded.
    const at10m = (expr: string, samples: { labels: string; value: number }[]) => ({
      expr: `round(1000 * (${expr}))`,
      eval_time: '10m',
      exp_samples: samples.map((x) => ({ ...x, value: Math.round(1000 * x.value) })),
    });
    const sharded = {
      interval: '1m',
      input_series: [
        { series: `hybrid_workers_connected${series(lead)}`, values: '2x20' },
        { series: `hybrid_workers_connected${series(follower)}`, values: '2x20' },
        { series: `hybrid_rounds_total${series(lead)}`, values: '0+10x20' },
        { series: `hybrid_rounds_total${series(follower)}`, values: '0+10x20' },
        { series: `hybrid_task_loss${series(`${lead}, task="digits"`)}`, values: '0.5x20' },
        { series: `hybrid_task_loss${series(`${follower}, task="digits"`)}`, values: Array<string>(21).fill('NaN').join(' ') },
        { series: `hybrid_task_samples_total${series(`${lead}, task="digits"`)}`, values: '0+600x20' },
        { series: `hybrid_task_samples_total${series(`${follower}, task="digits"`)}`, values: '0x20' },
        { series: `hybrid_shared_version${series(lead)}`, values: '0+10x20' },
        { series: `hybrid_shared_version${series(follower)}`, values: '0+10x20' },
        { series: `hybrid_round_duration_seconds_sum${series(lead)}`, values: '0+6x20' },
        { series: `hybrid_round_duration_seconds_count${series(lead)}`, values: '0+10x20' },
        { series: `hybrid_round_duration_seconds_sum${series(follower)}`, values: '0+3x20' },
        { series: `hybrid_round_duration_seconds_count${series(follower)}`, values: '0+10x20' },
        { series: `hybrid_bytes_received_total${series(lead)}`, values: '0+6000x20' },
        { series: `hybrid_bytes_received_total${series(follower)}`, values: '0+3000x20' },
        { series: `hybrid_bytes_sent_total${series(lead)}`, values: '0+12000x20' },
        { series: `hybrid_bytes_sent_total${series(follower)}`, values: '0+9000x20' },
        { series: `process_cpu_seconds_total${series(lead)}`, values: '0+30x20' },
        { series: `process_cpu_seconds_total${series(follower)}`, values: '0+15x20' },
        { series: `process_cpu_seconds_total${worker}`, values: '0+60x20' },
        { series: `hybrid_shard_link_up${series(`${lead}, follower="1"`)}`, values: '1x20' },
      ],
      promql_expr_test: [
        at10m(query('Workers connected'), [{ labels: '{}', value: 2 }]),
        at10m(query('Rounds per minute'), [{ labels: '{}', value: 10 }]),
        at10m(query('Loss per task'), [{ labels: series(`${lead}, task="digits"`), value: 0.5 }]),
        at10m(query('Samples per second per task'), [{ labels: '{task="digits"}', value: 10 }]),
        at10m(query('Round duration', 'C'), [{ labels: '{}', value: 0.6 }]),
        at10m(query('Bytes per second', 'A'), [{ labels: '{}', value: 150 }]),
        at10m(query('Round time by shard'), [
          { labels: '{shard="0"}', value: 0.6 },
          { labels: '{shard="1"}', value: 0.3 },
        ]),
        at10m(query('Bytes per second by shard', 'A'), [
          { labels: '{shard="0"}', value: 100 },
          { labels: '{shard="1"}', value: 50 },
        ]),
        at10m(query('Bytes per second by shard', 'B'), [
          { labels: '{shard="0"}', value: 200 },
          { labels: '{shard="1"}', value: 150 },
        ]),
        at10m(query('Coordinator CPU by shard'), [
          { labels: '{shard="0"}', value: 0.5 },
          { labels: '{shard="1"}', value: 0.25 },
        ]),
        at10m(query('Shared version by shard'), [
          { labels: '{shard="0"}', value: 100 },
          { labels: '{shard="1"}', value: 100 },
        ]),
        at10m(query('Shard links down'), [{ labels: '{}', value: 0 }]),
        at10m(query('Shard links: lead to each follower'), [{ labels: '{follower="1"}', value: 1 }]),
      ],
    };
    const one = {
      interval: '1m',
      input_series: [
        { series: `hybrid_workers_connected${series(single)}`, values: '2x20' },
        { series: `hybrid_rounds_total${series(single)}`, values: '0+10x20' },
        { series: `hybrid_task_loss${series(`${single}, task="digits"`)}`, values: '0.5x20' },
        { series: `process_cpu_seconds_total${series(single)}`, values: '0+30x20' },
        { series: `hybrid_shared_version${series(single)}`, values: '0+10x20' },
      ],
      promql_expr_test: [
        at10m(query('Workers connected'), [{ labels: '{}', value: 2 }]),
        at10m(query('Rounds per minute'), [{ labels: '{}', value: 10 }]),
        at10m(query('Loss per task'), [{ labels: series(`${single}, task="digits"`), value: 0.5 }]),
        // The by-shard panels stay empty, and no link is down.
        at10m(query('Coordinator CPU by shard'), []),
        at10m(query('Shared version by shard'), []),
        at10m(query('Shard links down'), [{ labels: '{}', value: 0 }]),
      ],
    };
    const dir = tempDir('deploy-shards-dashboard-');
    writeFileSync(join(dir, 'empty.yml'), stringify({ groups: [] }));
    const file = join(dir, 'dashboard.test.yml');
    writeFileSync(file, stringify({ rule_files: ['empty.yml'], evaluation_interval: '1m', tests: [sharded, one] }));
    const r = run(promtool, ['test', 'rules', file]);
    expect(r.status, r.output).toBe(0);
    // The same checks against sums over every shard fail: the lead filter is what keeps them right.
    const unfiltered = { ...sharded, promql_expr_test: sharded.promql_expr_test.slice(0, 2).map((t) => ({ ...t, expr: t.expr.replace(/\{shard=~"0\|"\}/g, '') })) };
    writeFileSync(file, stringify({ rule_files: ['empty.yml'], evaluation_interval: '1m', tests: [unfiltered] }));
    const wrong = run(promtool, ['test', 'rules', file]);
    expect(wrong.status, wrong.output).not.toBe(0);
    // Each worker counted once a shard, each round once a shard.
    expect(wrong.output).toMatch(/sum\(hybrid_workers_connected\)\)\)[^]*got: \{\} 4E\+03/);
    expect(wrong.output).toMatch(/hybrid_rounds_total\[5m\][^]*got: \{\} 2E\+04/);
  });
});
