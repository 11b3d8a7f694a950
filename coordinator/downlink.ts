// What the workers receive of W: the full W when they join and when a push of theirs was refused, and
// after each round either W itself or, with a lossy downlink (distributed.downlink), its encoded delta
// against the mirror of what they hold, with the full W every dense_every versions.
import { encodeWithSentValues, ENCODING_IDS } from '../compression/encodings/index.js';
import { Mirror } from '../compression/mirror.js';
import { encodeStream, partFields, rawF32, type StreamTensor } from '../compression/tensor-stream.js';
import type { DownlinkConfig } from '../config/schema.js';
import type { ParamUpdate, TensorMessage } from '../proto/codec.js';
import { UpdateFrameWriter } from '../proto/update-frames.js';
import type { Session } from './session.js';

export class Downlink {
  /** The W every worker holds: W itself while the downlink sends F32 (nothing to keep in step). */
  readonly mirror: Mirror;
  private readonly frames = new UpdateFrameWriter();

  constructor(
    /** The tensors of W this process holds (coordinator/run-context.ts ShardPosition.layout). */
    private readonly layout: readonly { name: string; shape: readonly number[] }[],
    private readonly config: DownlinkConfig,
    private readonly chunkBytes: number,
    /** W, updated in place by the rounds. */
    private readonly w: readonly Float32Array[],
    version: number,
    /** The mirror's arrays beside W, and W minus them after every step (coordinator/shared-weights.ts),
     *  for a lossy downlink; without them the mirror is a copy and each round computes the delta. */
    private readonly beside: { tensors: Float32Array[]; delta: Float32Array[] } | null = null,
  ) {
    const lossy = config.encoding !== 'f32';
    if (lossy && beside) beside.tensors.forEach((m, t) => m.set(w[t]));
    this.mirror = new Mirror(!lossy ? [...w] : (beside?.tensors ?? w.map((t) => t.slice())), version);
  }

  private stream(values: readonly Float32Array[]): StreamTensor[] {
    return this.layout.map((t, i) => ({ name: t.name, shape: t.shape, values: values[i] }));
  }

  /** The mirror in full, in parts (one when it fits a frame): what a joining worker starts from. */
  fullParts(): TensorMessage[][] {
    return encodeStream(this.stream(this.mirror.tensors), this.chunkBytes, ENCODING_IDS.f32, rawF32);
  }

  /**
   * The update that brings the workers' copies to `version` after a round: the full W when the downlink
   * sends F32 or the version is a multiple of dense_every, else W minus the mirror, each piece encoded
   * on its own; the mirror takes exactly the float32 additions each worker does with the decoded delta.
   */
  roundUpdate(version: number): { update: ParamUpdate; parts: TensorMessage[][] } {
    const { encoding } = this.config;
    if (encoding === 'f32' || version % this.config.dense_every === 0) {
      this.mirror.replace(version, this.w);
      return { update: { version }, parts: this.fullParts() };
    }
    const options = { topkFraction: this.config.topk_fraction, topkValues: this.config.topk_values };
    const parts = encodeStream(
      this.stream(this.w),
      this.chunkBytes,
      ENCODING_IDS[encoding],
      this.mirror.deltaEncoder((delta) => encodeWithSentValues(delta, encoding, options), this.beside?.delta),
    );
    this.mirror.advance(version);
    return { update: { version, delta: true }, parts };
  }

  /** Sends an update in its parts (each frame written once, into a pooled buffer that comes back once
   *  every session has written it out) to every session. */
  send(sessions: Iterable<Session>, update: ParamUpdate, parts: readonly TensorMessage[][]): void {
    const targets = [...sessions];
    parts.forEach((shared, i) => {
      const { frame, release } = this.frames.write({ ...update, ...partFields(i, parts.length) }, shared);
      let pending = targets.length;
      const sent = (): void => {
        if (--pending === 0) release();
      };
      if (pending === 0) release();
      for (const session of targets) session.sendFrame('update', frame, sent);
    });
  }

  /** The full mirror at `version` to one session (a worker whose push was refused goes on from it). */
  sendFull(session: Session, version: number): void {
    this.send([session], { version, done: false }, this.fullParts());
  }
}
