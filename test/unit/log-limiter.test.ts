// lib/log-limiter.ts: the lines a peer can provoke, a few per kind per window, then one summary.
import { describe, expect, it } from 'vitest';
import { LogLimiter } from '../../lib/log-limiter.js';

describe('LogLimiter', () => {
  it('writes the first lines of a kind per window, counts the rest, and summarises them when the window ends', () => {
    let now = 0;
    const lines: string[] = [];
    const limiter = new LogLimiter((l) => lines.push(l), { perWindow: 3, windowMs: 1000, now: () => now });
    for (let i = 0; i < 10; i++) limiter.line('malformed', `bad frame ${i}`);
    limiter.line('auth', 'no token');
    expect(lines).toEqual(['bad frame 0', 'bad frame 1', 'bad frame 2', 'no token']);
    now = 1500;
    limiter.line('malformed', 'bad frame 10');
    expect(lines.slice(4)).toEqual(['7 more like this (malformed) in 2 s not logged; the last: bad frame 9', 'bad frame 10']);
    limiter.stop();
    expect(lines).toHaveLength(6); // nothing suppressed since: no summary
  });

  it('writes pending summaries when stopped', () => {
    const lines: string[] = [];
    const limiter = new LogLimiter((l) => lines.push(l), { perWindow: 1, windowMs: 60_000 });
    limiter.line('k', 'one');
    limiter.line('k', 'two');
    limiter.line('k', 'three');
    limiter.stop();
    expect(lines).toEqual(['one', expect.stringMatching(/^2 more like this \(k\) in \d+ s not logged; the last: three$/)]);
  });
});
