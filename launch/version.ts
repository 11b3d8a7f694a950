// The release this build is (package.json's version) and the wire protocol it speaks, for `hybrid --version`.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROTOCOL_VERSION } from '../proto/codec.js';

/** package.json's version, found walking up from this file (dist/launch/ when built, launch/ in source). */
export function releaseVersion(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    let text: string;
    try {
      text = readFileSync(join(dir, 'package.json'), 'utf8');
    } catch {
      continue;
    }
    const pkg = JSON.parse(text) as { name?: string; version?: string };
    if (pkg.name === 'hybrid' && pkg.version) return pkg.version;
  }
  return 'unknown';
}

export function versionLine(): string {
  return `hybrid ${releaseVersion()} (protocol ${PROTOCOL_VERSION})`;
}
