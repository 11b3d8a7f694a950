// The yardstick servers' round logic (bench/tcp.ts, bench/ws-rounds.ts): each client uploads `up` bytes
// a round; the round is complete once every client's are in, and bytes past a client's `up` (none in
// lockstep) count toward its next round.

export class RoundTally<Client> {
  private readonly received = new Map<Client, number>();
  private complete = 0;

  constructor(
    private readonly clients: number,
    private readonly up: number,
  ) {}

  /** Counts `bytes` from `client`; true when this completes the round (the counts then move on). */
  receive(client: Client, bytes: number): boolean {
    const before = this.received.get(client) ?? 0;
    const after = before + bytes;
    this.received.set(client, after);
    if (before < this.up && after >= this.up) this.complete++;
    if (this.complete < this.clients) return false;
    this.complete = 0;
    for (const [c, n] of this.received) {
      const left = n - this.up;
      this.received.set(c, left);
      if (left >= this.up) this.complete++;
    }
    return true;
  }
}
