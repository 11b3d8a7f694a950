// Keras layer configs as TF.js serialises them in a model.json, for the layer kinds the exported
// models are made of; written by hand so that exporting needs no tensor library.
const glorotNormal = { class_name: 'VarianceScaling', config: { scale: 1, mode: 'fan_avg', distribution: 'normal', seed: null } };
const zeros = { class_name: 'Zeros', config: {} };
const noRegularisation = { kernel_regularizer: null, bias_regularizer: null, activity_regularizer: null, kernel_constraint: null, bias_constraint: null };

/** A Keras layer config (snake_case keys; tfjs-layers converts them on load). */
export interface KerasLayerConfig {
  class_name: string;
  config: Record<string, unknown>;
}

export function inputLayer(shape: readonly number[]): KerasLayerConfig {
  return { class_name: 'InputLayer', config: { batch_input_shape: [null, ...shape], dtype: 'float32', sparse: false, name: 'input' } };
}

export function denseLayer(name: string, units: number, activation: 'relu' | 'softmax'): KerasLayerConfig {
  return { class_name: 'Dense', config: { name, trainable: true, units, activation, use_bias: true, kernel_initializer: glorotNormal, bias_initializer: zeros, ...noRegularisation } };
}

export function conv2dLayer(name: string, filters: number, kernel: number, padding: 'same' | 'valid'): KerasLayerConfig {
  return {
    class_name: 'Conv2D',
    config: {
      name,
      trainable: true,
      filters,
      kernel_size: [kernel, kernel],
      strides: [1, 1],
      padding,
      data_format: 'channels_last',
      dilation_rate: [1, 1],
      activation: 'relu',
      use_bias: true,
      kernel_initializer: glorotNormal,
      bias_initializer: zeros,
      ...noRegularisation,
    },
  };
}

/** 2 x 2 max pooling, stride 2, 'valid'. */
export function maxPoolLayer(name: string): KerasLayerConfig {
  return { class_name: 'MaxPooling2D', config: { name, trainable: true, pool_size: [2, 2], strides: [2, 2], padding: 'valid', data_format: 'channels_last' } };
}

export function flattenLayer(): KerasLayerConfig {
  return { class_name: 'Flatten', config: { name: 'flatten', trainable: true } };
}

/** The layers' weight variable names, in order (TF.js names them layer/kernel, layer/bias). */
export function layerWeightNames(stack: readonly KerasLayerConfig[]): string[] {
  return stack.filter((l) => l.class_name === 'Dense' || l.class_name === 'Conv2D').flatMap((l) => [`${String(l.config.name)}/kernel`, `${String(l.config.name)}/bias`]);
}
