// Pushes decoded into recycled slots (coordinator/push-receiver.ts, gradient-slots.ts): a TOPK push into
// a slot that held another sparse push is cleared at the old support alone, and what it decodes to is
// exactly its own gradient, whatever the slot held before, sparse or dense.
import { describe, expect, it } from 'vitest';
import { decodeValues, encodeValues, ENCODING_IDS, type EncodingName } from '../../compression/encodings/index.js';
import { encodeStream, partFields } from '../../compression/tensor-stream.js';
import { GradientSlots } from '../../coordinator/gradient-slots.js';
import { PushReceiver, type CompletePush } from '../../coordinator/push-receiver.js';
import { Session } from '../../coordinator/session.js';
import { Traffic } from '../../coordinator/traffic.js';

const LAYOUT = [
  { name: 'kernel', shape: [300, 40] },
  { name: 'bias', shape: [40] },
];
/** Small chunks, so that the kernel travels in several pieces and parts. */
const CHUNK = 4096;

function gradient(seed: number): Float32Array[] {
  let s = seed;
  const next = (): number => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5;
  return LAYOUT.map((t) => Float32Array.from({ length: t.shape.reduce((a, b) => a * b, 1) }, next));
}

/** A push of `values` in parts, and what a fresh decode of each of its pieces gives: the receiver must
 *  end up with exactly that, whatever its slot held. */
function pushOf(values: Float32Array[], encoding: EncodingName): { push: (session: Session, receiver: PushReceiver) => CompletePush; expected: Float32Array[] } {
  const expected = values.map((v) => new Float32Array(v.length));
  const parts = encodeStream(
    LAYOUT.map((t, i) => ({ name: t.name, shape: t.shape, values: values[i] })),
    CHUNK,
    ENCODING_IDS[encoding],
    (piece, range) => {
      const payload = encodeValues(piece, encoding, { topkFraction: 0.05 });
      expected[range.tensor].set(decodeValues(payload, encoding, piece.length), range.offset);
      return payload;
    },
  );
  return {
    expected,
    push: (session, receiver) => {
      let complete: CompletePush | null = null;
      parts.forEach((shared, i) => {
        complete = receiver.accept(session, 'a', { task: 'a', baseVersion: 3, gradient: shared, loss: 0.5, samples: 8, ...partFields(i, parts.length) });
      });
      if (!complete) throw new Error('the push did not complete');
      return complete;
    },
  };
}

describe('push receiver with recycled slots', () => {
  it('decodes each push exactly, whatever the recycled slot held (sparse, then dense, then sparse)', () => {
    const sizes = LAYOUT.map((t) => t.shape.reduce((a, b) => a * b, 1));
    const slots = new GradientSlots(sizes, 1);
    const receiver = new PushReceiver(LAYOUT, slots, () => true);
    const session = new Session({ send: () => {}, close: () => {} }, new Traffic(undefined), 0);
    let slot: Float32Array[] | null = null;
    for (const [round, encoding] of (['topk', 'topk', 'f32', 'topk', 'topk'] as const).entries()) {
      const { push, expected } = pushOf(gradient(round + 1), encoding);
      const complete = push(session, receiver);
      // One slot, recycled every round (keep = 1).
      if (slot) expect(complete.gradient).toBe(slot);
      slot = complete.gradient;
      complete.gradient.forEach((g, t) => expect(Array.from(g), `round ${round} (${encoding}) tensor ${t}`).toEqual(Array.from(expected[t])));
      expect(complete.support === undefined).toBe(encoding !== 'topk');
      receiver.release(complete.gradient, complete.support);
    }
  });
});
