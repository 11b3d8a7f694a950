// Start-up check of a directory a run will write into (checkpoints, results): made if missing, then
// probed by writing and removing a small file. A run that could not keep what it learns should stop
// before it trains, not report a failure (or worse, nothing) once the work is done.
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { join, resolve } from 'node:path';

/** The probe's name: hidden, and like no checkpoint or result file, so that nothing mistakes a leftover for one. */
const PROBE_PREFIX = '.hybrid-write-probe-';

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Makes `dir` (and its parents) if missing and checks that a file can be written in it. `what` names the
 * directory for the user, e.g. "--out" or "--checkpoint-dir". Throws an error naming the path and what to
 * do when it is an existing file, cannot be made, or is not writable.
 */
export function ensureWritableDirectory(dir: string, what: string): void {
  const path = resolve(dir);
  let stats: Stats | null = null;
  try {
    stats = statSync(path);
  } catch (error) {
    // Missing (or below a file: mkdir says so, with the path).
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw new Error(`${what} ${path} cannot be examined (${reason(error)}): give a directory this user can reach`);
  }
  if (stats && !stats.isDirectory()) throw new Error(`${what} ${path} is an existing file, not a directory: give a directory path (it is made if missing), or move the file away`);
  if (!stats) {
    try {
      mkdirSync(path, { recursive: true });
    } catch (error) {
      throw new Error(`${what} ${path} cannot be made (${reason(error)}): give a directory that exists or can be created, writable by this user`);
    }
  }
  const probe = join(path, `${PROBE_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    writeFileSync(probe, 'hybrid checks that this directory is writable\n');
  } catch (error) {
    throw new Error(`${what} ${path} is not writable (${reason(error)}): make it writable by this user, or give another directory`);
  } finally {
    rmSync(probe, { force: true });
  }
}
