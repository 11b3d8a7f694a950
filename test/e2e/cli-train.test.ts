// The `hybrid` command as a user runs it (the built dist/cli.js): train with --json, export to TF.js,
// and the errors a user sees for bad data and missing data sets.
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const CLI = resolve('dist/cli.js');
const FASHION = '/usr/share/datasets/fashion-mnist';

async function hybrid(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('hybrid train and export (examples/quick.json)', () => {
  it('prints exactly one JSON object on stdout, writes the run, and exports a task to TF.js', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hybrid-cli-'));
    const out = join(dir, 'run');
    const r = await hybrid(['train', '--config', 'examples/quick.json', '--out', out, '--json', '--backend', 'wasm']);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(Object.keys(result).sort()).toEqual(['aggregation', 'compression', 'tasks', 'wall_seconds']);
    // The default method; each task's coefficient in the last round is its weight lambda_t (1 here).
    expect(result.aggregation).toEqual({ method: 'weighted_sum', last_weights: { digits: 1, 'digits-rot90': 1 } });
    expect(result.tasks.map((t: { name: string }) => t.name)).toEqual(['digits', 'digits-rot90']);
    for (const t of result.tasks) {
      expect(Object.keys(t).sort()).toEqual(['density', 'hybrid_accuracy', 'name', 'nnz', 'separate_accuracy']);
      expect(t.hybrid_accuracy).toBeGreaterThan(0.8);
      expect(t.separate_accuracy).toBeGreaterThan(0.8);
      expect(t.density).toBeLessThanOrEqual(0.02);
    }
    expect(result.compression.bytes_ratio).toBeGreaterThan(1.5);
    expect(r.stderr).toMatch(/backend/i);
    const saved = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(saved.tasks).toEqual(result.tasks);

    const e = await hybrid(['export', '--run', out, '--task', 'digits', '--format', 'tfjs']);
    expect(e.code, e.stderr).toBe(0);
    const model = JSON.parse(readFileSync(join(out, 'export', 'digits-tfjs', 'model.json'), 'utf8'));
    expect(model.format).toBe('layers-model');
    const b = await hybrid(['export', '--run', out]);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stderr).toMatch(/checksums verified/);
  });
});

describe('hybrid errors a user can act on', () => {
  it('a truncated Fashion-MNIST file is refused with an error naming it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hybrid-bad-'));
    for (const f of ['train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']) copyFileSync(join(FASHION, f), join(dir, f));
    writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), readFileSync(join(FASHION, 'train-images-idx3-ubyte.gz')).subarray(0, 100_000));
    const config = JSON.parse(readFileSync('examples/mnist-family.json', 'utf8'));
    config.tasks[2].dataset.path = dir;
    writeFileSync(join(dir, 'c.json'), JSON.stringify(config));
    const r = await hybrid(['train', '--config', join(dir, 'c.json'), '--json']);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(join(dir, 'train-images-idx3-ubyte.gz'));
    expect(r.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
  });

  it('a config naming a missing data set directory says how to fix it, with every other problem', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hybrid-cfg-'));
    const config = JSON.parse(readFileSync('examples/mnist-family.json', 'utf8'));
    config.tasks[2].dataset.path = join(dir, 'nowhere');
    config.train.batch_size = 0;
    writeFileSync(join(dir, 'c.json'), JSON.stringify(config));
    const r = await hybrid(['train', '--config', join(dir, 'c.json')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('nowhere');
    expect(r.stderr).toContain('batch_size');
    expect(existsSync(join(dir, 'run'))).toBe(false);
  });
});
