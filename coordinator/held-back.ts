// What Adam's second moment should see when the uplink sends only some coordinates per round (TOPK with
// error feedback). A coordinate a worker held back for `a` rounds arrives as one burst B, the sum of a
// rounds' gradients. Fed to Adam as is, the burst inflates v by about a (v averages B^2 / a = a g^2), so
// the coordinate moves sqrt(a) times less than the same gradients sent densely would move it: most of
// W trains several times slower than under dense F32. Counting the burst as a rounds of its mean keeps
// v where dense training would have it: each round's v input is (sum_t w_t B_t / sqrt(a_t))^2, which is
// exactly the dense (sum_t w_t g_t)^2 when every coordinate is sent every round (a_t = 1). The first
// moment still takes the bursts themselves, so what moves W over time is what was sent, nothing lost.
import type { RunConfig } from '../config/schema.js';
import { checkContributions, termWeight, type Contribution } from './aggregation.js';

/** Whether a run's pushes hold coordinates back: TOPK with error feedback (the others send every entry,
 *  and without error feedback nothing held back is ever sent). */
export function holdsBack(uplink: RunConfig['distributed']['uplink']): boolean {
  return uplink.encoding === 'topk' && uplink.error_feedback && uplink.variance_correction;
}

export class HeldBackRounds {
  /** lastSent[task][t][i]: the round in which the task last sent entry i of tensor t. */
  private readonly lastSent = new Map<string, Int32Array[]>();

  constructor(private readonly sizes: readonly number[]) {}

  /**
   * Writes the second-moment input of round `round` into `out` (one array per tensor) and records which
   * entries each contribution sent (its non-zero ones). A task seen for the first time (or again after
   * reset) has held nothing back yet: its worker's residual starts empty.
   */
  varianceInput(round: number, contributions: readonly Contribution[], out: Float32Array[]): void {
    checkContributions(contributions, out);
    for (let t = 0; t < out.length; t++) {
      const o = out[t];
      o.fill(0);
      for (const c of contributions) {
        const g = c.gradient[t];
        const last = this.rounds(c.task, round)[t];
        const w = termWeight(c);
        for (let i = 0; i < o.length; i++) {
          const gi = g[i];
          if (gi === 0) continue;
          o[i] += (w * gi) / Math.sqrt(round - last[i]);
          last[i] = round;
        }
      }
    }
  }

  /** Forgets what was sent: after a restore from a checkpoint, which does not keep it. */
  reset(): void {
    this.lastSent.clear();
  }

  private rounds(task: string, round: number): Int32Array[] {
    let tensors = this.lastSent.get(task);
    if (!tensors) {
      tensors = this.sizes.map((n) => new Int32Array(n).fill(round - 1));
      this.lastSent.set(task, tensors);
    }
    return tensors;
  }
}
