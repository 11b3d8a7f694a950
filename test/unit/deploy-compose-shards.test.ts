// deploy/compose.shards.yaml laid over deploy/compose.yaml (docs/shards.md): both and their merge valid
// against the Compose Specification's schema; the coordinator service becomes the lead of K shards with
// every address of its --shards list a follower service of the file on its port, each follower running
// the same run as the lead with checkpoints of its own; Prometheus scraping every shard. The merge here
// is Compose's for what the file overrides (a service's command replaces the base's); the test checks
// that the file overrides nothing else.
import { describe, expect, it } from 'vitest';
import { composeValidator } from '../support/compose-schema.js';
import { DEFAULT_PORTS, type Obj, at, deployPath, flag, parseHybridCommand, readYaml, shardAddresses, shardOf, strings } from '../support/deploy.js';

const base = readYaml(deployPath('compose.yaml')) as Obj;
const shards = readYaml(deployPath('compose.shards.yaml')) as Obj;
const baseServices = at(base, 'services') as Record<string, Obj>;
const shardServices = at(shards, 'services') as Record<string, Obj>;
const merged: Obj = {
  ...base,
  services: Object.fromEntries([...new Set([...Object.keys(baseServices), ...Object.keys(shardServices)])].map((name) => [name, { ...baseServices[name], ...shardServices[name] }])),
  volumes: { ...(base.volumes as Obj), ...(shards.volumes as Obj) },
};
const services = merged.services as Record<string, Obj>;
const command = (name: string) => parseHybridCommand(strings(at(services, name, 'command'), `${name}.command`), `compose service ${name}`);
const lead = command('coordinator');
const addresses = shardAddresses(lead);
const followers = addresses.slice(1).map((a) => new URL(a).hostname);
const withoutShard = (flags: Map<string, string | true>) => [...flags].filter(([name]) => name !== '--shard' && name !== '--shards');

describe('deploy/compose.shards.yaml', () => {
  it('is valid against the Compose Specification schema, alone and laid over compose.yaml', () => {
    const validate = composeValidator();
    for (const [what, doc] of [
      ['compose.shards.yaml', shards],
      ['the merge', merged],
    ] as const) {
      const ok = validate(doc);
      expect(validate.errors?.map((e) => `${what}: ${e.instancePath} ${e.message}`) ?? []).toEqual([]);
      expect(ok).toBe(true);
    }
  });

  it("overrides only the coordinator's command: compose.yaml's, with --shard 0/K and every shard's address", () => {
    expect(Object.keys(shardServices.coordinator)).toEqual(['command']);
    const original = parseHybridCommand(strings(at(baseServices, 'coordinator', 'command'), 'coordinator.command'), 'compose.yaml coordinator');
    expect(withoutShard(lead.flags)).toEqual(withoutShard(original.flags));
    expect(shardOf(lead)).toEqual({ index: 0, count: addresses.length });
    expect(addresses.length).toBeGreaterThanOrEqual(2);
    expect(addresses[0]).toBe(`ws://coordinator:${flag(lead, '--port') ?? DEFAULT_PORTS.port}`);
    // The workers stay with the lead.
    for (const name of Object.keys(services).filter((s) => s.startsWith('worker-'))) expect(shardServices[name]).toBeUndefined();
  });

  it('runs each follower of the list as its shard, on the run of the lead, at the address the list gives', () => {
    const coordinators = Object.keys(services).filter((s) => s.startsWith('coordinator'));
    expect(coordinators.sort()).toEqual(['coordinator', ...followers].sort());
    followers.forEach((name, i) => {
      const follower = command(name);
      expect(shardOf(follower), name).toEqual({ index: i + 1, count: addresses.length });
      expect(new URL(addresses[i + 1]).port, name).toBe(flag(follower, '--port') ?? String(DEFAULT_PORTS.port));
      expect(flag(follower, '--host'), name).toBe('0.0.0.0');
      for (const f of ['--config', '--token-file', '--resume', '--checkpoint-dir', '--out']) expect(follower.flags.get(f), `${name} ${f}`).toEqual(lead.flags.get(f));
      // What compose.yaml's anchor gives the coordinator (anchors do not reach across files).
      for (const key of ['image', 'build', 'restart', 'read_only', 'tmpfs', 'secrets']) expect(at(services, name, key), `${name}.${key}`).toEqual(at(baseServices, 'coordinator', key));
      expect(at(services, name, 'healthcheck', 'test'), name).toEqual(at(baseServices, 'coordinator', 'healthcheck', 'test'));
    });
  });

  it('gives every shard checkpoints and a run directory of its own, in volumes the file declares', () => {
    const volumeOf = (name: string, path: string) =>
      strings(at(services, name, 'volumes'), `${name}.volumes`)
        .map((v) => v.split(':'))
        .find(([, target]) => target === path)?.[0];
    for (const dir of ['--checkpoint-dir', '--out']) {
      const used = ['coordinator', ...followers].map((name) => volumeOf(name, flag(command(name), dir) ?? ''));
      expect(
        used.every((v) => v !== undefined && v in (merged.volumes as Obj)),
        `${dir}: ${used.join(', ')}`,
      ).toBe(true);
      expect(new Set(used).size, `${dir}: ${used.join(', ')}`).toBe(used.length);
    }
  });

  it("publishes no port twice on the host, and Prometheus scrapes every follower's metrics port by name", () => {
    const published = Object.values(services).flatMap((s) => ((s.ports as string[] | undefined) ?? []).map((p) => p.split(':').slice(0, -1).join(':')));
    expect(new Set(published).size).toBe(published.length);
    const prom = readYaml(deployPath('prometheus/prometheus.yml')) as Obj;
    const job = (at(prom, 'scrape_configs') as Obj[]).find((j) => j.job_name === 'hybrid-coordinator')!;
    const found = ((job.dns_sd_configs as Obj[] | undefined) ?? []).flatMap((c) => strings(c.names, 'names').map((n) => `${n}:${String(c.port)}`));
    expect(found.sort()).toEqual(followers.map((name) => `${name}:${flag(command(name), '--metrics-port') ?? DEFAULT_PORTS.coordinatorMetrics}`).sort());
  });
});
