// TensorSpec constructors for the layer kinds backbones and heads are made of, each with the
// initialisation and fans its kind is drawn with.
import type { Init, TensorSpec } from '../spec.js';

export function tensor(name: string, shape: number[], init: Init, fanIn: number, fanOut: number): TensorSpec {
  return { name, shape, size: shape.reduce((a, b) => a * b, 1), init, fanIn, fanOut };
}

/** A ReLU dense layer's kernel [input, output] and bias. */
export function dense(prefix: string, input: number, output: number): TensorSpec[] {
  return [tensor(`${prefix}/kernel`, [input, output], 'he', input, output), tensor(`${prefix}/bias`, [output], 'zeros', input, output)];
}

/** A ReLU k x k convolution's kernel [k, k, cin, cout] (tfjs' layout) and bias. */
export function conv(prefix: string, k: number, cin: number, cout: number): TensorSpec[] {
  return [tensor(`${prefix}/kernel`, [k, k, cin, cout], 'he', k * k * cin, k * k * cout), tensor(`${prefix}/bias`, [cout], 'zeros', k * k * cin, k * k * cout)];
}
