// Shared by the test/*/deploy-*.test.ts suites: where the deploy files are, how to read them, the
// command-line grammar of `hybrid coordinator|worker` they must follow, the metric names they may use
// (docs/architecture.md section 7 plus prom-client's defaults) and a PromQL metric-name extractor.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { delimiter, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BACKEND_REQUESTS } from '../../model/backend.js';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { parseAllDocuments } from 'yaml';
import { COORDINATOR_METRICS, EXTRA_COORDINATOR_METRICS, type MetricType, WORKER_METRICS } from './design-metrics.js';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const deployDir = join(repoRoot, 'deploy');
export const deployPath = (...parts: string[]): string => join(deployDir, ...parts);
export const rel = (path: string): string => relative(repoRoot, path);

/** Every file under `dir`, recursively, whose name passes `keep`. */
export function listFiles(dir: string, keep: (name: string) => boolean): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...listFiles(path, keep));
    else if (keep(entry)) out.push(path);
  }
  return out.sort();
}

/** All documents of a YAML file as plain values; any parse error (or duplicate key) throws, naming the file. */
export function readYamlDocuments(path: string): unknown[] {
  const docs = parseAllDocuments(readFileSync(path, 'utf8'), { merge: true, uniqueKeys: true });
  const list = Array.isArray(docs) ? docs : [docs];
  for (const doc of list) {
    const problems = [...doc.errors, ...doc.warnings];
    if (problems.length > 0) throw new Error(`${rel(path)}: ${problems.map((e) => e.message).join('; ')}`);
  }
  return list.map((doc) => doc.toJS({ maxAliasCount: 100 }) as unknown).filter((v) => v !== null && v !== undefined);
}

export function readYaml(path: string): unknown {
  const docs = readYamlDocuments(path);
  if (docs.length !== 1) throw new Error(`${rel(path)}: expected one YAML document, found ${docs.length}`);
  return docs[0];
}

export type Obj = Record<string, unknown>;

export function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `value[key]` for a path of object keys and array indices; throws, naming the path, where it does not exist. */
export function at(value: unknown, ...path: (string | number)[]): unknown {
  let cur = value;
  for (let i = 0; i < path.length; i++) {
    const key = path[i];
    const next = Array.isArray(cur) && typeof key === 'number' ? cur[key] : isObj(cur) ? cur[String(key)] : undefined;
    if (next === undefined) throw new Error(`no ${path.slice(0, i + 1).join('.')}`);
    cur = next;
  }
  return cur;
}

export const str = (value: unknown, what: string): string => {
  if (typeof value !== 'string') throw new Error(`${what}: expected a string, got ${JSON.stringify(value)}`);
  return value;
};

export const strings = (value: unknown, what: string): string[] => {
  if (!Array.isArray(value)) throw new Error(`${what}: expected a list, got ${JSON.stringify(value)}`);
  return value.map((v, i) => str(v, `${what}[${i}]`));
};

/** Task names of a run config (JSON). */
export function configTaskNames(path: string): string[] {
  const config = JSON.parse(readFileSync(path, 'utf8')) as unknown;
  return (at(config, 'tasks') as unknown[]).map((t, i) => str(at(t, 'name'), `${rel(path)} tasks[${i}].name`));
}

// ---- the `hybrid` command line the deploy files use -------------------------------------------------

interface SubcommandSpec {
  valued: readonly string[];
  bare: readonly string[];
  required: readonly string[];
}

/** The flags of `hybrid coordinator` and `hybrid worker` (cli.ts; test/e2e/deploy-files checks them against its --help). */
export const CLI: Record<'coordinator' | 'worker', SubcommandSpec> = {
  coordinator: {
    valued: ['--config', '--host', '--port', '--metrics-port', '--metrics-host', '--out', '--checkpoint-dir', '--token-file', '--tls-cert', '--tls-key'],
    bare: ['--resume'],
    required: ['--config'],
  },
  worker: { valued: ['--coordinator', '--task', '--backend', '--token-file', '--ca', '--metrics-host', '--metrics-port'], bare: [], required: ['--coordinator', '--task'] },
};

export const DEFAULT_PORTS = { port: 8700, coordinatorMetrics: 9400, workerMetrics: 9401 } as const;

export interface HybridCommand {
  command: 'coordinator' | 'worker';
  flags: Map<string, string | true>;
}

