// A layer's kernel initialiser from its Keras config, for the weights a run draws itself (layer lists,
// and heads of a task with other classes than the model file's): the draws are spec.ts initTensors'.
import type { Init } from '../spec.js';
import { LayerError } from './layer-kind.js';

const NAMES: Record<string, Init> = {
  glorot_uniform: 'glorot',
  GlorotUniform: 'glorot',
  glorotUniform: 'glorot',
  he_normal: 'he',
  HeNormal: 'he',
  heNormal: 'he',
  zeros: 'zeros',
  Zeros: 'zeros',
  ones: 'ones',
  Ones: 'ones',
};

/** `fallback` when the config names none (Keras' default is glorot_uniform). VarianceScaling, as TF.js
 *  writes every initialiser, is He when it scales by 2 / fan_in and Glorot otherwise. */
export function initializer(value: unknown, fallback: Init, key = 'kernel_initializer'): Init {
  if (value === undefined || value === null) return fallback;
  const cls = typeof value === 'object' && 'class_name' in value ? (value as { class_name: unknown }).class_name : value;
  if (cls === 'VarianceScaling') {
    const config = (value as { config?: { scale?: unknown; mode?: unknown } }).config ?? {};
    return config.scale === 2 && config.mode === 'fan_in' ? 'he' : 'glorot';
  }
  if (typeof cls === 'string' && Object.hasOwn(NAMES, cls)) return NAMES[cls];
  throw new LayerError(`${key} ${JSON.stringify(value)} is not supported; use one of glorot_uniform, he_normal, zeros, ones`);
}
