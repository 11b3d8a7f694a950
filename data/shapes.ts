// A task's input shape from its config alone, for the coordinator, which never loads data. Workers
// check it against the data they load: the model fingerprint covers the input shape.
import type { TaskConfig } from '../config/schema.js';
import { MNIST_INPUT_SHAPE } from './mnist.js';
import { rotatedShape } from './transforms.js';

/** MNIST-family IDX files hold 28 x 28 grey images. */
const IDX_INPUT_SHAPE: readonly number[] = [28, 28, 1];

export function taskInputShape(task: TaskConfig): number[] {
  const ds = task.dataset;
  let shape = ds.source === 'synthetic' ? [ds.features] : ds.source === 'mnist' ? [...MNIST_INPUT_SHAPE] : [...IDX_INPUT_SHAPE];
  for (const t of task.transforms) if (t.type === 'rotate') shape = rotatedShape(shape, t.degrees);
  return shape;
}
