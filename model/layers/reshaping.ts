// Layers that only move entries: Flatten, Reshape and ZeroPadding2D.
import type * as tfjs from '@tensorflow/tfjs-core';
import { channelsLast, imageShape, requireInputs } from './config-args.js';
import { LayerError, type GraphLayer, type LayerKind } from './layer-kind.js';

export const flatten: LayerKind = {
  className: 'Flatten',
  build(layer, inputShapes) {
    requireInputs(inputShapes, 1);
    channelsLast(layer.config);
    return { outputShape: [inputShapes[0].reduce((a, b) => a * b, 1)], weights: [] };
  },
  apply(_layer, { tf, inputs }) {
    return tf.reshape(inputs[0], [inputs[0].shape[0], -1]);
  },
};

function targetShape(layer: GraphLayer, input: readonly number[]): number[] {
  const target = layer.config.target_shape;
  // TF.js writes the unknown size as null (its Reshape replaces a -1 by null); Keras writes -1.
  if (!Array.isArray(target) || target.length < 1 || !target.every((n) => n === null || (Number.isInteger(n) && (n === -1 || n >= 1)))) {
    throw new LayerError(`target_shape must be a list of positive integers (one may be -1 or null), not ${JSON.stringify(target)}`);
  }
  const dims = (target as (number | null)[]).map((n) => n ?? -1);
  const size = input.reduce((a, b) => a * b, 1);
  const known = dims.filter((n) => n !== -1).reduce((a, b) => a * b, 1);
  const unknown = dims.filter((n) => n === -1).length;
  if (unknown > 1) throw new LayerError('target_shape may have one -1 at most');
  const out = dims.map((n) => (n === -1 ? size / known : n));
  if (out.reduce((a, b) => a * b, 1) !== size || !out.every(Number.isInteger)) {
    throw new LayerError(`target_shape [${dims.join(', ')}] does not hold the ${size} entries of an input [${input.join(', ')}]`);
  }
  return out;
}

export const reshape: LayerKind = {
  className: 'Reshape',
  build(layer, inputShapes) {
    requireInputs(inputShapes, 1);
    return { outputShape: targetShape(layer, inputShapes[0]), weights: [] };
  },
  apply(layer, { tf, inputs }) {
    return tf.reshape(inputs[0], [inputs[0].shape[0], ...targetShape(layer, inputs[0].shape.slice(1))]);
  },
};

/** [[top, bottom], [left, right]] from an int, a pair (symmetric per axis) or a pair of pairs. */
function paddingOf(layer: GraphLayer): [[number, number], [number, number]] {
  const p = layer.config.padding ?? 1;
  const ok = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0;
  if (ok(p))
    return [
      [p, p],
      [p, p],
    ];
  if (Array.isArray(p) && p.length === 2 && p.every(ok))
    return [
      [p[0], p[0]],
      [p[1], p[1]],
    ];
  if (Array.isArray(p) && p.length === 2 && p.every((q) => Array.isArray(q) && q.length === 2 && q.every(ok))) return p as [[number, number], [number, number]];
  throw new LayerError(`padding must be an int, a pair or a pair of pairs of non-negative ints, not ${JSON.stringify(p)}`);
}

export const zeroPadding2d: LayerKind = {
  className: 'ZeroPadding2D',
  build(layer, inputShapes) {
    requireInputs(inputShapes, 1);
    channelsLast(layer.config);
    const [h, w, c] = imageShape(inputShapes[0]);
    const [[t, b], [l, r]] = paddingOf(layer);
    return { outputShape: [h + t + b, w + l + r, c], weights: [] };
  },
  apply(layer, { tf, inputs }) {
    const [[t, b], [l, r]] = paddingOf(layer);
    return tf.pad(inputs[0] as tfjs.Tensor4D, [
      [0, 0],
      [t, b],
      [l, r],
      [0, 0],
    ]);
  },
};
