// What Adam's second moment should see when the uplink sends only some coordinates per round (TOPK with
// error feedback). A coordinate a worker held back for `a` rounds arrives as one burst B, the sum of a
// rounds' gradients. Fed to Adam as is, the burst inflates v by about a (v averages B^2 / a = a g^2), so
// the coordinate moves sqrt(a) times less than the same gradients sent densely would move it: most of
// W trains several times slower than under dense F32. Counting the burst as a rounds of its mean keeps
// v where dense training would have it: each round's v input is (sum_t w_t B_t / sqrt(a_t))^2, which is
// exactly the dense (sum_t w_t g_t)^2 when every coordinate is sent every round (a_t = 1). The first
// moment still takes the bursts themselves, so what moves W over time is what was sent, nothing lost.
import type { RunConfig } from '../config/schema.js';
import type { Contribution, PushSupport } from './aggregation.js';

/** Whether a run's pushes hold coordinates back: TOPK with error feedback (the others send every entry,
 *  and without error feedback nothing held back is ever sent). */
export function holdsBack(uplink: RunConfig['distributed']['uplink']): boolean {
  return uplink.encoding === 'topk' && uplink.error_feedback && uplink.variance_correction;
}

export class HeldBackRounds {
  /** Per task: how many of its pushes were counted, and lastSent[t][i], the push (0, 1, ...) in which
   *  it last sent entry i of tensor t. A task's own pushes are its rounds, in async mode too, where the
   *  version moves on with every task's push. */
  private readonly tasks = new Map<string, { pushes: number; lastSent: Int32Array[] }>();
  /** The entries the last round wrote into `out`, when all its pushes were sparse: zeroing them alone
   *  keeps a TOPK round's work O(k). Null: anywhere (the whole of `out` is zeroed). */
  private written: PushSupport[] | null = null;

  constructor(private readonly sizes: readonly number[]) {}

  /**
   * Writes the second-moment input of a round's `contributions` (one push per task, each with its
   * coefficient in the combined gradient) into `out`, one array per tensor, and records which entries
   * each push sent (its non-zero ones). A task seen for the first time (or again after reset) has held
   * nothing back yet: its worker's residual starts empty. The contributions must fit `out` (checked by
   * the caller).
   */
  varianceInput(contributions: readonly Contribution[], coefficients: readonly number[], out: Float32Array[]): void {
    this.clear(out);
    contributions.forEach((c, k) => {
      const task = this.task(c.task);
      const push = task.pushes++;
      const w = coefficients[k];
      // The same additions in the same order either way: a piece's entries are its tensor's, in order.
      if (c.support) for (const { tensor, indices } of c.support) visitSparse(out[tensor], c.gradient[tensor], task.lastSent[tensor], indices, w, push);
      else for (let t = 0; t < out.length; t++) visitDense(out[t], c.gradient[t], task.lastSent[t], w, push);
    });
    this.written = contributions.every((c) => c.support) ? contributions.map((c) => c.support!) : null;
  }

  private clear(out: Float32Array[]): void {
    if (this.written === null) {
      for (const o of out) o.fill(0);
      return;
    }
    for (const support of this.written) {
      for (const { tensor, indices } of support) {
        const o = out[tensor];
        for (let j = 0; j < indices.length; j++) o[indices[j]] = 0;
      }
    }
  }

  /** Forgets what was sent: after a restore from a checkpoint, which does not keep it. */
  reset(): void {
    this.tasks.clear();
    this.written = null;
  }

  private task(name: string): { pushes: number; lastSent: Int32Array[] } {
    let task = this.tasks.get(name);
    if (!task) {
      task = { pushes: 0, lastSent: this.sizes.map((n) => new Int32Array(n).fill(-1)) };
      this.tasks.set(name, task);
    }
    return task;
  }
}

/** A sent entry's input: its value over the root of the rounds since the task last sent it. Zeros were
 *  not sent (an F16 value may round to 0). */
function visitSparse(o: Float32Array, g: Float32Array, last: Int32Array, indices: Uint32Array, w: number, push: number): void {
  for (let j = 0; j < indices.length; j++) {
    const i = indices[j];
    const gi = g[i];
    if (gi === 0) continue;
    o[i] += (w * gi) / Math.sqrt(push - last[i]);
    last[i] = push;
  }
}

/** As visitSparse, over every entry of a dense push. */
function visitDense(o: Float32Array, g: Float32Array, last: Int32Array, w: number, push: number): void {
  const visit = (i: number): void => {
    const gi = g[i];
    if (gi === 0) return;
    o[i] += (w * gi) / Math.sqrt(push - last[i]);
    last[i] = push;
  };
  // Most entries were not sent: two float32 zeros read as one float64 are 0 (+0 or -0 with a -0 high
  // half), so the scan skips them two at a time. Anything else is looked at entry by entry.
  let i = 0;
  if (g.byteOffset % 8 === 0) {
    const pairs = new Float64Array(g.buffer, g.byteOffset, g.length >> 1);
    for (let j = 0; j < pairs.length; j++) {
      if (pairs[j] === 0) continue;
      visit(2 * j);
      visit(2 * j + 1);
    }
    i = 2 * pairs.length;
  }
  for (; i < g.length; i++) visit(i);
}
