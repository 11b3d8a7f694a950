// What the graph needs from one Keras layer class: check its config against its inputs' shapes and
// declare its weights (build), and compute its output from explicit tensors (apply). The weights are
// passed in rather than owned, because task t runs the backbone with W + S_t. One family of classes a
// file; index.ts is the registry by Keras class name.
import type * as tfjs from '@tensorflow/tfjs-core';
import type { Init } from '../spec.js';

/** tfjs-core's ops, handed in rather than imported: the coordinator loads the graph (to build the spec)
 *  without any tensor library. */
export type TensorOps = typeof tfjs;

/** One layer of a model graph: a Keras class and its config (snake_case args, as Keras writes them). */
export interface GraphLayer {
  name: string;
  className: string;
  config: Record<string, unknown>;
  /** The layers whose outputs this one takes, in order; empty for the input layer. */
  inputs: string[];
}

/** One weight of a layer. Its TF.js variable name is `<layer>/<name>`. */
export interface WeightDecl {
  /** kernel, bias, gamma, moving_mean, ... */
  name: string;
  shape: number[];
  init: Init;
  fanIn: number;
  fanOut: number;
  /** 'stat': moving statistics, updated by the forward pass in training rather than by gradients, and
   *  kept per task (each task's data has its own statistics). */
  role: 'param' | 'stat';
}

export interface BuiltLayer {
  /** One example's output shape (no batch axis). */
  outputShape: number[];
  weights: WeightDecl[];
}

export interface LayerCall {
  tf: TensorOps;
  inputs: tfjs.Tensor[];
  /** The layer's weights in declaration order. */
  weights: tfjs.Tensor[];
  training: boolean;
  /** Training only: a layer with stats hands their new values here, in the order it declared them. */
  updateStats(values: tfjs.Tensor[]): void;
  /** A seed for this call's random draws (dropout), so that a step is reproducible. */
  seed: number;
}

export interface LayerKind {
  className: string;
  /** Checks the config against the inputs' shapes (no batch axis); throws a LayerError saying what is wrong. */
  build(layer: GraphLayer, inputShapes: number[][]): BuiltLayer;
  apply(layer: GraphLayer, call: LayerCall): tfjs.Tensor;
}

/** A layer's config or inputs that the graph cannot take; the graph prefixes the layer's name and class. */
export class LayerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LayerError';
  }
}
