// A least-recently-used cache of decoded examples, bounded in bytes: a streamed data set keeps what fits
// of its recent examples decoded, and never more. Map iteration order is insertion order, so re-inserting
// on every hit keeps the least recently used entry first.

export interface CacheStats {
  /** Examples held now. */
  entries: number;
  /** Bytes held now, and the most ever held at once: neither passes limitBytes. */
  bytes: number;
  peakBytes: number;
  limitBytes: number;
  hits: number;
  misses: number;
}

export class ExampleCache {
  private readonly entries = new Map<number, Float32Array>();
  private readonly capacity: number;
  private peak = 0;
  private hits = 0;
  private misses = 0;

  constructor(
    /** Floats per example. */
    readonly size: number,
    readonly limitBytes: number,
  ) {
    this.capacity = Math.floor(limitBytes / (size * Float32Array.BYTES_PER_ELEMENT));
  }

  /** Copies example `key` to out[offset ..] when held; returns whether it was. */
  copyTo(key: number, out: Float32Array, offset: number): boolean {
    const hit = this.entries.get(key);
    if (!hit) {
      this.misses++;
      return false;
    }
    this.hits++;
    this.entries.delete(key);
    this.entries.set(key, hit);
    out.set(hit, offset);
    return true;
  }

  /** A buffer to decode example `key` into, already held by the cache (the least recently used one's
   *  buffer is reused when full); undefined when not even one example fits the bound. */
  slot(key: number): Float32Array | undefined {
    if (this.capacity === 0) return undefined;
    let buf = this.entries.get(key);
    if (buf) this.entries.delete(key);
    else if (this.entries.size >= this.capacity) {
      const [oldest, reused] = this.entries.entries().next().value as [number, Float32Array];
      this.entries.delete(oldest);
      buf = reused;
    } else buf = new Float32Array(this.size);
    this.entries.set(key, buf);
    this.peak = Math.max(this.peak, this.bytes());
    return buf;
  }

  /** Forgets example `key` (its decode failed: the slot holds nothing valid). */
  drop(key: number): void {
    this.entries.delete(key);
  }

  private bytes(): number {
    return this.entries.size * this.size * Float32Array.BYTES_PER_ELEMENT;
  }

  stats(): CacheStats {
    return { entries: this.entries.size, bytes: this.bytes(), peakBytes: this.peak, limitBytes: this.limitBytes, hits: this.hits, misses: this.misses };
  }
}
