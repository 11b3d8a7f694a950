// What bench:comm --shards reads from each coordinator shard's /metrics: the process's CPU seconds
// (prom-client's default process_cpu_seconds_total, user + system), the rounds it closed and the payload
// bytes it received and sent. Counters read at both ends of a measured window; their differences per
// round are the shard's own work, whoever else shares the cores.

/** A shard's counters at one scrape. */
export interface ShardCounters {
  cpuSeconds: number;
  rounds: number;
  received: number;
  sent: number;
}

/**
 * The samples of Prometheus text format 0.0.4, summed by metric name over their label sets (a shard's
 * series carry shard="I"; these counters have no other labels). Comments and blank lines are skipped.
 */
export function sumByName(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{.*\})? (\S+)(?: -?\d+)?$/.exec(line);
    if (!m) throw new Error(`bench: not a Prometheus sample line: ${JSON.stringify(line)}`);
    out.set(m[1], (out.get(m[1]) ?? 0) + Number(m[2]));
  }
  return out;
}

const NAMES = { cpuSeconds: 'process_cpu_seconds_total', rounds: 'hybrid_rounds_total', received: 'hybrid_bytes_received_total', sent: 'hybrid_bytes_sent_total' } as const;

/** The counters in one /metrics text. */
export function shardCounters(text: string): ShardCounters {
  const samples = sumByName(text);
  const value = (name: string): number => {
    const v = samples.get(name);
    if (v === undefined || !Number.isFinite(v)) throw new Error(`bench: /metrics has no ${name}`);
    return v;
  };
  return { cpuSeconds: value(NAMES.cpuSeconds), rounds: value(NAMES.rounds), received: value(NAMES.received), sent: value(NAMES.sent) };
}

/** Every shard's counters, read at once from 127.0.0.1:`port`/metrics of each. */
export function scrapeShards(ports: readonly number[]): Promise<ShardCounters[]> {
  return Promise.all(
    ports.map(async (port) => {
      const response = await fetch(`http://127.0.0.1:${port}/metrics`);
      if (!response.ok) throw new Error(`bench: http://127.0.0.1:${port}/metrics answered ${response.status}`);
      return shardCounters(await response.text());
    }),
  );
}
