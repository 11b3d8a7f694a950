// The registry of layer classes the graph takes, by Keras class name.
import { activation, dropout, inputLayer, softmax } from './core.js';
import { conv2d, depthwiseConv2d, separableConv2d } from './convolution.js';
import { dense } from './dense.js';
import { LayerError, type LayerKind } from './layer-kind.js';
import { add, concatenate } from './merging.js';
import { batchNormalization } from './normalization.js';
import { averagePooling2d, globalAveragePooling2d, maxPooling2d } from './pooling.js';
import { flatten, reshape, zeroPadding2d } from './reshaping.js';

const KINDS = new Map<string, LayerKind>(
  [
    inputLayer,
    dense,
    conv2d,
    depthwiseConv2d,
    separableConv2d,
    maxPooling2d,
    averagePooling2d,
    globalAveragePooling2d,
    flatten,
    reshape,
    dropout,
    activation,
    softmax,
    batchNormalization,
    add,
    concatenate,
    zeroPadding2d,
  ].map((k) => [k.className, k]),
);

/** Other names Keras and TF.js use for the same classes. */
const ALIASES: Record<string, string> = { Convolution2D: 'Conv2D', MaxPool2D: 'MaxPooling2D', AvgPool2D: 'AveragePooling2D', GlobalAvgPool2D: 'GlobalAveragePooling2D' };

export const LAYER_CLASSES = [...KINDS.keys()];

export function layerKind(className: string): LayerKind {
  const kind = KINDS.get(ALIASES[className] ?? className);
  if (!kind) throw new LayerError(`layer class ${className} is not supported; the supported ones are ${LAYER_CLASSES.join(', ')}`);
  return kind;
}

export type { GraphLayer, LayerKind, TensorOps, WeightDecl } from './layer-kind.js';
export { LayerError } from './layer-kind.js';
