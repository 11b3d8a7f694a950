// The coordinator's checkpoints on disk: one file per saved version, written so that a crash at any
// moment leaves either the complete new file or none, and read back newest-valid-first.
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
}

const MAGIC = Buffer.from('HYBCKPT\0', 'latin1');
const FORMAT_VERSION = 1;
const HEADER_BYTES = 52;
const NAME = /^checkpoint-(\d{10})\.ckpt$/;
/** A leftover of a save that crashed before its rename (lib/atomic-write.ts names temporary files). */
const isTemp = (name: string): boolean => /^checkpoint-\d{10}\.ckpt/.test(name) && name.includes(TEMP_MARK);
const MAX_VERSION = 9_999_999_999;

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

export class CheckpointStore<T> {
  readonly dir: string;
  private readonly keep: number;
  private readonly warn: (line: string) => void;

  constructor(options: CheckpointStoreOptions) {
    const keep = options.keep ?? 3;
    if (!Number.isInteger(keep) || keep < 1) throw new Error(`checkpoint store: keep must be a positive integer, got ${keep}`);
    this.dir = options.dir;
    this.keep = keep;
    this.warn = options.warn ?? ((line) => process.stderr.write(`${line}\n`));
  }

  /**
   * Writes `state` as checkpoint `version` (replacing one of the same version), then prunes to the newest
   * `keep`. Refuses when the directory already holds a newer checkpoint: that is another run's (or a run
   * that was not resumed), and pruning would otherwise delete the file just written.
   */
  save(version: number, state: T): CheckpointInfo {
    if (!Number.isSafeInteger(version) || version < 0 || version > MAX_VERSION) {
      throw new Error(`checkpoint store: version must be an integer in [0, ${MAX_VERSION}], got ${version}`);
    }
    fs.mkdirSync(this.dir, { recursive: true });
    const newer = this.list().filter((c) => c.version > version);
    if (newer.length > 0) {
      throw new Error(`checkpoint store: ${newer[newer.length - 1].path} is newer than version ${version} being saved; ` + 'resume from it or use an empty checkpoint directory');
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

  /** The newest checkpoint that verifies and decodes; each newer one that does not is skipped with a warning. */
  loadNewest(): { info: CheckpointInfo; state: T } | null {
    for (const info of this.list().reverse()) {
      let file: Buffer;
      try {
        file = fs.readFileSync(info.path);
      } catch (error) {
        this.warn(`checkpoint ${info.path} skipped: cannot be read (${(error as Error).message})`);
        continue;
      }
      const checked = verify(file);
      if ('problem' in checked) {
        this.warn(`checkpoint ${info.path} skipped: ${checked.problem}`);
        continue;
      }
      try {
        return { info, state: unpackr.unpack(checked.payload) as T };
      } catch (error) {
        this.warn(`checkpoint ${info.path} skipped: payload does not decode (${(error as Error).message})`);
      }
    }
    return null;
  }

  /** Checkpoint files by ascending version; temporary files are not checkpoints. */
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

  /** Leftovers of a save that crashed before its rename. */
  private removeTempFiles(): void {
    for (const name of fs.readdirSync(this.dir)) {
      if (isTemp(name)) fs.rmSync(path.join(this.dir, name), { force: true });
    }
  }
}
