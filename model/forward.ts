// The forward pass of a model graph, functional: every parameter is an explicit tensor, because task t
// runs the backbone with W + S_t, not with weights owned by a layer object. The layers' own code is in
// model/layers/, which takes tfjs from here so that the coordinator can build specs without it.
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core alone registers no gradients, and its own registration module is not loadable from Node's
// ESM; the union package registers them (on the one shared registry) as a side effect.
import '@tensorflow/tfjs';
import { buildNodes } from './graph.js';
import { type GraphLayer, layerKind, type LayerKind } from './layers/index.js';
import { headSpec, type ModelSpec } from './spec.js';

/** One task's weights: W + S_t (or W) in spec.shared order, its head in headSpec order, its statistics
 *  in spec.stats order. */
export interface TaskWeights {
  shared: readonly tf.Tensor[];
  head: readonly tf.Tensor[];
  stats: readonly tf.Tensor[];
}

export interface ForwardOptions {
  /** Training: batch statistics, dropout. */
  training?: boolean;
  /** Training: the new statistics, in spec.stats order, are written here. */
  statsOut?: tf.Tensor[];
  /** Training: the step's seed for dropout. */
  seed?: number;
}

interface Step {
  layer: GraphLayer;
  kind: LayerKind;
  inputs: number[];
  /** Where each weight comes from: shared, head or stats, and its index there. */
  weights: { from: 'shared' | 'head' | 'stats'; index: number }[];
  /** Indices in spec.stats of the layer's statistics, in its order. */
  statsAt: number[];
}

const plans = new WeakMap<ModelSpec, Step[]>();

/** The layers to run, in order, up to the head's last layer (a final Activation after it is the output's
 *  activation, which the logits leave out). */
function plan(spec: ModelSpec): Step[] {
  let steps = plans.get(spec);
  if (steps) return steps;
  const nodes = buildNodes(spec.layers, spec.inputShape);
  const index = new Map(nodes.map((n, i) => [n.layer.name, i]));
  const sharedIndex = new Map(spec.shared.map((t, i) => [t.name, i]));
  const statsIndex = new Map(spec.stats.map((t, i) => [t.name, i]));
  // The head's tensor names do not depend on the class count.
  const headIndex = new Map(headSpec(spec, 1).map((t, i) => [t.name, i]));
  const lastHead = spec.head[spec.head.length - 1];
  steps = [];
  for (const n of nodes) {
    const weights = n.weights.map((w) => {
      const name = `${n.layer.name}/${w.name}`;
      if (headIndex.has(name)) return { from: 'head' as const, index: headIndex.get(name)! };
      if (sharedIndex.has(name)) return { from: 'shared' as const, index: sharedIndex.get(name)! };
      return { from: 'stats' as const, index: statsIndex.get(name)! };
    });
    const isLogits = n.layer.name === lastHead;
    // The head's last layer gives the logits: its activation (softmax) is the loss's, or the output's.
    const layer = isLogits ? { ...n.layer, config: { ...n.layer.config, activation: 'linear' } } : n.layer;
    const statsAt = weights.filter((w) => w.from === 'stats').map((w) => w.index);
    steps.push({ layer, kind: layerKind(n.layer.className), inputs: n.layer.inputs.map((i) => index.get(i)!), weights, statsAt });
    if (isLogits) break;
  }
  plans.set(spec, steps);
  return steps;
}

/** A task's logits [batch, classes] for a batch x of shape [batch, ...inputShape]. */
export function logits(spec: ModelSpec, weights: TaskWeights, x: tf.Tensor, options: ForwardOptions = {}): tf.Tensor2D {
  const training = options.training ?? false;
  const outputs: tf.Tensor[] = [];
  let seed = options.seed ?? 0;
  for (const step of plan(spec)) {
    if (step.layer.className === 'InputLayer') {
      outputs.push(x);
      continue;
    }
    outputs.push(
      step.kind.apply(step.layer, {
        tf,
        inputs: step.inputs.map((i) => outputs[i]),
        weights: step.weights.map((w) => weights[w.from][w.index]),
        training,
        seed: seed++,
        updateStats(values) {
          if (options.statsOut) values.forEach((v, k) => (options.statsOut![step.statsAt[k]] = v));
        },
      }),
    );
  }
  return outputs[outputs.length - 1] as tf.Tensor2D;
}

/** Mean softmax cross-entropy of integer labels. */
export function crossEntropy(logitsBatch: tf.Tensor2D, labels: tf.Tensor1D, classes: number): tf.Scalar {
  const oneHot = tf.oneHot(labels, classes);
  return tf.losses.softmaxCrossEntropy(oneHot, logitsBatch) as tf.Scalar;
}
