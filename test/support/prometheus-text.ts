// Prometheus text format 0.0.4, read the way the metrics tests need it: each family's TYPE and HELP,
// and every sample with its labels.

export type FamilyType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  types: Map<string, FamilyType>;
  help: Map<string, string>;
  samples: Sample[];
  /** Sample value by `name{label="value",...}` exactly as printed. */
  series: Map<string, number>;
}

const FAMILY_TYPES: readonly string[] = ['counter', 'gauge', 'histogram', 'summary', 'untyped'];

/**
 * `# TYPE` and `# HELP` lines, and `name{label="value",...} value [timestamp]` samples (label values
 * unescaped). Other comments and blank lines are skipped; anything else throws, naming the line.
 */
export function parsePrometheusText(text: string): Exposition {
  const out: Exposition = { types: new Map(), help: new Map(), samples: [], series: new Map() };
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][\w:]*) (.*)$/.exec(line);
    if (meta?.[1] === 'HELP') out.help.set(meta[2], meta[3]);
    if (meta?.[1] === 'TYPE') {
      if (!FAMILY_TYPES.includes(meta[3])) throw new Error(`unknown TYPE in: ${JSON.stringify(line)}`);
      out.types.set(meta[2], meta[3] as FamilyType);
    }
    if (line.startsWith('#')) continue;
    const m = /^(([a-zA-Z_:][\w:]*)(?:\{(.*)\})?) (\S+)(?: -?\d+)?$/.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    const labelText = m[3] ?? '';
    const pair = /([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)",?/gy;
    let p: RegExpExecArray | null;
    let consumed = 0;
    while ((p = pair.exec(labelText))) {
      labels[p[1]] = p[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
      consumed = pair.lastIndex;
    }
    if (consumed !== labelText.length) throw new Error(`bad labels in: ${JSON.stringify(line)}`);
    // Special values case-insensitively, as Prometheus reads them (Go's ParseFloat): prom-client prints "Nan".
    const raw = m[4].toLowerCase();
    const value = raw === 'nan' ? NaN : raw === '+inf' || raw === 'inf' ? Infinity : raw === '-inf' ? -Infinity : Number(raw);
    if (Number.isNaN(value) && raw !== 'nan') throw new Error(`bad value in: ${JSON.stringify(line)}`);
    out.samples.push({ name: m[2], labels, value });
    out.series.set(m[1], value);
  }
  return out;
}

/** The samples with this name whose labels include `labels` (others may be there too), in printed order. */
export function samplesOf(exposition: Exposition, name: string, labels: Record<string, string> = {}): Sample[] {
  const want = Object.entries(labels);
  return exposition.samples.filter((s) => s.name === name && want.every(([k, v]) => s.labels[k] === v));
}

/** The value of the one sample with this name and exactly these labels; throws when there is none or more. */
export function sampleValue(exposition: Exposition, name: string, labels: Record<string, string> = {}): number {
  const keys = Object.keys(labels);
  const found = samplesOf(exposition, name, labels).filter((s) => Object.keys(s.labels).length === keys.length);
  if (found.length !== 1) throw new Error(`${found.length} samples ${name}${JSON.stringify(labels)}`);
  return found[0].value;
}
