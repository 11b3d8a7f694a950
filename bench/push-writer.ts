// A bench:comm client's pushes, made from templates without encoding anything: the main thread encodes
// a push's part frames once per grid point with proto/codec (bench/push-frames.ts pushTemplates), one set
// per length of the base_version field, and records where the task name and the version lie in them. A
// client copies the set its version needs, writes its task name in once, and from then on only writes
// the version: what it sends is bit for bit what encode('push', ...) gives for its task and version,
// at the cost of a few bytes per frame instead of a copy of the gradient.

/** A push's part frames, shared (read-only) by every client of a grid point. */
export interface PushTemplates {
  /** frames[c][p]: part p of a push whose base version lies in VERSION_CLASSES[c], with placeholder
   *  bytes where the task name and the version go. */
  frames: SharedArrayBuffer[][];
  /** Where the base_version varint starts in each frame; -1 in class 0, whose frames have none. */
  versionAt: number[][];
  /** Where the task name's bytes start in each frame. */
  taskAt: number[][];
  /** The task name's length in UTF-8 bytes: every client's name must have it. */
  taskBytes: number;
}

/**
 * The base versions each template class covers, lowest and highest: version 0, which protobuf leaves
 * out of the frame (a default value), then versions whose varints take 1, 2 and 3 bytes. Within a class
 * every frame has the same length and layout; the two ends of a class differ in every varint byte.
 */
export const VERSION_CLASSES: readonly (readonly [number, number])[] = [
  [0, 0],
  [1, 127],
  [128, 16383],
  [16384, 2097151],
];

/** The class of VERSION_CLASSES whose frames can carry `version`, or -1 past them all. */
export function versionClass(version: number): number {
  return VERSION_CLASSES.findIndex(([lo, hi]) => version >= lo && version <= hi);
}

/** Writes `version` as a varint at `pos` (the class fixed how many bytes it takes). */
function writeVarint(frame: Uint8Array, pos: number, version: number): void {
  let v = version;
  while (v >= 128) {
    frame[pos++] = (v % 128) | 128;
    v = Math.floor(v / 128);
  }
  frame[pos] = v;
}

/** One client's push frames: its own copies of the templates, with its task name. */
export class PushWriter {
  private readonly task: Buffer;
  /** This client's copy of each class's frames, made once. */
  private readonly copies = new Map<number, Uint8Array[]>();

  constructor(
    private readonly templates: PushTemplates,
    task: string,
  ) {
    this.task = Buffer.from(task, 'utf8');
    if (this.task.length !== templates.taskBytes) {
      throw new Error(`bench: task "${task}" takes ${this.task.length} bytes; the push templates hold names of ${templates.taskBytes}`);
    }
    // The classes of versions 0 and 1 to 127 are copied now, before anything is measured: a copy of a
    // 25M-parameter push per client while rounds are timed would be the benchmark's largest cost.
    for (let c = 0; c < Math.min(2, templates.frames.length); c++) this.copy(c);
  }

  private copy(c: number): Uint8Array[] {
    let frames = this.copies.get(c);
    if (frames === undefined) {
      frames = this.templates.frames[c].map((shared, part) => {
        const frame = new Uint8Array(shared.byteLength);
        frame.set(new Uint8Array(shared));
        frame.set(this.task, this.templates.taskAt[c][part]);
        return frame;
      });
      this.copies.set(c, frames);
    }
    return frames;
  }

  /**
   * The part frames of this client's push on base version `version`. The same buffers come back, with
   * the new version written in, from the next call of the same class: send them first. (The coordinator
   * answers a push only once all of it arrived, so by the next update the socket is done with them.)
   */
  frames(version: number): readonly Uint8Array[] {
    const c = Number.isSafeInteger(version) ? versionClass(version) : -1;
    if (c < 0 || c >= this.templates.frames.length) throw new Error(`bench: version ${version} is past the push templates`);
    // A session's versions only rise: the lower classes' copies are done with (a long run, bench:scale's
    // hundreds of rounds, would otherwise hold two copies of the push per client past version 127).
    for (const lower of [...this.copies.keys()]) if (lower < c) this.copies.delete(lower);
    const frames = this.copy(c);
    const versionAt = this.templates.versionAt[c];
    frames.forEach((frame, part) => {
      if (versionAt[part] >= 0) writeVarint(frame, versionAt[part], version);
    });
    return frames;
  }
}
