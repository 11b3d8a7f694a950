// Loading and validating the run config. Every problem in a config is reported in one error, so a user
// fixes them in one pass instead of one per run.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { FASHION_MNIST_DIR, FASHION_MNIST_HINT, IDX_FILE_NAMES } from './idx-files.js';
import { crossFieldProblems, rawAt, runConfigSchema, type RunConfig } from './schema.js';
import { datasetWithAbsolutePaths } from './user-datasets.js';

/** An invalid or unreadable run config. `problems` holds one line per problem, each led by its key path. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
    headline = 'invalid run config',
  ) {
    super(`${source}: ${headline}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export interface ParseOptions {
  /** Directory that relative dataset paths resolve against (default: the working directory). */
  baseDir?: string;
  /** Check that `idx` dataset directories hold the IDX files (default true). A process that never reads
   *  the data (a coordinator whose workers run elsewhere) may turn this off. */
  checkDatasets?: boolean;
  /** Replaces the config's model section before it is validated (`hybrid compress --models`). */
  model?: Record<string, unknown>;
}

/** Validates a run config and fills in its defaults. Dataset and model file paths come back absolute. */
export function parseRunConfig(value: unknown, source: string, options: ParseOptions = {}): RunConfig {
  const baseDir = options.baseDir ?? process.cwd();
  if (options.model && typeof value === 'object' && value !== null) value = { ...value, model: options.model };
  const result = runConfigSchema.safeParse(value);
  const problems: string[] = [];
  if (!result.success) for (const issue of result.error.issues) problems.push(...describeIssue(issue, value));
  // Zod skips refinements once any field failed, so the cross-field checks run on the raw input as well
  // (a problem found both ways is reported once).
  problems.push(...crossFieldProblems(value).map((p) => `${formatPath(p.path)}: ${p.message}`));
  if (options.checkDatasets ?? true) problems.push(...datasetPaths(value, baseDir));
  const unique = [...new Set(problems)];
  if (unique.length > 0 || !result.success) throw new ConfigError(source, unique);
  return withAbsoluteModelPaths(withAbsoluteDatasetPaths(result.data, baseDir), baseDir);
}

/** Reads and validates a run config file; relative dataset paths resolve against the file's directory. */
export function loadRunConfig(path: string, options: Omit<ParseOptions, 'baseDir'> = {}): RunConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(path, [(err as Error).message], 'cannot read run config');
  }
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new ConfigError(path, [jsonErrorWithLocation((err as Error).message, text.replace(/^\uFEFF/, ''))], 'run config is not valid JSON');
  }
  return parseRunConfig(value, path, { ...options, baseDir: dirname(resolve(path)) });
}

// ---- zod issues as one-line problems ----

type Path = readonly PropertyKey[];

