// Shared by the test/*/deploy-*.test.ts suites: where the deploy files are, how to read them, a small
// kustomize, runners for the workers Job's and the sharded coordinator's pod scripts, the command-line grammar of
// `hybrid coordinator|worker` they must follow, the metric names they may use (docs/architecture.md
// section 7 plus prom-client's defaults) and a PromQL metric-name extractor.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, delimiter, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BACKEND_REQUESTS } from '../../model/backend.js';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { afterAll } from 'vitest';
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

/** One worker slot of a run config: replica `replica` of the `replicas` that train `task`. */
/** A Kubernetes object's `Kind/name`. */
export const objectKey = (o: Obj): string => `${String(o.kind)}/${str(at(o, 'metadata', 'name'), 'metadata.name')}`;

/** The object of `Kind/name` in a build; throws naming it when the build has none. */
export function findObject(objects: readonly Obj[], key: string): Obj {
  const o = objects.find((x) => objectKey(x) === key);
  if (!o) throw new Error(`no ${key} in the build`);
  return o;
}

/** A maker of temporary directories (under the system's by default), each removed once the test file is done. */
export function scratchDirs(): (prefix: string, parent?: string) => string {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  return (prefix, parent = tmpdir()) => {
    const d = mkdtempSync(join(parent, prefix));
    dirs.push(d);
    return d;
  };
}

export interface ReplicaSlot {
  task: string;
  replica: number;
  replicas: number;
}

/**
 * The worker slots of a run config (parsed JSON), task after task: each task's `replicas` (default 1),
 * numbered 0 to replicas - 1. The order the deploy files give their workers in (Kubernetes pod index,
 * Slurm metrics ports).
 */
export function replicaSlots(config: unknown, where = 'config'): ReplicaSlot[] {
  return (at(config, 'tasks') as unknown[]).flatMap((t, i) => {
    const task = str(at(t, 'name'), `${where} tasks[${i}].name`);
    const replicas = isObj(t) && t.replicas !== undefined ? t.replicas : 1;
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 1)
      throw new Error(`${where} tasks[${i}].replicas: expected a whole number >= 1, got ${JSON.stringify(replicas)}`);
    return Array.from({ length: replicas }, (_, replica) => ({ task, replica, replicas }));
  });
}

/** The `--replica` value a worker of this slot passes: I/N, or none for a task's only replica. */
export const replicaFlag = (slot: ReplicaSlot): string | undefined => (slot.replicas > 1 ? `${slot.replica}/${slot.replicas}` : undefined);

/** Task names of a run config (JSON). */
export function configTaskNames(path: string): string[] {
  const config = JSON.parse(readFileSync(path, 'utf8')) as unknown;
  return (at(config, 'tasks') as unknown[]).map((t, i) => str(at(t, 'name'), `${rel(path)} tasks[${i}].name`));
}

// ---- kustomize --------------------------------------------------------------------------------------

const KUSTOMIZATION_KEYS = new Set(['apiVersion', 'kind', 'resources', 'configMapGenerator', 'generatorOptions', 'patches']);

/** RFC 6902 add / replace / remove / test on `doc`, in place; throws, naming `where`, on a failed test or a missing path. */
export function applyJsonPatch(doc: Obj, ops: unknown, where: string): void {
  if (!Array.isArray(ops)) throw new Error(`${where}: a JSON 6902 patch is a list of operations`);
  for (const op of ops as Obj[]) {
    const path = str(op.path, `${where} path`);
    if (!path.startsWith('/')) throw new Error(`${where}: JSON pointer ${JSON.stringify(path)} must start with /`);
    const parts = path
      .slice(1)
      .split('/')
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = parts.pop()!;
    let parent: unknown = doc;
    for (const p of parts) {
      parent = Array.isArray(parent) ? parent[Number(p)] : isObj(parent) ? parent[p] : undefined;
      if (parent === undefined) throw new Error(`${where}: ${String(op.op)} ${path}: no ${p}`);
    }
    const list = Array.isArray(parent) ? (parent as unknown[]) : undefined;
    const obj = parent as Obj;
    const index = list ? (last === '-' ? list.length : Number(last)) : undefined;
    const exists = list ? index! < list.length : last in obj;
    const current = list ? list[index!] : obj[last];
    if (op.op !== 'add' && !exists) throw new Error(`${where}: ${String(op.op)} ${path}: nothing there`);
    if (op.op === 'test') {
      if (JSON.stringify(current) !== JSON.stringify(op.value)) throw new Error(`${where}: test ${path} == ${JSON.stringify(op.value)} failed`);
    } else if (op.op === 'replace' || op.op === 'add') {
      if (list) list.splice(index!, op.op === 'replace' ? 1 : 0, structuredClone(op.value));
      else obj[last] = structuredClone(op.value);
    } else if (op.op === 'remove') {
      if (list) list.splice(index!, 1);
      else delete obj[last];
    } else {
      throw new Error(`${where}: unsupported patch operation ${JSON.stringify(op.op)}`);
    }
  }
}

