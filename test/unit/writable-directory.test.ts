// The start-up check of the directories a run writes into (lib/writable-directory.ts).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureWritableDirectory } from '../../lib/writable-directory.js';

let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hybrid-writable-'));
});

afterEach(() => {
  fs.chmodSync(dir, 0o755);
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('ensureWritableDirectory', () => {
  it('makes a missing directory and its parents, and leaves no probe behind', () => {
    const target = path.join(dir, 'a', 'b', 'run');
    ensureWritableDirectory(target, '--out');
    expect(fs.statSync(target).isDirectory()).toBe(true);
    expect(fs.readdirSync(target)).toEqual([]);
  });

  it('accepts an existing directory and leaves what it holds as it was', () => {
    fs.writeFileSync(path.join(dir, 'results.json'), '{}');
    ensureWritableDirectory(dir, '--out');
    expect(fs.readdirSync(dir)).toEqual(['results.json']);
  });

  it('refuses an existing regular file, naming the option and the path', () => {
    const file = path.join(dir, 'results');
    fs.writeFileSync(file, 'not a directory');
    expect(() => ensureWritableDirectory(file, '--out')).toThrow(`--out ${file} is an existing file, not a directory`);
    expect(fs.readFileSync(file, 'utf8')).toBe('not a directory');
  });

  it('refuses a directory that cannot be made (a file on its path)', () => {
    fs.writeFileSync(path.join(dir, 'file'), '');
    const target = path.join(dir, 'file', 'checkpoints');
    expect(() => ensureWritableDirectory(target, '--checkpoint-dir')).toThrow(new RegExp(`^--checkpoint-dir ${target} cannot be made \\(ENOTDIR`));
  });

  // root writes into a read-only directory regardless, so there the check has nothing to find.
  it.skipIf(process.getuid?.() === 0)('refuses a directory this user cannot write into', () => {
    fs.chmodSync(dir, 0o555);
    expect(() => ensureWritableDirectory(dir, '--checkpoint-dir')).toThrow(
      new RegExp(`^--checkpoint-dir ${dir} is not writable \\(EACCES.*make it writable by this user, or give another directory`),
    );
  });
});
