// The push's gradient on the wire (distributed.uplink): each tensor cut into pieces of at most the
// chunk size, each piece in the uplink encoding on its own (through error feedback when on, which keeps
// what a lossy encoding did not send, per piece), the pieces grouped into frames. F32 for the first
// warmup_rounds rounds.
import { encodeValues, encodeWithSent, ENCODING_IDS, type EncodingName } from '../compression/encodings/index.js';
import { encodingForRound, ErrorFeedback } from '../compression/error-feedback.js';
import { encodeStream, pieceEntries, pieceRanges, rawF32, type StreamTensor } from '../compression/tensor-stream.js';
import type { UplinkConfig } from '../config/schema.js';
import type { TensorMessage } from '../proto/codec.js';

export class Uplink {
  /** What the lossy encoding has not sent yet, per piece (made on the first lossy round). */
  private feedback: ErrorFeedback | null = null;

  constructor(
    /** The tensors of W this push carries (a shard's slices, with shards). */
    private readonly layout: readonly { name: string; shape: readonly number[] }[],
    private readonly config: UplinkConfig,
    private readonly chunkBytes: number,
  ) {}

  /** The parts of the push of `gradient` (one per shared tensor) for round `version`. */
  parts(version: number, gradient: readonly Float32Array[]): TensorMessage[][] {
    const tensors: StreamTensor[] = this.layout.map((t, i) => ({ name: t.name, shape: t.shape, values: gradient[i] }));
    if (this.config.encoding === 'f32') return encodeStream(tensors, this.chunkBytes, ENCODING_IDS.f32, rawF32);
    const encoding: EncodingName = encodingForRound(version, this.config.warmup_rounds, this.config.encoding);
    const options = { topkFraction: this.config.topk_fraction, topkValues: this.config.topk_values };
    if (!this.config.error_feedback) return encodeStream(tensors, this.chunkBytes, ENCODING_IDS[encoding], (values) => encodeValues(values, encoding, options));
    this.feedback ??= new ErrorFeedback(
      pieceRanges(
        tensors.map((t) => t.values.length),
        pieceEntries(this.chunkBytes),
      ).map((r) => r.count),
      { momentum: this.config.momentum_correction },
    );
    const feedback = this.feedback;
    return encodeStream(tensors, this.chunkBytes, ENCODING_IDS[encoding], (values, _range, index) => feedback.compressOne(index, values, (v) => encodeWithSent(v, encoding, options)));
  }
}