/**
 * A small `kustomize build` of `dir`: resources (files and directories), configMapGenerator (files;
 * behavior create or replace; name hashes off), and patches (JSON 6902 by target). Any other key throws.
 */
export function kustomizeBuild(dir: string): Obj[] {
  const file = join(dir, 'kustomization.yaml');
  const k = readYaml(file) as Obj;
  for (const key of Object.keys(k)) if (!KUSTOMIZATION_KEYS.has(key)) throw new Error(`${rel(file)}: "${key}" is not supported by the tests' kustomize`);
  const objects: Obj[] = [];
  for (const r of strings(k.resources ?? [], `${rel(file)} resources`)) {
    const path = join(dir, r);
    objects.push(...(statSync(path).isDirectory() ? kustomizeBuild(path) : (readYamlDocuments(path) as Obj[])));
  }
  const generators = (k.configMapGenerator ?? []) as Obj[];
  if (generators.length > 0 && at(k, 'generatorOptions', 'disableNameSuffixHash') !== true) {
    throw new Error(`${rel(file)}: the tests' kustomize does not compute name hashes: set generatorOptions.disableNameSuffixHash`);
  }
  for (const g of generators) {
    for (const key of Object.keys(g)) if (!['name', 'files', 'behavior'].includes(key)) throw new Error(`${rel(file)}: configMapGenerator.${key} is not supported`);
    const data: Record<string, string> = {};
    for (const f of strings(g.files, 'files')) {
      const [key, path] = f.includes('=') ? f.split('=', 2) : [basename(f), f];
      data[key] = readFileSync(join(dir, path), 'utf8');
    }
    const map: Obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: g.name }, data };
    const existing = objects.findIndex((o) => o.kind === 'ConfigMap' && at(o, 'metadata', 'name') === g.name);
    const behavior = g.behavior ?? 'create';
    if (behavior === 'create' && existing < 0) objects.push(map);
    else if (behavior === 'replace' && existing >= 0) objects[existing] = map;
    else throw new Error(`${rel(file)}: configMapGenerator ${String(g.name)}: behavior ${String(behavior)} ${existing < 0 ? 'without' : 'with'} a ConfigMap of that name`);
  }
  for (const [i, p] of ((k.patches ?? []) as Obj[]).entries()) {
    const where = `${rel(file)} patches[${i}]`;
    const target = at(p, 'target') as Obj;
    const matches = objects.filter((o) => {
      const apiVersion = str(o.apiVersion, 'apiVersion');
      const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
      return (
        o.kind === target.kind &&
        at(o, 'metadata', 'name') === target.name &&
        (target.group === undefined || target.group === group) &&
        (target.version === undefined || target.version === version)
      );
    });
    if (matches.length !== 1) throw new Error(`${where}: target ${JSON.stringify(target)} matches ${matches.length} objects`);
    applyJsonPatch(matches[0], parseYaml(str(p.patch, `${where} patch`)), where);
  }
  return objects;
}

// ---- the Kubernetes workers Job's pod script ---------------------------------------------------------

/** What one worker pod's script did: its exit status, its output, the arguments it gave `hybrid`, parsed where it succeeded. */
export interface WorkerPodRun {
  status: number;
  output: string;
  argv: string[];
  command?: HybridCommand;
}

/**
 * Runs the shell command of the Job/hybrid-workers container of a build as pod `index` would, with
 * stub `tini` and `hybrid` (which prints its arguments) and `config` as the file $HYBRID_CONFIG names
 * (default: the ConfigMap's copy of it).
 */
