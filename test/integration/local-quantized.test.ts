// A distributed run with `export.quantize` (one coordinator, and the lead of two shards): the
// coordinator writes <out>/bundle-<q> beside the float32 bundle, and `hybrid local`'s last step
// (launch/local-quantized.ts) adds every task's accuracy from that bundle alone to the result and to
// results.json, the same numbers `hybrid train`'s evaluation gives for the same float32 bundle.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunConfig } from '../../config/schema.js';
import { addQuantizedAccuracies } from '../../launch/local-quantized.js';
import { quantizedResult } from '../../launch/quantized-eval.js';
import { loadAllTasks } from '../../launch/train.js';
import { readBundle } from '../../model/bundle.js';
import { inspectBundle } from '../../model/bundle-inspect.js';
import { shardTestConfig } from '../support/shard-fixtures.js';
import { runSharded } from '../support/sharded-run.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('a distributed run with export.quantize', () => {
  for (const shards of [1, 2]) {
    it(`K = ${shards}: the coordinator writes bundle-int8, and the local run reports each task's accuracy from it`, async () => {
      const out = mkdtempSync(join(tmpdir(), 'hybrid-local-quantized-'));
      dirs.push(out);
      const config: RunConfig = { ...shardTestConfig({}, 'local quantized test'), export: { quantize: 'int8' } };
      const run = await runSharded(config, shards, out);
      expect(run.result).not.toBeNull();
      const written = inspectBundle(join(out, 'bundle-int8'));
      expect(written.parts.filter((p) => p.name.startsWith('shared/')).every((p) => p.encoding === 'int8')).toBe(true);
      expect(written.bytes_ratio).toBeGreaterThan(inspectBundle(join(out, 'bundle')).bytes_ratio);

      const lines: string[] = [];
      const result = await addQuantizedAccuracies(config, out, run.result!, (l) => void lines.push(l));
      const data = await loadAllTasks(config);
      // What `hybrid train` reports for the same float32 bundle.
      const expected = quantizedResult(readBundle(join(out, 'bundle')), 'int8', data);
      expect(result.quantized).toEqual(expected);
      expect(result.quantized!.tasks.map((t) => t.name)).toEqual(['a', 'b']);
      expect(lines.filter((l) => l.startsWith('int8 bundle '))).toHaveLength(2);
      const onDisk = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Record<string, unknown>;
      expect(onDisk.quantized).toEqual(expected);
      // What the coordinator wrote stays: its tasks and its detailed compression accounting.
      expect(onDisk.tasks).toEqual(run.result!.tasks);
      expect(Object.keys(onDisk.compression as object).length).toBeGreaterThan(2);
    });
  }

  it('without export.quantize writes no quantised bundle and leaves the result alone', async () => {
    const out = mkdtempSync(join(tmpdir(), 'hybrid-local-quantized-'));
    dirs.push(out);
    const config = shardTestConfig({}, 'local quantized test');
    const run = await runSharded(config, 1, out);
    expect(inspectBundle(join(out, 'bundle')).tasks).toHaveLength(2);
    expect(() => inspectBundle(join(out, 'bundle-int8'))).toThrow();
    expect(await addQuantizedAccuracies(config, out, run.result!, () => undefined)).toBe(run.result);
  });
});
