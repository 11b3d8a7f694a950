// The coordinator's checkpoints on disk: one file per saved version, written so that a crash at any
// moment leaves either the complete new file or none, and read back newest-valid-first.
//
// Damaged files (truncated, bit-flipped, empty, not a checkpoint, another format version, a payload that
// does not decode) never block the run: on a resume, each one newer than the checkpoint resumed from is
// moved into the `damaged/` subfolder of the directory (same name; `.1`, `.2`, ... appended if that name
// is taken there), with a warning, and a save moves aside each damaged file newer than the version it
// writes. They are moved, not deleted, so that someone can look at them; `damaged/` is never read back.
// A *valid* newer checkpoint still stops a save: it is another run's (or one that was not resumed).
// Whether a valid checkpoint belongs to this model (its fingerprint) is a question for the payload's
// reader (run-checkpoints.ts), not for this store, which does not know what its payload holds.
//
// File layout (little-endian):
//   0  8 bytes  magic "HYBCKPT\0"
//   8  u32      format version (1)
//  12  u64      payload length in bytes
//  20  32 bytes sha256 of the payload
//  52  payload  msgpack (msgpackr, typed arrays as its 't' extension so they come back typed)
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Packr, Unpackr } from 'msgpackr';
import { TEMP_MARK, writeFileAtomically } from '../lib/atomic-write.js';

export interface CheckpointInfo {
  path: string;
  version: number;
  /** Size of the whole file, header included. */
  bytes: number;
}

export interface CheckpointStoreOptions {
  dir: string;
  /** How many of the newest checkpoints survive a save (default 3). */
  keep?: number;
  /** Where skipped (corrupted, truncated) files are reported; default: a line on stderr. */
  warn?: (line: string) => void;
  /** Called once for each damaged file moved into `damaged/` (e.g. to count them in a metric). */
  onSetAside?: (file: CheckpointInfo, problem: string) => void;
  /**
   * What a resume (`resumeNewest`) does when the directory holds checkpoint files and none is valid:
   * false (the default) refuses with a NoValidCheckpointError and moves nothing, so that the run does not
   * silently start over; true moves them all into `damaged/` and starts from nothing.
   */
  freshIfAllDamaged?: boolean;
}

/** A checkpoint file that cannot be trusted, and why. */
export interface DamagedCheckpoint {
  info: CheckpointInfo;
  problem: string;
}

/** A resume found checkpoint files and none of them valid; nothing was loaded or moved. */
export class NoValidCheckpointError extends Error {
  constructor(
    readonly dir: string,
    readonly damaged: readonly DamagedCheckpoint[],
  ) {
    super(
      `checkpoint directory ${path.resolve(dir)} holds ${damaged.length} checkpoint file${damaged.length === 1 ? '' : 's'} and none is valid ` +
        `(${damaged.map((d) => `${path.basename(d.info.path)}: ${d.problem}`).join('; ')}); nothing was loaded or moved`,
    );
    this.name = 'NoValidCheckpointError';
  }
}

const MAGIC = Buffer.from('HYBCKPT\0', 'latin1');
const FORMAT_VERSION = 1;
const HEADER_BYTES = 52;
const NAME = /^checkpoint-(\d{10})\.ckpt$/;
/** A leftover of a save that crashed before its rename (lib/atomic-write.ts names temporary files). */
const isTemp = (name: string): boolean => /^checkpoint-\d{10}\.ckpt/.test(name) && name.includes(TEMP_MARK);
const MAX_VERSION = 9_999_999_999;
/** The subfolder damaged files are moved into (see the top of this file). */
export const DAMAGED_DIR = 'damaged';
/** Where a shard's rollback moves the checkpoints newer than the version it goes back to. */
export const SUPERSEDED_DIR = 'superseded';

// Without `moreTypes` msgpackr writes a Float32Array as plain bytes and reads back a Buffer.
// Maps rather than records: the payload stays readable by any msgpack reader.
const packr = new Packr({ moreTypes: true, useRecords: false });
const unpackr = new Unpackr({ moreTypes: true, useRecords: false, mapsAsObjects: true });

function fileName(version: number): string {
  return `checkpoint-${String(version).padStart(10, '0')}.ckpt`;
}

/** Bytes held in typed arrays anywhere in `value`: the bulk of a checkpoint's payload. */
function typedArrayBytes(value: unknown): number {
  if (ArrayBuffer.isView(value)) return value.byteLength + 16;
  if (Array.isArray(value)) return value.reduce((sum: number, v: unknown) => sum + typedArrayBytes(v), 0);
  if (value !== null && typeof value === 'object') return Object.values(value).reduce((sum: number, v: unknown) => sum + typedArrayBytes(v), 0);
  return 0;
}

