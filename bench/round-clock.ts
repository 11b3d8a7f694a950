// Round completion times, with the traffic counted up to each, and a measurement window over them: the
// benchmarks' one way of turning "rounds happened" into round time and bytes per round.

/** Payload bytes counted so far, in (to the coordinator) and out (from it). */
export interface Traffic {
  received: number;
  sent: number;
}

/** A measured stretch of rounds: how many, how long, and the traffic between its ends. */
export interface RoundWindow {
  rounds: number;
  ms: number;
  received: number;
  sent: number;
}

const NO_TRAFFIC = (): Traffic => ({ received: 0, sent: 0 });

export class RoundClock {
  private readonly ticks: { time: number; traffic: Traffic }[] = [];
  private notify: (() => void) | null = null;

  /** `traffic` is read at each tick, synchronously, as the round completes. */
  constructor(private readonly traffic: () => Traffic = NO_TRAFFIC) {}

  /** A round completed. */
  tick(): void {
    this.ticks.push({ time: performance.now(), traffic: this.traffic() });
    this.notify?.();
  }

  /**
   * After `warmupS` seconds and the first round (which includes the joins and welcomes), counts rounds
   * until `seconds` have passed and `minRounds` are in. Rejects when no round completes for `stallS`
   * seconds, or when `onFailure` reports one. `onStart` is called at the round that starts the window.
   */
  measure(warmupS: number, seconds: number, minRounds: number, stallS: number, onFailure: (cb: (err: Error) => void) => () => void, onStart: () => void = () => undefined): Promise<RoundWindow> {
    const start = performance.now();
    return new Promise((resolve, reject) => {
      let i0 = -1;
      let last = start;
      const finish = (err: Error | null, value?: RoundWindow): void => {
        clearInterval(stall);
        unsubscribe();
        this.notify = null;
        if (err) reject(err);
        else resolve(value!);
      };
      const stall = setInterval(() => {
        if (performance.now() - last > stallS * 1000) finish(new Error(`bench: no round completed for ${stallS} s (${this.ticks.length} rounds so far)`));
      }, 200);
      const unsubscribe = onFailure((err) => finish(err));
      this.notify = () => {
        const n = this.ticks.length;
        const t = this.ticks[n - 1];
        last = t.time;
        if (i0 < 0) {
          if (t.time - start >= warmupS * 1000) {
            i0 = n - 1;
            onStart();
          }
          return;
        }
        const first = this.ticks[i0];
        if (n - 1 - i0 >= minRounds && t.time - first.time >= seconds * 1000) {
          finish(null, { rounds: n - 1 - i0, ms: t.time - first.time, received: t.traffic.received - first.traffic.received, sent: t.traffic.sent - first.traffic.sent });
        }
      };
    });
  }
}
