import { describe, expect, it } from 'vitest';
import { compression, indexWidth } from '../../model/compression-accounting.js';

describe('compression accounting', () => {
  it('counts T separate float32 models against W + sparse (values and indices) + heads', () => {
    // two shared tensors: 1000 entries (16-bit indices) and 70000 (32-bit indices); three tasks
    const c = compression({
      sharedSizes: [1000, 70000],
      headSizes: [850, 850, 170],
      nnz: [
        [10, 100],
        [20, 200],
        [0, 0],
      ],
    });
    const shared = 71000;
    expect(c.separate_params).toBe(3 * shared + 1870);
    expect(c.hybrid_params).toBe(shared + 1870 + 330);
    expect(c.separate_bytes).toBe(4 * (3 * shared + 1870));
    expect(c.hybrid_bytes).toBe(4 * (shared + 1870) + 30 * (4 + 2) + 300 * (4 + 4));
    expect(c.params_ratio).toBeCloseTo(c.separate_params / c.hybrid_params, 12);
    expect(c.bytes_ratio).toBeCloseTo(c.separate_bytes / c.hybrid_bytes, 12);
  });

  it('stays below T while W is dense float32', () => {
    const c = compression({ sharedSizes: [60856], headSizes: [850, 850, 850], nnz: [[0], [0], [0]] });
    expect(c.bytes_ratio).toBeLessThan(3);
    expect(c.bytes_ratio).toBeGreaterThan(2.9);
  });

  it('uses 16-bit indices up to 65,536 entries', () => {
    expect(indexWidth(65536)).toBe(2);
    expect(indexWidth(65537)).toBe(4);
  });

  it('refuses inconsistent inputs', () => {
    expect(() => compression({ sharedSizes: [10], headSizes: [1, 2], nnz: [[1]] })).toThrow(/2 heads but 1 sparse/);
  });
});
