// What the rest of the model code needs from one backbone architecture, so that a new one is a new
// record (one file) and a line in the registry (index.ts), not a branch in every module.
import type * as tfjs from '@tensorflow/tfjs-core';
import type { ModelConfig } from '../../config/schema.js';
import type { ModelSpec } from '../spec.js';
import type { KerasLayerConfig } from './keras-layers.js';

export type ArchitectureName = ModelConfig['arch'];

/** The model config of one architecture (the config file's `model` section when `model.arch` is N). */
export type ArchitectureConfig<N extends ArchitectureName = ArchitectureName> = Extract<ModelConfig, { arch: N }>;

/** tfjs-core's ops, handed to the forward pass rather than imported by the records: spec.ts loads the
 *  records, and the coordinator loads spec.ts without any tensor library. */
export type TensorOps = typeof tfjs;

/**
 * One backbone architecture. The backbone is whatever tensors `spec` lists in `shared` (each shared
 * as W with a per-task sparse S_t), in the order the forward pass and the Keras layers consume them.
 * Declared with method syntax: the registry holds records of different C as `Architecture`, which is
 * sound because it hands out a record only for the config whose `arch` is that record's name.
 */
export interface Architecture<C extends ModelConfig = ModelConfig> {
  /** The config's `model.arch`, and the spec's `arch`. */
  readonly name: C['arch'];
  /** The backbone's spec for examples of shape `inputShape`; throws, saying why, when the architecture
   *  cannot take such inputs. */
  spec(model: C, inputShape: readonly number[]): ModelSpec;
  /** A config that spec() turns back into `spec`: bundles store the spec, and the reader rebuilds it to
   *  check every size and fan it trusts. */
  config(spec: ModelSpec): C;
  /** Entries per example of the input and of every intermediate output of backbone(), in order: a
   *  batch makes each of them one tensor of batch x that many entries (model/limits.ts bounds them). */
  activations(spec: ModelSpec): number[];
  /** Features [batch, spec.featureSize] of x [batch, ...spec.inputShape], with `shared` in spec.shared
   *  order (W + S_t for task t); functional, so gradients flow to the tensors passed in. */
  backbone(tf: TensorOps, spec: ModelSpec, shared: readonly tfjs.Tensor[], x: tfjs.Tensor): tfjs.Tensor2D;
  /** The Keras layers computing backbone(), after the input layer. Each weighted layer is named after
   *  its tensors' prefix in spec.shared (dense0/kernel -> layer dense0), in spec.shared order. */
  kerasLayers(spec: ModelSpec): KerasLayerConfig[];
}
