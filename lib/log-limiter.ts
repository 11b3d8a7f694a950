// Log lines that a peer can provoke (refused upgrades, refused frames) at a bounded rate: the first few
// of a kind per window are written, the rest counted and summarised in one line when the window ends.
// Without this, a client sending 2,000 garbage frames writes 2,000 lines.

export interface LogLimiterOptions {
  /** Lines of one kind written per window. */
  perWindow?: number;
  windowMs?: number;
  now?: () => number;
}

interface Window {
  start: number;
  written: number;
  suppressed: number;
  /** The last suppressed line, quoted in the summary. */
  example: string;
}

export class LogLimiter {
  private readonly windows = new Map<string, Window>();
  private readonly perWindow: number;
  private readonly windowMs: number;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly log: (line: string) => void,
    options: LogLimiterOptions = {},
  ) {
    this.perWindow = options.perWindow ?? 5;
    this.windowMs = options.windowMs ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** Writes `text` unless `kind` already wrote its share of lines in this window. */
  line(kind: string, text: string): void {
    const now = this.now();
    let w = this.windows.get(kind);
    if (w && now - w.start >= this.windowMs) {
      this.summarise(kind, w);
      w = undefined;
    }
    if (!w) {
      w = { start: now, written: 0, suppressed: 0, example: '' };
      this.windows.set(kind, w);
    }
    if (w.written < this.perWindow) {
      w.written++;
      this.log(text);
      return;
    }
    w.suppressed++;
    w.example = text;
    this.timer ??= setInterval(() => this.flush(false), this.windowMs).unref();
  }

  /** Writes the summaries of ended windows (all windows with `all`) and forgets them. */
  flush(all = true): void {
    const now = this.now();
    for (const [kind, w] of this.windows) {
      if (all || now - w.start >= this.windowMs) this.summarise(kind, w);
    }
    if (this.windows.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  /** Writes the pending summaries and stops the timer. */
  stop(): void {
    this.flush(true);
  }

  private summarise(kind: string, w: Window): void {
    this.windows.delete(kind);
    if (w.suppressed === 0) return;
    const seconds = Math.max(1, Math.round((this.now() - w.start) / 1000));
    this.log(`${w.suppressed} more like this (${kind}) in ${seconds} s not logged; the last: ${w.example}`);
  }
}
