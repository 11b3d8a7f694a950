// Debian's Fashion-MNIST may be installed on the test machine, so the file system is faked here to make it
// missing (or empty) and check the install hint.
import { describe, expect, it, vi } from 'vitest';

const FASHION = '/usr/share/datasets/fashion-mnist';
const fake = vi.hoisted(() => ({ mode: 'absent' }));

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const isFashion = (p: unknown) => String(p).replace(/\/+$/, '') === '/usr/share/datasets/fashion-mnist';
  const statSync = ((p: Parameters<typeof fs.statSync>[0], o?: Parameters<typeof fs.statSync>[1]) => {
    if (isFashion(p) && fake.mode === 'absent') return undefined;
    if (isFashion(p)) return { isDirectory: () => true };
    return fs.statSync(p, o);
  }) as typeof fs.statSync;
  const readdirSync = ((p: Parameters<typeof fs.readdirSync>[0], o?: Parameters<typeof fs.readdirSync>[1]) => (isFashion(p) ? [] : fs.readdirSync(p, o as never))) as typeof fs.readdirSync;
  return { ...fs, default: { ...fs, statSync, readdirSync }, statSync, readdirSync };
});

const { ConfigError, parseRunConfig } = await import('../../config/load.js');

const config = (path: string) => ({ model: { arch: 'lenet5' }, tasks: [{ name: 'fashion', dataset: { source: 'idx', path } }] });

function problems(value: unknown): string[] {
  try {
    parseRunConfig(value, 'run.json');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as InstanceType<typeof ConfigError>).problems;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

const HINT = 'install it with `apt-get install dataset-fashion-mnist`, or point dataset.path at a directory holding the IDX files';

describe('Fashion-MNIST install hint', () => {
  it('tells how to get the data set when its Debian directory is missing', () => {
    fake.mode = 'absent';
    expect(problems(config(FASHION))).toEqual([`tasks[0].dataset.path: "${FASHION}" does not exist; ${HINT}`]);
    expect(problems(config(`${FASHION}/`))).toEqual([`tasks[0].dataset.path: "${FASHION}/" does not exist; ${HINT}`]);
  });

  it('tells how to get the data set when its Debian directory lacks the files', () => {
    fake.mode = 'empty';
    const [problem, ...rest] = problems(config(FASHION));
    expect(rest).toEqual([]);
    expect(problem).toMatch(/^tasks\[0\]\.dataset\.path: "\/usr\/share\/datasets\/fashion-mnist" lacks the IDX files train-images-idx3-ubyte\[\.gz\], /);
    expect(problem.endsWith(`; ${HINT}`)).toBe(true);
  });

  it('gives no such hint for other missing directories', () => {
    fake.mode = 'absent';
    const [problem] = problems(config('/nonexistent/fashion-mnist'));
    expect(problem).toBe('tasks[0].dataset.path: "/nonexistent/fashion-mnist" does not exist');
  });
});
