// Seeded randomness (lib/random.ts): reproducible per (seed, stream), independent across streams and
// nearby seeds, any safe-integer seed, and the distributions' basic properties.
import { describe, expect, it } from 'vitest';
import { Random } from '../../lib/random.js';

const draws = (seed: number, stream: string, n = 16): number[] => {
  const r = Random.stream(seed, stream);
  return Array.from({ length: n }, () => r.uniform());
};

/** Pearson correlation of two equally long samples. */
function correlation(a: readonly number[], b: readonly number[]): number {
  const n = a.length;
  const ma = a.reduce((s, x) => s + x, 0) / n;
  const mb = b.reduce((s, x) => s + x, 0) / n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

describe('Random streams', () => {
  it.each<[number, string]>([
    [0, 'shared'],
    [5, 'batches/a'],
    [2 ** 40 + 3, 'head/b'],
    [Number.MAX_SAFE_INTEGER, ''],
  ])('the same (seed %d, stream %j) gives the same numbers, of every kind', (seed, stream) => {
    const take = () => {
      const r = Random.stream(seed, stream);
      return {
        u: Array.from({ length: 8 }, () => r.uniform()),
        i: Array.from({ length: 8 }, () => r.int(-5, 1000)),
        g: Array.from(r.fillGaussian(new Float32Array(9), 2)),
        p: Array.from(r.permutation(20)),
      };
    };
    const a = take();
    expect(take()).toEqual(a);
    for (const u of a.u) {
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
    }
  });

  it('different streams of one seed differ', () => {
    const names = ['shared', 'batches/a', 'batches/b', 'head/a', 'head/b', 'split', 'a', 'b', 'ab', 'ba'];
    const firsts = names.map((n) => draws(3, n));
    for (let i = 0; i < names.length; i++) {
      for (let j = i + 1; j < names.length; j++) {
        expect(firsts[i], `${names[i]} vs ${names[j]}`).not.toEqual(firsts[j]);
        expect(firsts[i][0]).not.toBe(firsts[j][0]);
      }
    }
  });

  it('nearby seeds (0, 1, 2) give unrelated first draws', () => {
    const [a, b, c] = [0, 1, 2].map((s) => draws(s, 'shared', 64));
    for (const [x, y] of [
      [a, b],
      [b, c],
      [a, c],
    ]) {
      expect(x[0]).not.toBe(y[0]);
      // not a shifted copy of each other either
      expect(x.slice(1)).not.toEqual(y.slice(0, -1));
      expect(y.slice(1)).not.toEqual(x.slice(0, -1));
      // and no visible linear relation over the first 64 draws
      expect(Math.abs(correlation(x, y))).toBeLessThan(0.4);
    }
    // Over many consecutive seeds, the first draw is spread out and does not follow the seed.
    const seeds = Array.from({ length: 2000 }, (_, s) => s);
    const first = seeds.map((s) => Random.stream(s, 'shared').uniform());
    expect(Math.abs(correlation(seeds, first))).toBeLessThan(0.1);
    expect(Math.abs(correlation(first.slice(1), first.slice(0, -1)))).toBeLessThan(0.1);
    const mean = first.reduce((s, x) => s + x, 0) / first.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.05);
    // consecutive seeds' first draws are not close to each other
    const meanGap = first.slice(1).reduce((s, x, i) => s + Math.abs(x - first[i]), 0) / (first.length - 1);
    expect(meanGap).toBeGreaterThan(0.25); // 1/3 for independent uniforms
  });

  it('seeds beyond 32 bits work and differ from their low 32 bits', () => {
    const big = [2 ** 32, 2 ** 32 + 1, 2 ** 40, 2 ** 52 + 7, Number.MAX_SAFE_INTEGER, -1, -(2 ** 40)];
    const low = draws(0, 'x');
    const seen = new Set<number>([low[0]]);
    for (const seed of big) {
      const d = draws(seed, 'x');
      expect(draws(seed, 'x')).toEqual(d);
      for (const u of d) expect(u >= 0 && u < 1).toBe(true);
      seen.add(d[0]);
    }
    // 2^32 has the same low 32 bits as 0, 2^32 + 1 as 1: they must still be different streams.
    expect(draws(2 ** 32, 'x')).not.toEqual(low);
    expect(draws(2 ** 32 + 1, 'x')).not.toEqual(draws(1, 'x'));
    expect(seen.size).toBe(big.length + 1);
  });

  it.each<[string, number]>([
    ['2^53', 2 ** 53],
    ['MAX_SAFE_INTEGER + 2', Number.MAX_SAFE_INTEGER + 2],
    ['a fraction', 1.5],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-2^60', -(2 ** 60)],
  ])('refuses a non-safe-integer seed (%s) with a RangeError', (_what, seed) => {
    expect(() => Random.stream(seed, 'x')).toThrow(RangeError);
    expect(() => Random.stream(seed, 'x')).toThrow(/safe integer/);
  });
});

