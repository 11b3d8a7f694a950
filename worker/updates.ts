// Updates of W from the coordinator as their parts arrive: every piece checked against W's layout (the
// model's tensors, names and shapes, in order) before anything is allocated for it, put back together
// and decoded (any value encoding). A broken update is a WireError: the coordinator sent something this
// run's model rules out, and no later update repairs that.
import { ValueAssembler, type DecodedTensor } from '../compression/stream-reader.js';
import { ErrorCode, WireError, type ParamUpdate, type TensorMessage } from '../proto/codec.js';

export interface CompleteUpdate {
  version: number;
  /** The tensors hold W minus the copy the worker holds, to add to it. */
  delta: boolean;
  /** Training is over. */
  done: boolean;
  tensors: DecodedTensor[];
}

type Layout = readonly { name: string; shape: readonly number[] }[];

export class UpdateParts {
  private pending: ValueAssembler | null = null;

  /** `layout`: W's tensors, which every update but the last ("done", which may carry none) covers. */
  constructor(readonly layout: Layout) {}

  /** Takes one part; returns the update once complete. Throws WireError when it is broken. */
  accept(part: ParamUpdate): CompleteUpdate | null {
    const index = part.part ?? 0;
    const version = part.version ?? 0;
    const what = `update to version ${version}`;
    if (index === 0) {
      if (this.pending?.open) throw new WireError(ErrorCode.MALFORMED, `${what} began before the update in progress ended (part ${this.pending.waitingFor} missing)`);
      this.pending = new ValueAssembler(what, this.layout, part.done ?? false);
    }
    const pending = this.pending;
    if (!pending) throw new WireError(ErrorCode.MALFORMED, `${what}: part ${index} arrived first (part 0 is missing)`);
    try {
      if (!pending.accept(index, part.parts ?? 0, part.shared ?? [])) return null;
      return { version, delta: part.delta ?? false, done: part.done ?? false, tensors: pending.tensors };
    } finally {
      if (!pending.open) this.pending = null;
    }
  }

  /** Parts of an update still arriving are of no use once their connection closed. */
  reset(): void {
    this.pending = null;
  }
}

/** Whole tensors of one frame (a welcome's W), checked against W's layout and decoded. Throws WireError. */
export function decodeWhole(tensors: readonly TensorMessage[], what: string, layout: Layout): DecodedTensor[] {
  const values = new ValueAssembler(what, layout);
  values.accept(0, 0, tensors);
  return values.tensors;
}
