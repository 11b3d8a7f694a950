// The deploy files as files: every YAML and JSON parses, and the facts the other deploy suites rely on
// (the CLI's flags, the metric names docs/architecture.md lists) agree with the code and the docs.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { architectureDoc, CLI, DESIGN_METRICS, deployDir, flag, listFiles, parseHybridCommand, readYamlDocuments, rel, repoRoot, run, section7Metrics } from '../support/deploy.js';

describe('deploy files parse', () => {
  it('every YAML file under deploy/ parses, with no duplicate keys', () => {
    const files = listFiles(deployDir, (n) => /\.ya?ml$/.test(n));
    // compose, prometheus (3), grafana provisioning (2), kustomize base (6) and overlays (gpu, replicas).
    expect(files.length).toBeGreaterThanOrEqual(14);
    for (const file of files) {
      const docs = readYamlDocuments(file);
      expect(docs.length, rel(file)).toBeGreaterThan(0);
    }
  });

  it('the YAML reader refuses duplicate keys and broken syntax', () => {
    const dir = mkdtempSync(join(tmpdir(), 'deploy-files-'));
    const tmp = join(dir, 'broken.yaml');
    writeFileSync(tmp, 'a: 1\na: 2\n');
    expect(() => readYamlDocuments(tmp)).toThrow(/broken\.yaml/);
    writeFileSync(tmp, 'a: [1, 2\n');
    expect(() => readYamlDocuments(tmp)).toThrow(/broken\.yaml/);
    rmSync(dir, { recursive: true, force: true });
  });

  it('every JSON file under deploy/ parses, and the k8s run config is examples/quick.json', () => {
    const files = listFiles(deployDir, (n) => n.endsWith('.json'));
    expect(files.map(rel)).toEqual(expect.arrayContaining(['deploy/grafana/dashboards/hybrid.json', 'deploy/k8s/base/config.json']));
    for (const file of files) expect(() => JSON.parse(readFileSync(file, 'utf8')), rel(file)).not.toThrow();
    const k8sConfig = JSON.parse(readFileSync(join(deployDir, 'k8s/base/config.json'), 'utf8')) as unknown;
    const quick = JSON.parse(readFileSync(join(repoRoot, 'examples/quick.json'), 'utf8')) as unknown;
    expect(k8sConfig).toEqual(quick);
  });
});

describe('the hybrid command line the deploy files use', () => {
  it('accepts the documented flags and refuses anything else', () => {
    const ok = parseHybridCommand(['worker', '--coordinator', 'ws://c:8700', '--task', 'digits', '--backend', 'wasm', '--metrics-port=9401'], 'test');
    expect(ok.flags.get('--metrics-port')).toBe('9401');
    expect(parseHybridCommand(['coordinator', '--config', 'c.json', '--resume'], 'test').flags.get('--resume')).toBe(true);
    expect(() => parseHybridCommand(['worker', '--coordinator', 'ws://c', '--task', 't', '--gpu'], 'here')).toThrow(/here: "hybrid worker" has no option "--gpu"/);
    expect(() => parseHybridCommand(['worker', '--coordinator', 'ws://c'], 'here')).toThrow(/needs --task/);
    expect(() => parseHybridCommand(['worker', '--coordinator', 'ws://c', '--task', 't', '--backend', 'cuda'], 'here')).toThrow(/unknown --backend/);
    expect(() => parseHybridCommand(['coordinator', '--config', 'c', '--port', 'http'], 'here')).toThrow(/--port must be a port number/);
    expect(() => parseHybridCommand(['coordinator', '--config', '--resume'], 'here')).toThrow(/--config needs a value/);
    expect(() => parseHybridCommand(['coordinator', '--config', 'c', '--tls-cert', 'a.pem'], 'here')).toThrow(/--tls-cert and --tls-key go together/);
    expect(() => parseHybridCommand(['train', '--config', 'c'], 'here')).toThrow(/expected "coordinator" or "worker"/);
    // --replica I/N: replica I of N, 0-based.
    expect(flag(parseHybridCommand(['worker', '--coordinator', 'ws://c', '--task', 't', '--replica', '1/2'], 'test'), '--replica')).toBe('1/2');
    for (const bad of ['2/2', '0/0', '1', 'a/2', '-1/2']) {
      expect(() => parseHybridCommand(['worker', '--coordinator', 'ws://c', '--task', 't', `--replica=${bad}`], 'here'), bad).toThrow(/--replica must be I\/N/);
    }
    expect(() => parseHybridCommand(['coordinator', '--config', 'c', '--replica', '0/1'], 'here')).toThrow(/no option "--replica"/);
  });

  const cli = join(repoRoot, 'dist', 'cli.js');
  const help = (command: string) => (existsSync(cli) ? run(process.execPath, [cli, command, '--help'], { timeoutMs: 60_000 }) : undefined);
  for (const command of ['coordinator', 'worker'] as const) {
    it(`every flag the deploy files may pass to "hybrid ${command}" is in its --help`, (ctx) => {
      const result = help(command);
      if (!result || result.status !== 0) {
        ctx.skip(`dist/cli.js ${command} --help is not available (run \`npm run build\`): ${result?.output.slice(0, 200) ?? 'no dist/cli.js'}`);
        return;
      }
      const spec = CLI[command];
      for (const name of [...spec.valued, ...spec.bare]) expect(result.output, `${name} in hybrid ${command} --help`).toMatch(new RegExp(`(^|\\s)${name}\\b`));
    });
  }
});