/** msgpackr grows its buffer from 8 KiB by copying; for a 100 MB state that costs ~1 s, a buffer of the right size ~0.1 s. */
function pack(state: unknown): Buffer {
  packr.useBuffer(Buffer.allocUnsafeSlow(typedArrayBytes(state) + (1 << 20)));
  return packr.pack(state);
}

function header(payload: Uint8Array): Buffer {
  const h = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(h, 0);
  h.writeUInt32LE(FORMAT_VERSION, 8);
  h.writeBigUInt64LE(BigInt(payload.byteLength), 12);
  createHash('sha256').update(payload).digest().copy(h, 20);
  return h;
}

/** The payload of a checkpoint file, or why it cannot be trusted. */
function verify(file: Buffer): { payload: Buffer } | { problem: string } {
  if (file.length === 0) return { problem: 'empty (0 bytes)' };
  if (file.length < HEADER_BYTES) return { problem: `truncated: ${file.length} bytes, shorter than the ${HEADER_BYTES}-byte header` };
  if (!file.subarray(0, 8).equals(MAGIC)) return { problem: 'not a hybrid checkpoint (bad magic)' };
  const format = file.readUInt32LE(8);
  if (format !== FORMAT_VERSION) return { problem: `format version ${format}, this build reads ${FORMAT_VERSION}` };
  const expected = file.readBigUInt64LE(12);
  const actual = BigInt(file.length - HEADER_BYTES);
  if (expected !== actual) return { problem: `truncated or padded: header says ${expected} payload bytes, file has ${actual}` };
  const payload = file.subarray(HEADER_BYTES);
  if (!createHash('sha256').update(payload).digest().equals(file.subarray(20, HEADER_BYTES))) return { problem: 'sha256 of the payload does not match the header' };
  return { payload };
}

/** A checkpoint file read, verified and decoded, or why it cannot be trusted. */
function examine<T>(file: string): { state: T } | { problem: string } {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    return { problem: `cannot be read (${(error as Error).message})` };
  }
  const checked = verify(bytes);
  if ('problem' in checked) return checked;
  try {
    return { state: unpackr.unpack(checked.payload) as T };
  } catch (error) {
    return { problem: `payload does not decode (${(error as Error).message})` };
  }
}

export class CheckpointStore<T> {
  readonly dir: string;
  private readonly keep: number;
  private readonly warn: (line: string) => void;
  private readonly onSetAside: ((file: CheckpointInfo, problem: string) => void) | undefined;
  private readonly freshIfAllDamaged: boolean;
  private lastError: Error | null = null;

  constructor(options: CheckpointStoreOptions) {
    const keep = options.keep ?? 3;
    if (!Number.isInteger(keep) || keep < 1) throw new Error(`checkpoint store: keep must be a positive integer, got ${keep}`);
    this.dir = options.dir;
    this.keep = keep;
    this.warn = options.warn ?? ((line) => process.stderr.write(`${line}\n`));
    this.onSetAside = options.onSetAside;
    this.freshIfAllDamaged = options.freshIfAllDamaged ?? false;
  }

  /** Why the most recent save() failed, or null when it succeeded (or none was made): the coordinator's
   *  launcher reads it after the final checkpoint, which must not fail silently. */
  get lastSaveError(): Error | null {
    return this.lastError;
  }

  /**
   * Writes `state` as checkpoint `version` (replacing one of the same version), then prunes to the newest
   * `keep`. A damaged file newer than `version` is moved into `damaged/` first; a valid newer one makes
   * the save fail: that is another run's (or a run that was not resumed), and pruning would otherwise
   * delete the file just written.
   */
  save(version: number, state: T): CheckpointInfo {
    try {
      const info = this.write(version, state);
      this.lastError = null;
      return info;
    } catch (error) {
      this.lastError = error as Error;
      throw error;
    }
  }

  private write(version: number, state: T): CheckpointInfo {
    if (!Number.isSafeInteger(version) || version < 0 || version > MAX_VERSION) {
      throw new Error(`checkpoint store: version must be an integer in [0, ${MAX_VERSION}], got ${version}`);
    }
    fs.mkdirSync(this.dir, { recursive: true });
    // Newest first: the first valid one stops the save; damaged ones above it are moved aside on the way.
    for (const newer of this.list()
      .filter((c) => c.version > version)
      .reverse()) {
      const found = examine<T>(newer.path);
      if ('state' in found) {
        throw new Error(`checkpoint store: ${newer.path} is a valid checkpoint newer than version ${version} being saved; resume from it or use an empty checkpoint directory`);
      }
      this.setAside({ info: newer, problem: found.problem });
    }
    this.removeTempFiles();

    const payload = pack(state);
    const head = header(payload);
    const target = path.join(this.dir, fileName(version));
    writeFileAtomically(target, [head, payload]);
    // msgpackr keeps its last buffer for the next pack: hand it a small one so the state-sized one is freed.
    packr.useBuffer(Buffer.allocUnsafeSlow(8192));

    for (const old of this.list().slice(0, -this.keep)) fs.rmSync(old.path, { force: true });
    return { path: target, version, bytes: head.length + payload.length };
  }

