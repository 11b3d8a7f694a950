// The worker's heartbeat: the coordinator drops a worker it has not heard from for three heartbeat
// periods. A timer can only fire while the event loop is free, so the steps that may hold it for long
// (loading the data, building the trainer, the first round) also beat right before and after.
export class Heartbeat {
  private timer: NodeJS.Timeout | null = null;

  /** `beat` sends one heartbeat (nothing when the connection is down). */
  constructor(private readonly send: () => void) {}

  /** Beats now, then every `ms`. */
  start(ms: number): void {
    this.stop();
    this.timer = setInterval(() => this.send(), ms);
    this.timer.unref();
    this.send();
  }

  /** One heartbeat now, if the heartbeat is running. */
  beat(): void {
    if (this.timer) this.send();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
