// deploy/k8s: the kustomize base and the gpu overlay, built by the tests' small kustomize
// (test/support/deploy.ts: the features the files use, and nothing else: any other kustomization key
// fails the build) and, where kubectl is installed, compared with `kubectl kustomize`. Every object is
// validated against the Kubernetes and Prometheus Operator JSON schemas (kubernetes-models), and
// type-checked against the same models' TypeScript types, whose excess-property check catches misspelt
// fields the schemas let through. Then the wiring: ports, probes, volumes, the Secret, one worker pod
// per task. No cluster exists here: nothing is applied.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { PodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Service } from 'kubernetes-models/v1/Service';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { type Obj, applyJsonPatch, at, deployPath, flag, kustomizeBuild, objectKey, parseHybridCommand, readYaml, repoRoot, run, runWorkerPod, str, strings, which } from '../support/deploy.js';

const key = objectKey;
const byKey = (objects: Obj[]) => new Map(objects.map((o) => [key(o), o]));

const baseDir = deployPath('k8s/base');
const gpuDir = deployPath('k8s/overlays/gpu');
const builds = { base: kustomizeBuild(baseDir), gpu: kustomizeBuild(gpuDir) };

// ---- schemas ----------------------------------------------------------------------------------------

const MODELS: Record<string, { validate(obj: Obj): void; type: string; module: string }> = {
  'v1/ConfigMap': { validate: (o) => new ConfigMap(o).validate(), type: 'IConfigMap', module: 'kubernetes-models/v1/ConfigMap' },
  'v1/Service': { validate: (o) => new Service(o).validate(), type: 'IService', module: 'kubernetes-models/v1/Service' },
  'apps/v1/StatefulSet': { validate: (o) => new StatefulSet(o).validate(), type: 'IStatefulSet', module: 'kubernetes-models/apps/v1/StatefulSet' },
  'batch/v1/Job': { validate: (o) => new Job(o).validate(), type: 'IJob', module: 'kubernetes-models/batch/v1/Job' },
  'monitoring.coreos.com/v1/PodMonitor': {
    validate: (o) => new PodMonitor(o as never).validate(),
    type: 'IPodMonitor',
    module: '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor',
  },
  'monitoring.coreos.com/v1/PrometheusRule': {
    validate: (o) => new PrometheusRule(o as never).validate(),
    type: 'IPrometheusRule',
    module: '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule',
  },
};
const modelOf = (o: Obj) => {
  const m = MODELS[`${o.apiVersion}/${o.kind}`];
  if (!m) throw new Error(`${key(o)}: no schema for ${o.apiVersion} ${o.kind}`);
  return m;
};

/**
 * Type-checks every object against its kubernetes-models interface with tsc, one object a line, plus a
 * control object with a misspelt field that must be the only error. Returns tsc's errors by object.
 */