describe('Random distributions', () => {
  it.each([0, 1, 2, 7, 100, 1000])('permutation(%d) is a permutation of 0..n-1', (n) => {
    const p = Random.stream(11, `perm/${n}`).permutation(n);
    expect(p).toBeInstanceOf(Int32Array);
    expect(p.length).toBe(n);
    expect(Array.from(p).sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
  });

  it('permutations are shuffled, and each position takes every value over many draws', () => {
    const n = 8;
    const r = Random.stream(12, 'perm');
    const counts = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    let identity = 0;
    const draws = 4000;
    for (let k = 0; k < draws; k++) {
      const p = r.permutation(n);
      if (p.every((v, i) => v === i)) identity++;
      p.forEach((v, i) => counts[i][v]++);
    }
    expect(identity).toBeLessThan(5); // 1/8! of 4000 is 0.1
    for (const row of counts) for (const c of row) expect(Math.abs(c - draws / n)).toBeLessThan(120); // 500 +- ~5.5 sd
  });

  it.each([
    [1, 20000],
    [0.5, 20001],
    [3, 20000],
  ])('fillGaussian(std %d) over %d draws has mean ~0 and std ~std', (std, n) => {
    const out = Random.stream(13, `gauss/${std}`).fillGaussian(new Float32Array(n), std);
    for (const v of out) expect(Number.isFinite(v)).toBe(true);
    // the odd tail entry is filled too
    expect(out[n - 1]).not.toBe(0);
    const mean = out.reduce((s, x) => s + x, 0) / n;
    const sd = Math.sqrt(out.reduce((s, x) => s + (x - mean) ** 2, 0) / n);
    expect(Math.abs(mean)).toBeLessThan((4 * std) / Math.sqrt(n));
    expect(Math.abs(sd / std - 1)).toBeLessThan(0.03);
    // about 68% within one std
    const within = out.reduce((s, x) => s + (Math.abs(x) < std ? 1 : 0), 0) / n;
    expect(within).toBeGreaterThan(0.66);
    expect(within).toBeLessThan(0.7);
  });

  it('fillGaussian with the default std is N(0, 1) and returns the array it filled', () => {
    const buf = new Float32Array(10000);
    const out = Random.stream(14, 'gauss').fillGaussian(buf);
    expect(out).toBe(buf);
    const sd = Math.sqrt(out.reduce((s, x) => s + x * x, 0) / out.length);
    expect(Math.abs(sd - 1)).toBeLessThan(0.04);
  });

  it.each<[number, number]>([
    [0, 1],
    [0, 9],
    [-3, 3],
    [5, 5],
    [1000, 1003],
    [-(2 ** 31), -(2 ** 31) + 2],
  ])('int(%d, %d) stays in range and hits both ends', (from, to) => {
    const r = Random.stream(15, `int/${from}/${to}`);
    const seen = new Set<number>();
    for (let k = 0; k < 2000; k++) {
      const v = r.int(from, to);
      expect(Number.isInteger(v)).toBe(true);
      expect(v).toBeGreaterThanOrEqual(from);
      expect(v).toBeLessThanOrEqual(to);
      seen.add(v);
    }
    expect(seen.has(from)).toBe(true);
    expect(seen.has(to)).toBe(true);
    expect(seen.size).toBe(to - from + 1);
  });
});