describe('metric names', () => {
  it('DESIGN_METRICS holds exactly the names docs/architecture.md section 7 lists', () => {
    const fromDoc = section7Metrics(readFileSync(architectureDoc, 'utf8'));
    expect(fromDoc.length).toBeGreaterThan(10);
    expect(Object.keys(DESIGN_METRICS).sort()).toEqual(fromDoc);
  });

  it('every metric the dashboards and alerts may use is registered in coordinator/ or worker/, with the same type', () => {
    const kinds = new Map<string, string>();
    for (const file of ['coordinator/metrics.ts', 'worker/metrics.ts']) {
      const text = readFileSync(join(repoRoot, file), 'utf8');
      for (const m of text.matchAll(/new (Counter|Gauge|Histogram|Summary)\(\{\s*name:\s*'([a-z0-9_]+)'/g)) kinds.set(m[2], m[1].toLowerCase());
    }
    expect(kinds.size).toBeGreaterThan(10);
    for (const [name, type] of Object.entries(DESIGN_METRICS)) expect(kinds.get(name), name).toBe(type);
  });
});

describe('docs/deploy.md', () => {
  const docs = readFileSync(join(repoRoot, 'docs/deploy.md'), 'utf8');

  it('says plainly that the files were validated but never run', () => {
    const flat = docs.replace(/\n>\s?/g, ' ').replace(/\s+/g, ' ');
    expect(flat).toContain('no Docker engine, no Kubernetes cluster, no Slurm and no GPU');
    expect(flat).toContain('none of them has run');
  });

  it('gives the command of every deployment, with paths that exist', () => {
    for (const section of ['## Docker Compose', '## Kubernetes', '## Slurm', '## Monitoring']) expect(docs).toContain(section);
    const commands = [
      'docker build -f deploy/Dockerfile -t hybrid:cpu .',
      'docker build -f deploy/Dockerfile.gpu -t hybrid:gpu .',
      'docker compose -p hybrid -f deploy/compose.yaml up --build -d',
      'kubectl create secret generic hybrid-token --from-file=token=',
      'kubectl apply -k deploy/k8s/base',
      'kubectl apply -k deploy/k8s/overlays/gpu',
      'sbatch deploy/slurm/hybrid.sbatch',
      'promtool check config deploy/prometheus/prometheus.yml',
      'promtool check rules deploy/prometheus/alerts.yml',
      'promtool test rules deploy/prometheus/alerts.test.yml',
    ];
    for (const c of commands) expect(docs, c).toContain(c);
    for (const m of docs.matchAll(/\b(deploy\/[\w./-]*[\w])/g)) {
      if (m[1].startsWith('deploy/secrets/hybrid-token')) continue; // made by the user
      expect(existsSync(join(repoRoot, m[1])), `${m[1]} named in docs/deploy.md exists`).toBe(true);
    }
  });
});
