// The form every data source produces and every consumer (model, worker, trainer) reads. A split is
// either in memory (`x` holds every input) or streamed (`read` produces one input at a time, for data
// sets that do not fit in memory); gather / readExamples (data/batches.ts) read both.

/** Examples of one split. `x` holds `count` inputs back to back, each `prod(inputShape)` floats laid out
 *  NHWC (image pixels scaled to [0, 1]); `y` holds their class labels. A streamed split has `read`
 *  instead of inputs: its `x` throws a DataError, so code that predates streaming fails loudly on one. */
export interface Split {
  x: Float32Array;
  y: Int32Array;
  count: number;
  /** Streamed splits only: writes example `index` (0..count-1) to out[offset .. offset + input size). */
  read?(index: number, out: Float32Array, offset: number): void;
}

/** How the inputs were preprocessed, kept with the run so that prediction applies the same to new inputs. */
export interface StandardizePreprocess {
  kind: 'standardize';
  /** Feature columns in input order. */
  columns: string[];
  /** Training-split statistics per column: input = (value - mean) / std. */
  mean: number[];
  std: number[];
}
export type Preprocess = StandardizePreprocess;

/** One task's data: a training and a held-out split over the same input shape and label set. */
export interface TaskData {
  name: string;
  /** Shape of one input without the batch axis: [H, W, C] for images, [features] for vectors. */
  inputShape: number[];
  classes: number;
  train: Split;
  test: Split;
  /** Name of each class (index = label), where the source has names: its class list, saved with the run. */
  classNames?: string[];
  /** What was done to raw inputs before training (CSV features are standardised). */
  preprocess?: Preprocess;
  /** Rows or files left out under `on_bad: 'skip'`. */
  skipped?: number;
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

/** Where a streamed split's inputs come from: every example of a source (a file set), by source index. */
export interface ExampleSource {
  /** Examples in the source. */
  readonly count: number;
  /** Floats per example. */
  readonly size: number;
  /** What is streamed, for messages (a folder or file). */
  readonly description: string;
  /** Writes example `index` (0..count-1) to out[offset .. offset + size); a DataError names the file at fault. */
  read(index: number, out: Float32Array, offset: number): void;
}

/** A split whose inputs are read on demand from a source: the examples at `indices` of the source, with
 *  their labels in memory (labels are small and always loaded eagerly). */
export class StreamedSplit implements Split {
  readonly count: number;

  constructor(
    readonly source: ExampleSource,
    /** Source index of each example of the split. */
    readonly indices: Int32Array,
    public y: Int32Array,
  ) {
    if (y.length !== indices.length) throw new RangeError(`streamed split: ${indices.length} examples but ${y.length} labels`);
    this.count = indices.length;
  }

  // On the prototype, not the instance: spreading a split or a TaskData never trips it.
  get x(): Float32Array {
    throw new DataError(`${this.source.description} is streamed, not held in memory: read its examples with gather() or readExamples() (data/batches.ts)`);
  }

  read(index: number, out: Float32Array, offset: number): void {
    if (!(index >= 0 && index < this.count)) throw new RangeError(`example index ${index} outside 0..${this.count - 1}`);
    this.source.read(this.indices[index], out, offset);
  }

  /** The examples at `picks` (indices into this split), sharing the source. */
  subset(picks: Int32Array): StreamedSplit {
    const indices = new Int32Array(picks.length);
    const y = new Int32Array(picks.length);
    picks.forEach((k, j) => {
      if (!(k >= 0 && k < this.count)) throw new RangeError(`example index ${k} outside 0..${this.count - 1}`);
      indices[j] = this.indices[k];
      y[j] = this.y[k];
    });
    return new StreamedSplit(this.source, indices, y);
  }

  /** The same examples with new labels. */
  withLabels(y: Int32Array): StreamedSplit {
    return new StreamedSplit(this.source, this.indices, y);
  }

  /** The same examples, each passed through `map(input, out, offset)` as it is read (transforms). */
  mapped(size: number, description: string, map: (input: Float32Array, out: Float32Array, offset: number) => void): StreamedSplit {
    const inner = this.source;
    const scratch = new Float32Array(inner.size);
    const source: ExampleSource = {
      count: inner.count,
      size,
      description,
      read(index, out, offset) {
        inner.read(index, scratch, 0);
        map(scratch, out, offset);
      },
    };
    return new StreamedSplit(source, this.indices, this.y);
  }
}

/** Whether a split is streamed (reads its inputs on demand) rather than held in memory. */
export function isStreamed(split: Split): split is Split & Required<Pick<Split, 'read'>> {
  return typeof split.read === 'function';
}
