// Layers that merge several inputs: Add (same shapes) and Concatenate (along one axis).
import { LayerError, type LayerKind } from './layer-kind.js';

function sameShapes(inputShapes: readonly number[][]): number[] {
  if (inputShapes.length < 2) throw new LayerError(`takes at least 2 inputs, got ${inputShapes.length}`);
  const [first] = inputShapes;
  for (const s of inputShapes) {
    if (s.join() !== first.join()) throw new LayerError(`inputs must have one shape; got ${inputShapes.map((x) => `[${x.join(', ')}]`).join(' and ')}`);
  }
  return [...first];
}

export const add: LayerKind = {
  className: 'Add',
  build(_layer, inputShapes) {
    return { outputShape: sameShapes(inputShapes), weights: [] };
  },
  apply(_layer, { tf, inputs }) {
    return tf.addN(inputs);
  },
};

/** The axis without the batch (0-based), from Keras' axis counting the batch (negative from the end). */
function concatAxis(axis: unknown, rank: number): number {
  const a = axis ?? -1;
  if (typeof a !== 'number' || !Number.isInteger(a)) throw new LayerError(`axis ${JSON.stringify(axis)} must be an integer`);
  const withBatch = a < 0 ? rank + 1 + a : a;
  if (withBatch < 1 || withBatch > rank) throw new LayerError(`axis ${a} is not an axis of the examples (rank ${rank}) other than the batch`);
  return withBatch - 1;
}

export const concatenate: LayerKind = {
  className: 'Concatenate',
  build(layer, inputShapes) {
    if (inputShapes.length < 2) throw new LayerError(`takes at least 2 inputs, got ${inputShapes.length}`);
    const rank = inputShapes[0].length;
    const axis = concatAxis(layer.config.axis, rank);
    const out = [...inputShapes[0]];
    out[axis] = 0;
    for (const s of inputShapes) {
      const others = (x: readonly number[]) => x.filter((_, k) => k !== axis).join();
      if (s.length !== rank || others(s) !== others(inputShapes[0])) {
        throw new LayerError(`inputs must match except on axis ${axis + 1}; got ${inputShapes.map((x) => `[${x.join(', ')}]`).join(' and ')}`);
      }
      out[axis] += s[axis];
    }
    return { outputShape: out, weights: [] };
  },
  apply(layer, { tf, inputs }) {
    return tf.concat(inputs, concatAxis(layer.config.axis, inputs[0].rank - 1) + 1);
  },
};