export function runWorkerPod(objects: Obj[], index: number, config?: string): WorkerPodRun {
  const job = objects.find((o) => o.kind === 'Job' && at(o, 'metadata', 'name') === 'hybrid-workers');
  if (!job) throw new Error('no Job/hybrid-workers in the build');
  const c = at(job, 'spec', 'template', 'spec', 'containers', 0) as Obj;
  const [shell, flagC] = strings(c.command, 'command');
  const script = strings(c.args, 'args')[0];
  const env = Object.fromEntries(((c.env ?? []) as Obj[]).map((e) => [str(e.name, 'env name'), str(e.value, `env ${String(e.name)}`)]));
  const configName = basename(str(env.HYBRID_CONFIG, 'env HYBRID_CONFIG'));
  const configMap = objects.find((o) => o.kind === 'ConfigMap' && at(o, 'metadata', 'name') === 'hybrid-config');
  const dir = mkdtempSync(join(tmpdir(), 'deploy-worker-pod-'));
  try {
    const bin = stubTiniAndHybrid(dir);
    // The pod reads the config from a mount this machine lacks: point $HYBRID_CONFIG at a copy.
    const configPath = join(dir, configName);
    writeFileSync(configPath, config ?? str(at(configMap, 'data', configName), `ConfigMap/hybrid-config data ${configName}`));
    const result = run(shell, [flagC, script], { env: { PATH: `${bin}:${process.env.PATH ?? ''}`, ...env, HYBRID_CONFIG: configPath, JOB_COMPLETION_INDEX: String(index) } });
    const argv = [...result.output.matchAll(/^ARG (.*)$/gm)].map((m) => m[1]);
    return { ...result, argv, command: result.status === 0 ? parseHybridCommand(argv, `worker pod ${index}`) : undefined };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Stub `tini` (runs what follows `--`) and `hybrid` (prints each argument as an `ARG` line) in `dir`/bin; returns that folder. */
function stubTiniAndHybrid(dir: string): string {
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'tini'), '#!/bin/sh\n[ "$1" = "--" ] && shift\nexec "$@"\n');
  writeFileSync(join(bin, 'hybrid'), '#!/bin/sh\nfor a in "$@"; do printf "ARG %s\\n" "$a"; done\n');
  chmodSync(join(bin, 'tini'), 0o755);
  chmodSync(join(bin, 'hybrid'), 0o755);
  return bin;
}

// ---- the sharded coordinator StatefulSet's pod script ---------------------------------------------------

/** The environment a container gets from its `env`: plain values, and `fieldRef`s of the pod filled in from `pod` (metadata.name, metadata.namespace, labels). */
export function containerEnv(container: Obj, pod: { name: string; namespace?: string; labels?: Record<string, string> }): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of (container.env ?? []) as Obj[]) {
    const name = str(e.name, 'env name');
    if (e.value !== undefined) {
      env[name] = str(e.value, `env ${name}`);
      continue;
    }
    const field = str(at(e, 'valueFrom', 'fieldRef', 'fieldPath'), `env ${name} valueFrom.fieldRef.fieldPath`);
    const label = /^metadata\.labels\['([^']+)'\]$/.exec(field);
    const value = field === 'metadata.name' ? pod.name : field === 'metadata.namespace' ? (pod.namespace ?? 'default') : label ? pod.labels?.[label[1]] : undefined;
    if (value === undefined) throw new Error(`env ${name}: the tests know no value for fieldRef ${field}`);
    env[name] = value;
  }
  return env;
}

/** The shell script of a container run as `sh -c SCRIPT` (its command and its one argument); throws for any other form. */
export function containerScript(container: Obj, what: string): { shell: string; flag: string; script: string } {
  const command = strings(container.command, `${what} command`);
  const args = strings(container.args, `${what} args`);
  if (command.length !== 2 || command[1] !== '-c' || args.length !== 1) throw new Error(`${what}: expected command [SHELL, "-c"] and one argument, the script`);
  return { shell: command[0], flag: command[1], script: args[0] };
}

/**
 * Runs the shell command of the StatefulSet/hybrid-coordinator container of a build as the pod with
 * ordinal `ordinal` would (pod name hybrid-coordinator-ORDINAL), with stub `tini` and `hybrid`; `env`
 * overrides the container's environment.
 */
