// The two built-in networks as layer lists, so that they take the one code path every model takes.
// Their layer names are the tensor names bundles and checkpoints of earlier versions hold.
import type { GraphLayer } from './layers/index.js';
import { layersFromList } from './graph.js';

const LENET5: Record<string, unknown>[] = [
  { type: 'Conv2D', name: 'conv1', filters: 6, kernel_size: 5, padding: 'same', activation: 'relu', kernel_initializer: 'he_normal' },
  { type: 'MaxPooling2D', name: 'pool1', pool_size: 2, strides: 2, padding: 'valid' },
  { type: 'Conv2D', name: 'conv2', filters: 16, kernel_size: 5, padding: 'valid', activation: 'relu', kernel_initializer: 'he_normal' },
  { type: 'MaxPooling2D', name: 'pool2', pool_size: 2, strides: 2, padding: 'valid' },
  { type: 'Flatten', name: 'flatten' },
  { type: 'Dense', name: 'dense1', units: 120, activation: 'relu', kernel_initializer: 'he_normal' },
  { type: 'Dense', name: 'dense2', units: 84, activation: 'relu', kernel_initializer: 'he_normal' },
];

/** The head every built-in network ends with; its units are each task's classes. */
const HEAD = { type: 'Dense', name: 'head', units: 10, activation: 'softmax', kernel_initializer: 'glorot_uniform' };

/** LeNet-5: two ReLU 5 x 5 convolutions ('same', then 'valid'), each followed by 2 x 2 max pooling, then
 *  two ReLU dense layers. */
export function lenet5Layers(): GraphLayer[] {
  return layersFromList([...LENET5, HEAD]);
}

/** The multilayer perceptron: the example flattened, then one ReLU dense layer per size in `hidden`. */
export function mlpLayers(hidden: readonly number[], inputRank: number): GraphLayer[] {
  const dense = hidden.map((units, i) => ({ type: 'Dense', name: `dense${i}`, units, activation: 'relu', kernel_initializer: 'he_normal' }));
  return layersFromList([...(inputRank > 1 ? [{ type: 'Flatten', name: 'flatten' }] : []), ...dense, HEAD]);
}
