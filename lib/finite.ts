// The finite check every received value passes: one pass, no branch per entry.

/** True when no entry is NaN or infinite. x - x is 0 for finite x and NaN otherwise; four sums, so that
 *  the additions do not wait on each other (one chain is bound by the add's latency, four times slower). */
export function allFinite(values: Float32Array): boolean {
  let p0 = 0;
  let p1 = 0;
  let p2 = 0;
  let p3 = 0;
  const n = values.length;
  const whole = n - (n % 4);
  for (let i = 0; i < whole; i += 4) {
    const a = values[i];
    const b = values[i + 1];
    const c = values[i + 2];
    const d = values[i + 3];
    p0 += a - a;
    p1 += b - b;
    p2 += c - c;
    p3 += d - d;
  }
  for (let i = whole; i < n; i++) p0 += values[i] - values[i];
  return p0 + p1 + p2 + p3 === 0;
}

/** The index of the first entry that is NaN or infinite, or -1. */
export function firstNonFinite(values: Float32Array): number {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return i;
  return -1;
}