export function runCoordinatorPod(objects: Obj[], ordinal: number, env: Record<string, string> = {}): WorkerPodRun {
  const sts = objects.find((o) => o.kind === 'StatefulSet' && at(o, 'metadata', 'name') === 'hybrid-coordinator');
  if (!sts) throw new Error('no StatefulSet/hybrid-coordinator in the build');
  const c = at(sts, 'spec', 'template', 'spec', 'containers', 0) as Obj;
  const { shell, flag: flagC, script } = containerScript(c, 'the coordinator container');
  const podName = `${str(at(sts, 'metadata', 'name'), 'metadata.name')}-${ordinal}`;
  const dir = mkdtempSync(join(tmpdir(), 'deploy-coordinator-pod-'));
  try {
    const bin = stubTiniAndHybrid(dir);
    const podEnv = { ...containerEnv(c, { name: podName, labels: { 'apps.kubernetes.io/pod-index': String(ordinal) } }), ...env };
    const result = run(shell, [flagC, script], { env: { PATH: `${bin}:${process.env.PATH ?? ''}`, HOSTNAME: podName, ...podEnv } });
    const argv = [...result.output.matchAll(/^ARG (.*)$/gm)].map((m) => m[1]);
    return { ...result, argv, command: result.status === 0 ? parseHybridCommand(argv, `coordinator pod ${ordinal}`) : undefined };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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
    valued: ['--config', '--host', '--port', '--metrics-port', '--metrics-host', '--out', '--checkpoint-dir', '--token-file', '--tls-cert', '--tls-key', '--shard', '--shards'],
    bare: ['--resume'],
    required: ['--config'],
  },
  worker: { valued: ['--coordinator', '--task', '--replica', '--backend', '--token-file', '--ca', '--metrics-host', '--metrics-port'], bare: [], required: ['--coordinator', '--task'] },
};

export const DEFAULT_PORTS = { port: 8700, coordinatorMetrics: 9400, workerMetrics: 9401 } as const;

export interface HybridCommand {
  command: 'coordinator' | 'worker';
  flags: Map<string, string | true>;
}

/** Parses `coordinator ...` or `worker ...` (the arguments after the binary); throws on anything the CLI would refuse (and on `--shards` without `--shard`, which it ignores). */
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
  const replica = flags.get('--replica');
  if (replica !== undefined) {
    const m = typeof replica === 'string' ? /^([0-9]+)\/([0-9]+)$/.exec(replica) : null;
    if (!m || Number(m[2]) < 1 || Number(m[1]) >= Number(m[2])) throw new Error(`${where}: --replica must be I/N with 0 <= I < N, got ${JSON.stringify(replica)}`);
  }
  const shard = flags.get('--shard');
  const shards = flags.get('--shards');
  if (shard !== undefined) {
    const m = typeof shard === 'string' ? /^([0-9]+)\/([0-9]+)$/.exec(shard) : null;
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 64 || Number(m[1]) >= Number(m[2])) throw new Error(`${where}: --shard must be I/K with 0 <= I < K <= 64, got ${JSON.stringify(shard)}`);
    // The lead of K > 1 shards needs every shard's address; a follower ignores the list.
    if (m[1] === '0' && Number(m[2]) > 1 && shards === undefined) throw new Error(`${where}: --shard ${shard} leads ${m[2]} shards and needs --shards with their addresses`);
    const listed = typeof shards === 'string' ? shards.split(',').length : 0;
    if (shards !== undefined && listed !== Number(m[2])) throw new Error(`${where}: --shards lists ${listed} addresses for ${m[2]} shards`);
  } else if (shards !== undefined) {
    throw new Error(`${where}: --shards without --shard`);
  }
  if (shards !== undefined) {
    const bad = String(shards)
      .split(',')
      .find((a) => !/^wss?:\/\/[^\s/,]+$/.test(a));
    if (bad !== undefined) throw new Error(`${where}: --shards: ${JSON.stringify(bad)} is not a ws:// or wss:// address`);
  }
  return { command, flags };
}

/** `--shard I/K` as numbers; {index 0, count 1} without it (one coordinator). */
export function shardOf(cmd: HybridCommand): { index: number; count: number } {
  const v = flag(cmd, '--shard');
  if (v === undefined) return { index: 0, count: 1 };
  const [index, count] = v.split('/').map(Number);
  return { index, count };
}

/** The addresses of `--shards`, in order (none without it). */
export function shardAddresses(cmd: HybridCommand): string[] {
  const v = flag(cmd, '--shards');
  return v === undefined ? [] : v.split(',');
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