  /** The newest checkpoint that verifies and decodes; each newer one that does not is skipped with a
   *  warning. Reads only: nothing is moved (see resumeNewest). */
  loadNewest(): { info: CheckpointInfo; state: T } | null {
    for (const info of this.list().reverse()) {
      const found = examine<T>(info.path);
      if ('state' in found) return { info, state: found.state };
      this.warn(`checkpoint ${info.path} skipped: ${found.problem}`);
    }
    return null;
  }

  /**
   * The checkpoint a resume goes on from: the newest valid one, each damaged file newer than it moved
   * into `damaged/` so that the saves that follow are not blocked by it. Null for a directory without
   * checkpoint files. When there are checkpoint files and none is valid: a NoValidCheckpointError, nothing
   * moved; or, with `freshIfAllDamaged`, every one moved aside and null.
   */
  resumeNewest(): { info: CheckpointInfo; state: T } | null {
    const damaged: DamagedCheckpoint[] = [];
    for (const info of this.list().reverse()) {
      const found = examine<T>(info.path);
      if ('state' in found) {
        for (const d of damaged) this.setAside(d);
        return { info, state: found.state };
      }
      damaged.push({ info, problem: found.problem });
    }
    if (damaged.length === 0) return null;
    if (!this.freshIfAllDamaged) throw new NoValidCheckpointError(this.dir, damaged);
    for (const d of damaged) this.setAside(d);
    return null;
  }

  /**
   * Goes back to checkpoint `version` (a shard's resume to the version every shard holds,
   * docs/shards.md): returns it, after moving each newer file into `superseded/`, where no resume looks
   * and from where no later save is blocked; null for version 0 without a file (the start). Throws when
   * that version is missing, damaged (then moved into `damaged/`, so that it is not offered again) or
   * refused by `accept` (which throws), moving nothing.
   */
  rollBackTo(version: number, accept: (state: T, info: CheckpointInfo) => void = () => undefined): { info: CheckpointInfo; state: T } | null {
    const all = this.list();
    const info = all.find((c) => c.version === version);
    if (!info && version !== 0) throw new Error(`checkpoint store: no checkpoint of version ${version} in ${this.dir} (it holds ${all.map((c) => c.version).join(', ') || 'none'})`);
    const found = info ? examine<T>(info.path) : null;
    if (found && !('state' in found)) {
      this.setAside({ info: info!, problem: found.problem });
      throw new Error(`checkpoint store: ${info!.path} is damaged (${found.problem})`);
    }
    if (info && found && 'state' in found) accept(found.state, info);
    for (const newer of all.filter((c) => c.version > version)) {
      const target = this.moveInto(SUPERSEDED_DIR, newer.path);
      this.warn(`checkpoint ${newer.path} is newer than the version every shard holds (${version}); moved to ${target}`);
    }
    return info && found && 'state' in found ? { info, state: found.state } : null;
  }

  /** Moves a file into the folder `dir` of the store (a name taken there gets `.1`, `.2`, ...); returns where. */
  private moveInto(dir: string, file: string): string {
    const aside = path.join(this.dir, dir);
    const name = path.basename(file);
    fs.mkdirSync(aside, { recursive: true });
    let target = path.join(aside, name);
    for (let n = 1; fs.existsSync(target); n++) target = path.join(aside, `${name}.${n}`);
    fs.renameSync(file, target);
    return target;
  }

  /** Checkpoint files by ascending version; temporary files are not checkpoints, nor is anything in `damaged/`. */
  list(): CheckpointInfo[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const found: CheckpointInfo[] = [];
    for (const name of names) {
      const match = NAME.exec(name);
      if (!match) continue;
      const file = path.join(this.dir, name);
      try {
        found.push({ path: file, version: Number(match[1]), bytes: fs.statSync(file).size });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    return found.sort((a, b) => a.version - b.version);
  }

  /** Moves a damaged file into `damaged/` (a name taken there gets `.1`, `.2`, ...), with a warning. */
  private setAside({ info, problem }: DamagedCheckpoint): void {
    const aside = path.join(this.dir, DAMAGED_DIR);
    try {
      const target = this.moveInto(DAMAGED_DIR, info.path);
      this.warn(`checkpoint ${info.path} is damaged (${problem}); moved to ${target}`);
    } catch (error) {
      throw new Error(`checkpoint store: ${info.path} is damaged (${problem}) and could not be moved into ${aside} (${(error as Error).message}); move or remove it by hand`);
    }
    this.onSetAside?.(info, problem);
  }

  /** Leftovers of a save that crashed before its rename. */
  private removeTempFiles(): void {
    for (const name of fs.readdirSync(this.dir)) {
      if (isTemp(name)) fs.rmSync(path.join(this.dir, name), { force: true });
    }
  }
}