function typecheck(objects: { label: string; obj: Obj }[]): { errors: Map<string, string[]>; control: string[] } {
  const cache = join(repoRoot, 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(join(cache, 'deploy-k8s-'));
  try {
    const modules = [...new Set(objects.map((o) => modelOf(o.obj)).concat(MODELS['batch/v1/Job']))];
    const lines = modules.map((m) => `import type { ${m.type} } from '${m.module}';`);
    const labels = new Map<number, string>();
    objects.forEach(({ label, obj }, i) => {
      labels.set(lines.length + 1, label);
      lines.push(`export const o${i}: ${modelOf(obj).type} = ${JSON.stringify(obj)};`);
    });
    labels.set(lines.length + 1, 'control');
    lines.push(
      `export const control: IJob = ${JSON.stringify({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'c' }, spec: { template: { spec: { containers: [{ name: 'c', imagee: 'x' }] } } } })};`,
    );
    writeFileSync(join(dir, 'manifests.mts'), `${lines.join('\n')}\n`);
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', skipLibCheck: true, types: [] },
        files: ['manifests.mts'],
      }),
    );
    const result = run(process.execPath, [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.json')], { timeoutMs: 120_000 });
    const errors = new Map<string, string[]>();
    for (const m of result.output.matchAll(/manifests\.mts\((\d+),\d+\): error (TS\d+: [^\n]*)/g)) {
      const label = labels.get(Number(m[1])) ?? `line ${m[1]}`;
      errors.set(label, [...(errors.get(label) ?? []), m[2]]);
    }
    if (result.status !== 0 && errors.size === 0) throw new Error(`tsc failed without object errors:\n${result.output}`);
    const control = errors.get('control') ?? [];
    errors.delete('control');
    return { errors, control };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- accessors --------------------------------------------------------------------------------------

const get = (objects: Obj[], k: string): Obj => {
  const o = byKey(objects).get(k);
  if (!o) throw new Error(`no ${k} in the build`);
  return o;
};
const podSpec = (o: Obj) => at(o, 'spec', 'template', 'spec') as Obj;
const container = (o: Obj) => at(podSpec(o), 'containers', 0) as Obj;
const ports = (c: Obj) => new Map((at(c, 'ports') as Obj[]).map((p) => [str(p.name, 'port name'), Number(p.containerPort)]));
const mounts = (c: Obj) => (at(c, 'volumeMounts') as Obj[]).map((m) => ({ name: str(m.name, 'mount'), path: str(m.mountPath, 'mountPath') }));
const volume = (o: Obj, name: string) => (at(podSpec(o), 'volumes') as Obj[]).find((v) => v.name === name);
/** The mount that holds `path`, and the volume behind it. */
function mountOf(o: Obj, path: string): { name: string; path: string; volume: Obj | undefined } | undefined {
  const m = mounts(container(o))
    .filter((x) => path === x.path || path.startsWith(`${x.path}/`))
    .sort((a, b) => b.path.length - a.path.length)[0];
  return m && { ...m, volume: volume(o, m.name) };
}
const coordinatorCommand = (objects: Obj[]) => parseHybridCommand(strings(at(container(get(objects, 'StatefulSet/hybrid-coordinator')), 'args'), 'args'), 'coordinator StatefulSet');
const tasksOf = (objects: Obj[]) => {
  const config = JSON.parse(str(at(get(objects, 'ConfigMap/hybrid-config'), 'data', 'config.json'), 'config.json')) as Obj;
  return (at(config, 'tasks') as Obj[]).map((t) => str(t.name, 'task name'));
};

// ---- tests ------------------------------------------------------------------------------------------

describe("the tests' kustomize", () => {
  it('builds the base and the overlay with the expected objects', () => {
    const kinds = ['ConfigMap/hybrid-config', 'Service/hybrid-coordinator', 'StatefulSet/hybrid-coordinator', 'Job/hybrid-workers', 'PodMonitor/hybrid', 'PrometheusRule/hybrid'];
    expect([...byKey(builds.base).keys()].sort()).toEqual([...kinds].sort());
    expect([...byKey(builds.gpu).keys()].sort()).toEqual([...kinds].sort());
  });

  it('applies JSON 6902 patches, and refuses a failed test or a missing path', () => {
    const doc: Obj = { a: { b: [1, 2] }, c: 'x' };
    applyJsonPatch(
      doc,
      [
        { op: 'add', path: '/a/b/-', value: 3 },
        { op: 'replace', path: '/c', value: 'y' },
        { op: 'add', path: '/a/d~1e', value: 1 },
        { op: 'remove', path: '/a/b/0' },
      ],
      't',
    );
    expect(doc).toEqual({ a: { b: [2, 3], 'd/e': 1 }, c: 'y' });
    expect(() => applyJsonPatch(doc, [{ op: 'test', path: '/c', value: 'x' }], 't')).toThrow(/test \/c/);
    expect(() => applyJsonPatch(doc, [{ op: 'replace', path: '/zz', value: 1 }], 't')).toThrow(/nothing there/);
  });

  const kubectl = which('kubectl');
  for (const [name, dir] of [
    ['base', baseDir],
    ['gpu', gpuDir],
  ] as const) {
    it(`matches \`kubectl kustomize\` on ${name}`, (ctx) => {
      if (!kubectl) {
        ctx.skip("kubectl is not installed: the build is checked by the tests' kustomize alone");
        return;
      }
      const r = run(kubectl, ['kustomize', dir]);
      expect(r.status, r.output).toBe(0);
      const theirs = parseAllDocuments(r.output).map((d) => d.toJS() as Obj);
      const ours = byKey(builds[name]);
      expect(theirs.length).toBe(ours.size);
      for (const o of theirs) expect(o, key(o)).toEqual(ours.get(key(o)));
    });
  }
});

describe('Kubernetes schemas', () => {
  for (const name of ['base', 'gpu'] as const) {
    it(`every object of ${name} is valid against its JSON schema (kubernetes-models)`, () => {
      for (const o of builds[name]) expect(() => modelOf(o).validate(o), key(o)).not.toThrow();
    });
  }

  it('the JSON schema check refuses a wrong type', () => {
    const job = structuredClone(get(builds.base, 'Job/hybrid-workers'));
    (job.spec as Obj).completions = 'two';
    expect(() => modelOf(job).validate(job)).toThrow(/completions/);
  });

  it("every object type-checks against the models' types: no unknown or misspelt field (the control with one fails)", () => {
    const objects = (['base', 'gpu'] as const).flatMap((name) => builds[name].map((obj) => ({ label: `${name} ${key(obj)}`, obj })));
    const { errors, control } = typecheck(objects);
    expect(Object.fromEntries(errors)).toEqual({});
    expect(control.join('\n')).toMatch(/imagee/);
  });
});

describe('the coordinator', () => {
  const objects = builds.base;
  const sts = get(objects, 'StatefulSet/hybrid-coordinator');
  const c = container(sts);
  const cmd = coordinatorCommand(objects);

  it("is one replica, runs the image's entrypoint with a valid `hybrid coordinator` command line", () => {
    expect(at(sts, 'spec', 'replicas')).toBe(1);
    expect(c.command).toBeUndefined();
    expect(flag(cmd, '--host')).toBe('0.0.0.0');
    expect(cmd.flags.get('--resume')).toBe(true);
  });

  it('reads the run config from the ConfigMap', () => {
    const config = flag(cmd, '--config')!;
    const m = mountOf(sts, config);
    expect(at(m?.volume, 'configMap', 'name')).toBe('hybrid-config');
    expect(at(get(objects, 'ConfigMap/hybrid-config'), 'data', posix.relative(m!.path, config))).toBeTypeOf('string');
  });

  it('writes checkpoints and results to its PersistentVolumeClaim', () => {
    const claims = (at(sts, 'spec', 'volumeClaimTemplates') as Obj[]).map((t) => str(at(t, 'metadata', 'name'), 'claim'));
    for (const dir of [flag(cmd, '--checkpoint-dir')!, flag(cmd, '--out')!]) {
      const m = mountOf(sts, dir);
      expect(m, `a mount holding ${dir}`).toBeDefined();
      expect(claims, `${dir} is on a claim`).toContain(m!.name);
    }
    expect(flag(cmd, '--checkpoint-dir')).toBe('/var/lib/hybrid/checkpoints');
  });

  it('has liveness on /healthz and readiness on /readyz, on the metrics port', () => {
    const metricsPort = Number(flag(cmd, '--metrics-port'));
    expect(ports(c).get('metrics')).toBe(metricsPort);
    expect(ports(c).get('ws')).toBe(Number(flag(cmd, '--port')));
    expect(at(c, 'livenessProbe', 'httpGet')).toEqual({ path: '/healthz', port: 'metrics' });
    expect(at(c, 'readinessProbe', 'httpGet')).toEqual({ path: '/readyz', port: 'metrics' });
  });

  it("reads the token from the Secret, and runs as the image's non-root user", () => {
    const token = flag(cmd, '--token-file')!;
    const m = mountOf(sts, token);
    expect(at(m?.volume, 'secret', 'secretName')).toBe('hybrid-token');
    expect(posix.relative(m!.path, token)).toBe('token');
    expect(at(podSpec(sts), 'securityContext', 'runAsNonRoot')).toBe(true);
    const imageUser = /^USER (\d+)/m.exec(readFileSync(deployPath('Dockerfile'), 'utf8'))?.[1];
    expect(at(podSpec(sts), 'securityContext', 'runAsUser')).toBe(Number(imageUser));
  });

  it('is reached through a Service that selects it by its named ports', () => {
    const svc = get(objects, 'Service/hybrid-coordinator');
    expect(at(sts, 'spec', 'serviceName')).toBe('hybrid-coordinator');
    const podLabels = at(sts, 'spec', 'template', 'metadata', 'labels') as Obj;
    expect(podLabels).toMatchObject(at(svc, 'spec', 'selector') as Obj);
    expect(podLabels).toMatchObject(at(sts, 'spec', 'selector', 'matchLabels') as Obj);
    for (const p of at(svc, 'spec', 'ports') as Obj[]) expect(ports(c).has(str(p.targetPort, 'targetPort'))).toBe(true);
  });
});

describe('the workers', () => {
  for (const [name, backend] of [
    ['base', 'wasm'],
    ['gpu', 'tensorflow-gpu'],
  ] as const) {
    const objects = builds[name];
    it(`${name}: an Indexed Job with one pod per task of the ConfigMap's config`, () => {
      const job = get(objects, 'Job/hybrid-workers');
      const tasks = tasksOf(objects);
      expect(tasks.length).toBeGreaterThanOrEqual(2);
      expect(at(job, 'spec', 'completionMode')).toBe('Indexed');
      expect(at(job, 'spec', 'completions')).toBe(tasks.length);
      expect(at(job, 'spec', 'parallelism')).toBe(tasks.length);
      expect(at(podSpec(job), 'restartPolicy')).toBe('OnFailure');
    });

    it(`${name}: pod i runs \`hybrid worker --task tasks[i]\` against the coordinator Service, backend ${backend}`, () => {
      const job = get(objects, 'Job/hybrid-workers');
      const c = container(job);
      const coordinator = coordinatorCommand(objects);
      const svc = get(objects, 'Service/hybrid-coordinator');
      const wsPort = (at(svc, 'spec', 'ports') as Obj[]).find((p) => p.name === 'ws')!.port;
      expect(wsPort).toBe(Number(flag(coordinator, '--port')));
      const tokenName = at(mountOf(get(objects, 'StatefulSet/hybrid-coordinator'), flag(coordinator, '--token-file')!)?.volume, 'secret', 'secretName');
      tasksOf(objects).forEach((task, i) => {
        const r = runWorkerPod(objects, i);
        expect(r.status, r.output).toBe(0);
        const w = r.command!;
        expect(w.command).toBe('worker');
        expect(flag(w, '--task')).toBe(task);
        expect(flag(w, '--coordinator')).toBe(`ws://${at(svc, 'metadata', 'name')}:${wsPort}`);
        expect(flag(w, '--backend')).toBe(backend);
        expect(Number(flag(w, '--metrics-port'))).toBe(ports(c).get('metrics'));
        const m = mountOf(job, flag(w, '--token-file')!);
        expect(at(m?.volume, 'secret', 'secretName')).toBe(tokenName);
      });
      expect(at(c, 'livenessProbe', 'httpGet')).toEqual({ path: '/healthz', port: 'metrics' });
    });
  }

  it('a pod index past the task list fails, saying what to fix', () => {
    const n = tasksOf(builds.base).length;
    const r = runWorkerPod(builds.base, n);
    expect(r.status).not.toBe(0);
    expect(r.argv).toEqual([]);
    expect(r.output).toContain(`no task at index "${n}"`);
    expect(r.output).toContain(`set the Job completions and parallelism to ${n}`);
  });
});

describe('the gpu overlay', () => {
  it('gives each worker one nvidia.com/gpu on the GPU image, and changes nothing else', () => {
    const job = get(builds.gpu, 'Job/hybrid-workers');
    const c = container(job);
    expect(Number(at(c, 'resources', 'limits', 'nvidia.com/gpu'))).toBeGreaterThanOrEqual(1);
    expect(c.image).toBe('hybrid:gpu');
    expect(str(container(get(builds.base, 'Job/hybrid-workers')).image, 'image')).toBe('hybrid:cpu');
    expect((at(podSpec(job), 'tolerations') as Obj[]).some((t) => t.key === 'nvidia.com/gpu')).toBe(true);
    const base = byKey(builds.base);
    for (const o of builds.gpu) if (key(o) !== 'Job/hybrid-workers') expect(o, key(o)).toEqual(base.get(key(o)));
  });
});

describe('Prometheus Operator objects', () => {
  it('the PodMonitor selects the coordinator and worker pods, on their `metrics` ports', () => {
    const pm = get(builds.base, 'PodMonitor/hybrid');
    const selector = at(pm, 'spec', 'selector', 'matchLabels') as Obj;
    const endpoints = at(pm, 'spec', 'podMetricsEndpoints') as Obj[];
    for (const k of ['StatefulSet/hybrid-coordinator', 'Job/hybrid-workers']) {
      const o = get(builds.base, k);
      expect(at(o, 'spec', 'template', 'metadata', 'labels'), k).toMatchObject(selector);
      for (const e of endpoints) expect(ports(container(o)).has(str(e.port, 'port')), `${k} has port ${e.port}`).toBe(true);
    }
    expect(endpoints.map((e) => e.path)).toEqual(['/metrics']);
  });

  it('the PrometheusRule holds exactly the groups of deploy/prometheus/alerts.yml', () => {
    const rule = get(builds.base, 'PrometheusRule/hybrid');
    expect(at(rule, 'spec', 'groups')).toEqual(at(readYaml(deployPath('prometheus/alerts.yml')), 'groups'));
  });
});
