// Updates of W from the coordinator as their parts arrive: put back together and decoded (any value
// encoding); a broken one is logged and dropped (the next full W repairs the copy).
import { ValueAssembler, type DecodedTensor } from '../compression/stream-reader.js';
import { WireError, type ParamUpdate, type TensorMessage } from '../proto/codec.js';

export interface CompleteUpdate {
  version: number;
  /** The tensors hold W minus the copy the worker holds, to add to it. */
  delta: boolean;
  /** Training is over. */
  done: boolean;
  tensors: DecodedTensor[];
}

export class UpdateParts {
  private pending: ValueAssembler | null = null;

  constructor(private readonly log: (line: string) => void) {}

  /** Takes one part; returns the update once complete. */
  accept(part: ParamUpdate): CompleteUpdate | null {
    const index = part.part ?? 0;
    const version = part.version ?? 0;
    if (index === 0) this.pending = new ValueAssembler(`update to version ${version}`);
    const pending = this.pending;
    if (!pending) {
      this.log(`ignoring part ${index} of an update to version ${version} whose start was ignored`);
      return null;
    }
    try {
      if (!pending.accept(index, part.parts ?? 0, part.shared ?? [])) return null;
      return { version, delta: part.delta ?? false, done: part.done ?? false, tensors: pending.tensors };
    } catch (err) {
      if (!(err instanceof WireError)) throw err;
      this.log(`ignoring an update to version ${version}: ${err.message}`);
      return null;
    } finally {
      if (!pending.open) this.pending = null;
    }
  }

  /** Parts of an update still arriving are of no use once their connection closed. */
  reset(): void {
    this.pending = null;
  }
}

/** Whole tensors of one frame (a welcome's W), decoded; null (logged) when they do not decode. */
export function decodeWhole(tensors: readonly TensorMessage[], what: string, log: (line: string) => void): DecodedTensor[] | null {
  const values = new ValueAssembler(what);
  try {
    values.accept(0, 0, tensors);
    return values.tensors;
  } catch (err) {
    if (!(err instanceof WireError)) throw err;
    log(`ignoring ${what}: ${err.message}`);
    return null;
  }
}