function formatPath(path: Path): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(String(key))) out += out === '' ? String(key) : `.${String(key)}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out === '' ? '(root)' : out;
}

function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string[] {
  const at = formatPath(issue.path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = knownKeysAt(runConfigSchema, issue.path, raw);
      return issue.keys.map((key) => {
        const hint = known ? suggestion(key, known) : '';
        return `${formatPath([...issue.path, key])}: unknown key${hint}`;
      });
    }
    case 'invalid_union': {
      if ('discriminator' in issue && issue.discriminator !== undefined && 'options' in issue) {
        const got = rawAt(raw, issue.path);
        const expected = (issue.options as unknown[]).map((o) => JSON.stringify(o)).join(', ');
        return [`${at}: ${got === undefined ? 'missing' : `unknown value ${JSON.stringify(got)}`}; expected one of ${expected}`];
      }
      // A union of literals (rotate degrees) fails in every branch with "expected <literal>": merge them.
      const literals =
        issue.errors.length > 0 && issue.errors.every((branch) => branch.length === 1 && branch[0].code === 'invalid_value' && branch[0].path.length === 0)
          ? issue.errors.flatMap((branch) => (branch[0] as z.core.$ZodIssueInvalidValue).values)
          : undefined;
      if (literals) return [`${at}: got ${JSON.stringify(rawAt(raw, issue.path))}; expected one of ${literals.map((l) => JSON.stringify(l)).join(', ')}`];
      // A union of object forms (model: built-in, layer list, model file): the form the value is closest
      // to speaks for it: the one missing fewest of its keys, then with the fewest problems. When every
      // form misses a key the value has none of the forms' keys: name them.
      const value = rawAt(raw, issue.path);
      const missing = (branch: z.core.$ZodIssue[]) => branch.filter((i) => rawAt(value, i.path) === undefined && (i.code === 'invalid_type' || i.code === 'invalid_union')).length;
      const ranked = [...issue.errors].sort((a, b) => missing(a) - missing(b) || a.length - b.length);
      if (ranked.length > 1 && ranked.every((branch) => missing(branch) > 0)) {
        const keys = ranked.flatMap((branch) => branch.filter((i) => rawAt(value, i.path) === undefined).map((i) => JSON.stringify(String(i.path[0] ?? ''))));
        return [`${at}: give one of ${[...new Set(keys)].join(', ')}`];
      }
      const closest = ranked[0];
      if (closest && closest.length > 0) return closest.flatMap((inner) => describeIssue({ ...inner, path: [...issue.path, ...inner.path] }, raw));
      return [`${at}: ${issue.message}`];
    }
    default:
      return [`${at}: ${issue.message}`];
  }
}

/** The keys the schema allows at `path` (following discriminated unions by the raw input's tag). */
function knownKeysAt(schema: z.ZodType, path: Path, raw: unknown): string[] | undefined {
  let node: z.ZodType | undefined = schema;
  let value = raw;
  for (let i = 0; ; i++) {
    node = unwrap(node, value);
    if (node === undefined) return undefined;
    if (i === path.length) return node instanceof z.ZodObject ? Object.keys(node.shape) : undefined;
    const key = path[i];
    if (node instanceof z.ZodObject) node = (node.shape as Record<string, z.ZodType>)[String(key)];
    else if (node instanceof z.ZodArray) node = node.element as z.ZodType;
    else return undefined;
    value = rawAt(value, [key]);
  }
}

function unwrap(node: z.ZodType | undefined, value: unknown): z.ZodType | undefined {
  while (node instanceof z.ZodDefault || node instanceof z.ZodOptional) node = node.unwrap() as z.ZodType;
  // A union of object forms: the form sharing the most keys with the value.
  if (node instanceof z.ZodUnion && !(node instanceof z.ZodDiscriminatedUnion)) {
    const keys = typeof value === 'object' && value !== null ? Object.keys(value) : [];
    const shared = (option: z.ZodType): number => {
      const form = unwrap(option, value);
      return form instanceof z.ZodObject ? keys.filter((k) => k in form.shape).length : -1;
    };
    const best = [...(node.options as z.ZodType[])].sort((a, b) => shared(b) - shared(a))[0];
    return best ? unwrap(best, value) : node;
  }
  if (node instanceof z.ZodDiscriminatedUnion) {
    const tag = rawAt(value, [node.def.discriminator]);
    return (node.options as z.ZodType[]).find((option) => {
      const literal = option instanceof z.ZodObject ? (option.shape as Record<string, z.ZodType>)[node.def.discriminator] : undefined;
      return literal instanceof z.ZodLiteral && literal.values.has(tag as z.core.util.Literal);
    });
  }
  return node;
}

function suggestion(key: string, known: string[]): string {
  const norm = (s: string) => s.toLowerCase().replace(/[-_]/g, '');
  const close = known.find((k) => norm(k) === norm(key)) ?? known.find((k) => editDistance(k, key) <= Math.max(1, Math.floor(k.length / 4)));
  return close ? ` (did you mean "${close}"?)` : ` (allowed: ${known.join(', ')})`;
}

/** Edit distance counting a swap of neighbours as one edit ("modle" is one away from "model"). */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

// ---- checks on the raw input ----

function rawTasks(value: unknown): unknown[] {
  const tasks = rawAt(value, ['tasks']);
  return Array.isArray(tasks) ? tasks : [];
}

export { IDX_FILE_NAMES } from './idx-files.js';

function datasetPaths(value: unknown, baseDir: string): string[] {
  const problems: string[] = [];
  rawTasks(value).forEach((task, i) => {
    const dataset = rawAt(task, ['dataset']);
    const path = rawAt(dataset, ['path']);
    if (rawAt(dataset, ['source']) !== 'idx' || typeof path !== 'string' || path === '') return;
    const problem = idxDirectoryProblem(resolve(baseDir, path));
    if (problem === undefined) return;
    const shown = isAbsolute(path) ? JSON.stringify(path) : `${JSON.stringify(path)} (resolved to ${resolve(baseDir, path)})`;
    const hint = resolve(baseDir, path) === FASHION_MNIST_DIR ? `; ${FASHION_MNIST_HINT}` : '';
    problems.push(`${formatPath(['tasks', i, 'dataset', 'path'])}: ${shown} ${problem}${hint}`);
  });
  return problems;
}

function idxDirectoryProblem(dir: string): string | undefined {
  const stat = statSync(dir, { throwIfNoEntry: false });
  if (stat === undefined) return 'does not exist';
  if (!stat.isDirectory()) return 'is not a directory';
  let entries: Set<string>;
  try {
    entries = new Set(readdirSync(dir));
  } catch (err) {
    return `cannot be read (${(err as Error).message})`;
  }
  const missing = IDX_FILE_NAMES.filter((f) => !entries.has(f) && !entries.has(`${f}.gz`));
  return missing.length === 0 ? undefined : `lacks the IDX file${missing.length > 1 ? 's' : ''} ${missing.map((f) => `${f}[.gz]`).join(', ')}`;
}

function withAbsoluteDatasetPaths(config: RunConfig, baseDir: string): RunConfig {
  const absolute = (task: RunConfig['tasks'][number]) => ({ ...task, dataset: datasetWithAbsolutePaths(task.dataset, baseDir) });
  return { ...config, tasks: config.tasks.map((task) => (task.dataset.source === 'mnist' || task.dataset.source === 'synthetic' ? task : absolute(task))) };
}

/** `model.from` files, like dataset paths, resolve against the config file's directory. */
function withAbsoluteModelPaths(config: RunConfig, baseDir: string): RunConfig {
  if (!('from' in config.model)) return config;
  const from = config.model.from;
  return { ...config, model: { ...config.model, from: typeof from === 'string' ? resolve(baseDir, from) : from.map((f) => resolve(baseDir, f)) } };
}

// ---- JSON syntax errors ----

// Node 20's JSON.parse names the position of only some syntax errors ("Unexpected token '{', ..." has
// none), so the offset comes from a small scanner that stops where the text stops being JSON.
export function jsonErrorWithLocation(message: string, text: string): string {
  let offset: number | undefined;
  try {
    offset = jsonErrorOffset(text);
  } catch {
    return message; // nested too deeply for the scanner to locate
  }
  if (offset === undefined) return message;
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `line ${line}, column ${column}: ${message}`;
}

/** The offset of the first character at which `text` stops being valid JSON (undefined if it is valid). */
export function jsonErrorOffset(text: string): number | undefined {
  let i = 0;
  const stop = new Error('stop');
  const fail = (): never => {
    throw stop;
  };
  const space = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const expect = (c: string) => (text[i] === c ? i++ : fail());
  const word = (w: string) => {
    for (const c of w) expect(c);
  };
  const str = () => {
    expect('"');
    for (;;) {
      const c = text[i];
      if (c === undefined || c < ' ') fail();
      if (c === '"') return void i++;
      if (c !== '\\') {
        i++;
        continue;
      }
      i++;
      if (text[i] === 'u') {
        i++;
        for (let k = 0; k < 4; k++)
          if (/[0-9a-fA-F]/.test(text[i] ?? '')) i++;
          else fail();
      } else if ('"\\/bfnrt'.includes(text[i] ?? 'x')) i++;
      else fail();
    }
  };
  const value = (): void => {
    space();
    const c = text[i];
    if (c === '{') {
      i++;
      space();
      if (text[i] === '}') return void i++;
      for (;;) {
        space();
        str();
        space();
        expect(':');
        value();
        space();
        if (text[i] === '}') return void i++;
        expect(',');
      }
    }
    if (c === '[') {
      i++;
      space();
      if (text[i] === ']') return void i++;
      for (;;) {
        value();
        space();
        if (text[i] === ']') return void i++;
        expect(',');
      }
    }
    if (c === '"') return str();
    if (c === 't') return word('true');
    if (c === 'f') return word('false');
    if (c === 'n') return word('null');
    const num = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    num.lastIndex = i;
    const m = num.exec(text);
    if (m === null) fail();
    else i += m[0].length;
  };
  try {
    value();
    space();
    return i < text.length ? i : undefined;
  } catch (err) {
    if (err === stop) return i;
    return undefined; // too deeply nested to scan: the caller keeps JSON.parse's own message
  }
}
