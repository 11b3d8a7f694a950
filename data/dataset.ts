// The in-memory form every data source produces and every consumer (model, worker, trainer) reads.

/** Examples of one split. `x` holds `count` inputs back to back, each `prod(inputShape)` floats laid out
 *  NHWC (image pixels scaled to [0, 1]); `y` holds their class labels. */
export interface Split {
  x: Float32Array;
  y: Int32Array;
  count: number;
}

/** One task's data: a training and a held-out split over the same input shape and label set. */
export interface TaskData {
  name: string;
  /** Shape of one input without the batch axis: [H, W, C] for images, [features] for vectors. */
  inputShape: number[];
  classes: number;
  train: Split;
  test: Split;
}

/** Anything wrong with a data set: a missing, corrupt or inconsistent file, or a config that asks for
 *  more than the data holds. When a file is at fault, `file` is its full path and the message names it. */
export class DataError extends Error {
  constructor(
    message: string,
    readonly file?: string,
  ) {
    super(message);
    this.name = 'DataError';
  }
}

/** Floats per example of an input of this shape. */
export function inputSizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
