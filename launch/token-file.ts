// The token file both commands read: one bearer token for every task, or `task: token` lines, one per
// task; blank lines and lines starting with # are ignored. Error messages name the file and the tasks,
// never a token.
import { readFileSync } from 'node:fs';

export interface Tokens {
  shared?: string;
  perTask?: Record<string, string>;
}

const TASK_LINE = /^([A-Za-z0-9_.-]+)\s*:\s*(\S+)$/;

export function readTokenFile(path: string): Tokens {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read token file ${path}: ${(err as Error).message}`);
  }
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  if (lines.length === 0) throw new Error(`token file ${path} holds no token`);
  if (lines.length === 1 && !TASK_LINE.test(lines[0])) {
    // A bearer token is one word: anything else would be sent mangled and refused as missing.
    if (/\s/.test(lines[0])) throw new Error(`token file ${path}: the token contains whitespace`);
    return { shared: lines[0] };
  }
  const perTask: Record<string, string> = {};
  lines.forEach((line, i) => {
    const m = TASK_LINE.exec(line);
    if (!m) throw new Error(`token file ${path}, line ${i + 1}: expected "task: token"`);
    perTask[m[1]] = m[2];
  });
  return { perTask };
}
