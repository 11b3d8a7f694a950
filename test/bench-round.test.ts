import { describe, expect, it } from 'vitest';
import { parseArgs } from '../bench/round.js';

describe('bench:round, the F32-only alias of bench:comm', () => {
  it('keeps its own defaults and flags, and sends F32 only', () => {
    const d = parseArgs([]);
    expect(d).toMatchObject({ workers: [1, 3, 8], params: [1_000_000, 4_000_000], encodings: ['f32'], seconds: 3, warmup: 1, mask: 'zero' });
    const opts = parseArgs(['--json', '--workers', '2,5', '--params', '10k,1M', '--seconds', '2', '--mask', 'random']);
    expect(opts).toMatchObject({ json: true, workers: [2, 5], params: [10_000, 1_000_000], seconds: 2, mask: 'random', encodings: ['f32'] });
    expect(() => parseArgs(['--params', 'lots'])).toThrow(/bench:round: --params takes positive numbers; got 'lots'/);
    expect(() => parseArgs(['--mask', 'none'])).toThrow(/--mask takes random or zero/);
    // The encodings are bench:comm's business.
    expect(() => parseArgs(['--encodings', 'topk'])).toThrow(/bench:round: unknown option '--encodings'/);
  });
});