/** Parses `coordinator ...` or `worker ...` (the arguments after the binary); throws on anything the CLI would refuse. */
export function parseHybridCommand(argv: readonly string[], where: string): HybridCommand {
  const [command, ...rest] = argv;
  if (command !== 'coordinator' && command !== 'worker') throw new Error(`${where}: expected "coordinator" or "worker", got ${JSON.stringify(command)}`);
  const spec = CLI[command];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    const [name, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (flags.has(name)) throw new Error(`${where}: ${name} given twice`);
    if (spec.bare.includes(name)) {
      if (inline !== undefined) throw new Error(`${where}: ${name} takes no value`);
      flags.set(name, true);
    } else if (spec.valued.includes(name)) {
      const value = inline ?? rest[++i];
      if (value === undefined || value.startsWith('--')) throw new Error(`${where}: ${name} needs a value`);
      flags.set(name, value);
    } else {
      throw new Error(`${where}: "hybrid ${command}" has no option ${JSON.stringify(arg)}`);
    }
  }
  for (const name of spec.required) if (!flags.has(name)) throw new Error(`${where}: "hybrid ${command}" needs ${name}`);
  for (const name of ['--port', '--metrics-port']) {
    const v = flags.get(name);
    if (v !== undefined && !(typeof v === 'string' && /^[0-9]+$/.test(v) && Number(v) > 0 && Number(v) < 65536)) {
      throw new Error(`${where}: ${name} must be a port number, got ${JSON.stringify(v)}`);
    }
  }
  const backend = flags.get('--backend');
  if (backend !== undefined && !(BACKEND_REQUESTS as readonly unknown[]).includes(backend)) throw new Error(`${where}: unknown --backend ${JSON.stringify(backend)}`);
  if (flags.has('--tls-cert') !== flags.has('--tls-key')) throw new Error(`${where}: --tls-cert and --tls-key go together`);
  return { command, flags };
}

export function flag(cmd: HybridCommand, name: string): string | undefined {
  const v = cmd.flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

// ---- metrics ----------------------------------------------------------------------------------------

/** docs/architecture.md section 7 (coordinator and worker), plus the names the coordinator exports beyond it. */
export const DESIGN_METRICS: Record<string, MetricType> = { ...COORDINATOR_METRICS, ...WORKER_METRICS, ...EXTRA_COORDINATOR_METRICS };
export const EXTRA_METRICS = Object.keys(EXTRA_COORDINATOR_METRICS);

/** The series names a metric of this type exposes. */
function seriesNames(name: string, type: string): string[] {
  return type === 'histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : type === 'summary' ? [name, `${name}_sum`, `${name}_count`] : [name];
}

/** prom-client's default process and Node.js metrics, from prom-client itself. */
export async function defaultMetricSeries(): Promise<Set<string>> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const metrics = await registry.getMetricsAsJSON();
  registry.clear();
  return new Set(metrics.flatMap((m) => seriesNames(m.name, String(m.type))));
}

export async function allowedSeries(): Promise<Set<string>> {
  const set = await defaultMetricSeries();
  for (const [name, type] of Object.entries(DESIGN_METRICS)) for (const s of seriesNames(name, type)) set.add(s);
  return set;
}

/** The project's architecture page, whose section 7 lists the metrics. */
export const architectureDoc = join(repoRoot, 'docs', 'architecture.md');

/** The backquoted metric names of a page's section 7 (docs/architecture.md: Metrics). */
export function section7Metrics(text: string): string[] {
  const start = text.search(/^## 7\./m);
  if (start < 0) throw new Error('the page has no "## 7." section');
  const rest = text.slice(start + 1);
  const end = rest.search(/^## /m);
  const section = end < 0 ? rest : rest.slice(0, end);
  return [...new Set([...section.matchAll(/`(hybrid_[a-z0-9_]+)/g)].map((m) => m[1]))].sort();
}

// ---- PromQL -----------------------------------------------------------------------------------------

/** Grafana's macros and template variables replaced by values Prometheus accepts. */
export function grafanaToPromql(expr: string): string {
  return expr.replace(/\$(__rate_interval|__interval|__range)\b|\$\{(__rate_interval|__interval|__range)\}/g, '5m').replace(/\$\{[A-Za-z_]\w*(?::\w+)?\}|\$[A-Za-z_]\w*/g, '.*');
}

const PROMQL_KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'inf', 'nan']);

/** The metric names a PromQL expression selects (not functions, keywords, label names or values). */
export function promqlMetricNames(expr: string): string[] {
  const cleaned = grafanaToPromql(expr)
    .replace(/"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const m of cleaned.matchAll(/(?<![\w.:])([A-Za-z_:][A-Za-z0-9_:]*)(\s*\()?/g)) {
    if (m[2] !== undefined) continue; // a function or an aggregation
    if (PROMQL_KEYWORDS.has(m[1].toLowerCase())) continue;
    names.add(m[1]);
  }
  return [...names].sort();
}

// ---- tools ------------------------------------------------------------------------------------------

export function which(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const path = join(dir, command);
    if (dir && existsSync(path)) return path;
  }
  return undefined;
}

/** Runs a command; returns its exit status and combined output. */
export function run(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): { status: number; output: string } {
  const r = spawnSync(command, args, { cwd: options.cwd ?? repoRoot, env: options.env ?? process.env, encoding: 'utf8', timeout: options.timeoutMs ?? 60_000 });
  if (r.error) throw new Error(`${command} ${args.join(' ')}: ${r.error.message}`);
  return { status: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
}

export function runOk(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  return execFileSync(command, args, { cwd: options.cwd ?? repoRoot, env: options.env ?? process.env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}
