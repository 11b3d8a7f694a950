// A task's input shape from its config alone, for the coordinator, which never loads data. Workers
// check it against the data they load: the model fingerprint covers the input shape. For a CSV table
// without a feature list and for NumPy arrays, the header of the file is read (not its data).
import type { TaskConfig } from '../config/schema.js';
import { csvFeatureColumns, readCsvHeader } from './csv.js';
import { DataError } from './dataset.js';
import { MNIST_INPUT_SHAPE } from './mnist.js';
import { npyInputShape, readNpyHeader, readNpz } from './npy.js';
import { rotatedShape } from './transforms.js';

/** MNIST-family IDX files hold 28 x 28 grey images. */
const IDX_INPUT_SHAPE: readonly number[] = [28, 28, 1];

function sourceShape(task: TaskConfig): number[] {
  const ds = task.dataset;
  switch (ds.source) {
    case 'synthetic':
      return [ds.features];
    case 'mnist':
      return [...MNIST_INPUT_SHAPE];
    case 'idx':
      return [...IDX_INPUT_SHAPE];
    case 'csv':
      return [csvFeatureColumns(ds, ds.features ? [] : readCsvHeader(ds.path, ds.delimiter)).length];
    case 'images':
      return [ds.size[0], ds.size[1], ds.channels];
    case 'npy': {
      if (ds.npz !== undefined) return npyInputShape(readNpz(ds.npz, [ds.x_key ?? 'x']).get(ds.x_key ?? 'x')!.header);
      if (ds.x === undefined) throw new DataError(`task "${task.name}": npy data set without x or npz`);
      return npyInputShape(readNpyHeader(ds.x));
    }
    case 'module':
      if (ds.input_shape) return [...ds.input_shape];
      throw new DataError(`task "${task.name}": a module data set needs input_shape in its config: the model is built from the config before ${ds.path} runs (it runs on the worker)`, ds.path);
  }
}

export function taskInputShape(task: TaskConfig): number[] {
  let shape = sourceShape(task);
  for (const t of task.transforms) if (t.type === 'rotate') shape = rotatedShape(shape, t.degrees);
  return shape;
}
