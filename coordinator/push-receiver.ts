// Gradient pushes as they arrive, part by part: each piece is checked against the model's layout and
// decoded into a recycled slot the moment it arrives (the frame can go), so that a complete push is its
// gradient, ready for the round. A part that breaks the stream refuses the whole push; its remaining
// parts are dropped quietly.
import { decodePieceInto, PartReader } from '../compression/stream-reader.js';
import { ErrorCode, WireError, type EvaluationMessage, type GradientPush } from '../proto/codec.js';
import type { PushSupport } from './aggregation.js';
import type { GradientSlots } from './gradient-slots.js';
import type { Session } from './session.js';

/** A push whose parts are arriving: each piece is decoded into `slot` on arrival. */
export interface IncomingPush {
  reader: PartReader;
  slot: Float32Array[];
  /** The slot was all zeros when the push began: a sparse piece need not clear its range. */
  zeroed: boolean;
  baseVersion: number;
  /** The entries sent so far, while every piece was sparse (TOPK); null once one was dense. */
  support: { tensor: number; indices: Uint32Array }[] | null;
}

/** A push with every part in. */
export interface CompletePush {
  task: string;
  baseVersion: number;
  /** Decoded, finite, one array per shared tensor; give it back with release() once nothing reads it. */
  gradient: Float32Array[];
  loss: number;
  samples: number;
  evaluation: EvaluationMessage | null;
  /** Where the gradient's non-zero entries can only be (every piece TOPK); absent: anywhere. */
  support?: PushSupport;
}

export class PushReceiver {
  constructor(
    private readonly layout: readonly { name: string; shape: readonly number[] }[],
    private readonly slots: GradientSlots,
    /** The finite test of decoded F32 pieces (SIMD for the weight arena's push buffers). */
    private readonly isFinite: (values: Float32Array) => boolean,
  ) {}

  /** Takes one part of a push on `session` (joined to `task`); returns the push once complete. Throws
   *  WireError on a broken part, after dropping the push. */
  accept(session: Session, task: string, push: GradientPush): CompletePush | null {
    if (push.task && push.task !== task) throw new WireError(ErrorCode.UNKNOWN_TASK, `this connection trains "${task}", not "${push.task}"`);
    const part = push.part ?? 0;
    const parts = push.parts ?? 0;
    const base = push.baseVersion ?? 0;
    if (part > 0 && session.skipping === base) {
      if (part + 1 >= parts) session.skipping = null;
      return null;
    }
    session.skipping = null;
    if (part === 0) {
      const earlier = session.push;
      this.drop(session);
      if (earlier) throw new WireError(ErrorCode.MALFORMED, `a new push began while part ${earlier.reader.waitingFor} of the push for version ${earlier.baseVersion} was missing; both dropped`);
      const { slot, zeroed } = this.slots.acquire();
      session.push = { reader: new PartReader(`push for version ${base}`, this.layout), slot, zeroed, baseVersion: base, support: [] };
    } else if (!session.push) {
      throw new WireError(ErrorCode.MALFORMED, `push part ${part} for version ${base} without the parts before it`);
    }
    const pending = session.push;
    let complete: boolean;
    try {
      if (base !== pending.baseVersion) throw new WireError(ErrorCode.MALFORMED, `push part ${part} is for version ${base}, its part 0 for ${pending.baseVersion}`);
      const accepted = pending.reader.accept(part, parts, push.gradient ?? []);
      // Any value encoding (distributed.uplink), decoded into the slot as it arrives; what decodes is finite.
      for (const p of accepted.pieces) {
        const kept = decodePieceInto(p.message, pending.slot[p.tensor].subarray(p.offset, p.offset + p.count), this.isFinite, pending.zeroed);
        if (kept === null) pending.support = null;
        else if (pending.support) {
          for (let j = 0; j < kept.length; j++) kept[j] += p.offset;
          pending.support.push({ tensor: p.tensor, indices: kept });
        }
      }
      complete = accepted.complete;
    } catch (err) {
      this.drop(session);
      if (part + 1 < parts) session.skipping = base;
      throw err;
    }
    if (!complete) return null;
    session.push = null;
    const loss = push.loss ?? 0;
    if (!Number.isFinite(loss)) {
      this.release(pending.slot);
      throw new WireError(ErrorCode.NON_FINITE, `loss is ${loss}`);
    }
    const support = pending.support ?? undefined;
    return { task, baseVersion: base, gradient: pending.slot, loss, samples: push.samples ?? 0, evaluation: push.evaluation ?? null, support };
  }

  /** Gives back the slot of a push whose parts stopped coming. */
  drop(session: Session): void {
    if (session.push) this.slots.release(session.push.slot);
    session.push = null;
  }

  /** Gives back a complete push's gradient once nothing reads it any more; with the push's support
   *  where the gradient is as decoded (zero outside it), so that the slot is cleared in O(k). */
  release(gradient: readonly Float32Array[], support?: PushSupport): void {
    this.slots.release(gradient, support);
  }
}
