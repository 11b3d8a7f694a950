// Files written so that a crash at any moment leaves each one absent, as it was, or complete: its data
// goes to a temporary file beside the target, is fsynced, renamed over the target, and the directory is
// fsynced so that the rename itself survives a power cut. Checkpoints, bundles and run results all
// write this way.
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** A file to write: its name in the directory, and its bytes (in pieces, written back to back). */
export interface FileContent {
  name: string;
  data: Uint8Array | readonly Uint8Array[];
}

/** What temporary files carry after the target's name: `<target>.tmp-<pid>-<random>`. A directory's
 *  owner may remove leftovers of a crashed write by this mark. */
export const TEMP_MARK = '.tmp-';

function writeFully(fd: number, data: Uint8Array): void {
  for (let offset = 0; offset < data.byteLength;) offset += writeSync(fd, data, offset, data.byteLength - offset);
}

/** fsync of a directory, where the platform allows it (not on Windows; the renames are done regardless). */
function fsyncDirectory(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch {
    return;
  }
  try {
    fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on a directory; the renames themselves are done.
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes `files` into `dir` (made if missing). Every file is written and fsynced under a temporary name
 * first; the renames come last and in the given order, so a caller puts the file that vouches for the
 * others (a manifest with checksums) last, and a crash between renames is detected, never silently
 * loaded. On any error the temporary files are removed and nothing was renamed.
 */
export function writeFilesAtomically(dir: string, files: readonly FileContent[]): void {
  mkdirSync(dir, { recursive: true });
  const temps: { tmp: string; target: string }[] = [];
  try {
    for (const f of files) {
      const target = join(dir, f.name);
      const tmp = `${target}${TEMP_MARK}${process.pid}-${randomBytes(4).toString('hex')}`;
      temps.push({ tmp, target });
      const fd = openSync(tmp, 'w', 0o644);
      try {
        for (const piece of f.data instanceof Uint8Array ? [f.data] : f.data) writeFully(fd, piece);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
    for (const { tmp, target } of temps) renameSync(tmp, target);
  } catch (err) {
    for (const { tmp } of temps) rmSync(tmp, { force: true });
    throw err;
  }
  fsyncDirectory(dir);
}

/** One file, written as writeFilesAtomically writes each. */
export function writeFileAtomically(path: string, data: Uint8Array | readonly Uint8Array[]): void {
  writeFilesAtomically(dirname(path), [{ name: basename(path), data }]);
}

/** A JSON document, pretty-printed with a final newline, written atomically. */
export function writeJsonAtomically(path: string, value: unknown): void {
  writeFileAtomically(path, new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`));
}
