import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, IDX_FILE_NAMES, loadRunConfig, parseRunConfig } from '../../config/load.js';

const root = mkdtempSync(join(tmpdir(), 'hybrid-datasets-'));

/** A directory holding the four IDX files (empty: the config check looks at names only). */
function idxDir(name: string, files: readonly string[] = IDX_FILE_NAMES): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const f of files) writeFileSync(join(dir, f), '');
  return dir;
}

const withIdx = (path: unknown) => ({
  model: { arch: 'lenet5' },
  tasks: [
    { name: 'digits', dataset: { source: 'mnist' } },
    { name: 'other', dataset: { source: 'idx', path } },
  ],
});

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

describe('idx dataset paths', () => {
  it('accepts a directory with the four files, raw or gzipped, and returns its path absolute', () => {
    const raw = idxDir('raw');
    const gz = idxDir(
      'gz',
      IDX_FILE_NAMES.map((f) => `${f}.gz`),
    );
    const mixed = idxDir('mixed', [IDX_FILE_NAMES[0], `${IDX_FILE_NAMES[1]}.gz`, IDX_FILE_NAMES[2], `${IDX_FILE_NAMES[3]}.gz`]);
    for (const dir of [raw, gz, mixed]) {
      const task = parseRunConfig(withIdx(dir), 'test').tasks[1];
      expect(task.dataset).toEqual({ source: 'idx', path: dir });
    }
  });

  it('reports a directory that does not exist', () => {
    const missing = join(root, 'nowhere');
    expect(problems(() => parseRunConfig(withIdx(missing), 'test'))).toEqual([`tasks[1].dataset.path: "${missing}" does not exist`]);
  });

  it('reports a path that is a file', () => {
    const file = join(idxDir('holder'), IDX_FILE_NAMES[0]);
    expect(problems(() => parseRunConfig(withIdx(file), 'test'))).toEqual([`tasks[1].dataset.path: "${file}" is not a directory`]);
  });

  it('names each IDX file the directory lacks', () => {
    const dir = idxDir('partial', [IDX_FILE_NAMES[0], `${IDX_FILE_NAMES[2]}.gz`]);
    expect(problems(() => parseRunConfig(withIdx(dir), 'test'))).toEqual([`tasks[1].dataset.path: "${dir}" lacks the IDX files train-labels-idx1-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]`]);
  });

  it("resolves a relative path against the config file's directory, not the working directory", () => {
    const configDir = join(root, 'configs');
    idxDir('configs/data/fashion');
    const file = join(configDir, 'run.json');
    writeFileSync(file, JSON.stringify(withIdx('data/fashion')));
    expect(loadRunConfig(file).tasks[1].dataset).toEqual({ source: 'idx', path: join(configDir, 'data/fashion') });

    const elsewhere = join(root, 'elsewhere.json');
    writeFileSync(elsewhere, JSON.stringify(withIdx('configs/missing')));
    expect(problems(() => loadRunConfig(elsewhere))).toEqual([`tasks[1].dataset.path: "configs/missing" (resolved to ${join(root, 'configs/missing')}) does not exist`]);
  });

  it('resolves a relative path against baseDir when parsing a value', () => {
    idxDir('base/set');
    expect(parseRunConfig(withIdx('set'), 'test', { baseDir: join(root, 'base') }).tasks[1].dataset).toEqual({ source: 'idx', path: join(root, 'base/set') });
  });

  it('reports a missing path together with zod errors and a duplicate name, in one error', () => {
    const missing = join(root, 'gone');
    const value = {
      model: { arch: 'lenet5' },
      tasks: [
        { name: 'x', dataset: { source: 'idx', path: missing, test: 0 } },
        { name: 'x', dataset: { source: 'mnist' } },
      ],
      train: { batch_size: 0 },
    };
    const list = problems(() => parseRunConfig(value, 'test'));
    expect(list).toHaveLength(4);
    expect(list).toEqual(
      expect.arrayContaining([
        'tasks[0].dataset.test: Too small: expected number to be >0',
        'train.batch_size: Too small: expected number to be >0',
        'tasks[1].name: duplicate task name "x"',
        `tasks[0].dataset.path: "${missing}" does not exist`,
      ]),
    );
  });

  it('skips the directory check when asked to', () => {
    const missing = join(root, 'remote-only');
    expect(parseRunConfig(withIdx(missing), 'test', { checkDatasets: false }).tasks[1].dataset).toEqual({ source: 'idx', path: missing });
  });
});
