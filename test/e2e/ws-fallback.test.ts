// ws masks what clients send and unmasks what servers receive with the optional native `bufferutil`
// when it is installed, and with its own JavaScript loops when it is not or when WS_NO_BUFFER_UTIL is
// set (node_modules/ws/lib/buffer-util.js). Both paths must carry the protocol's frames unchanged: each
// runs here in a child process (the choice is made once, when ws loads), through a real masked round
// trip of a 1 MiB binary message.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const root = fileURLToPath(new URL('../..', import.meta.url));

/** Deterministic 1 MiB: both variants send the same bytes, and their echoes must hash the same. */
const PAYLOAD_SOURCE = `
function payload() {
  const b = Buffer.alloc(1 << 20);
  let s = 0x9e3779b9;
  for (let i = 0; i < b.length; i++) { s ^= s << 13; s ^= s >>> 17; s ^= s << 5; b[i] = s & 255; }
  return b;
}`;

// Counts the calls ws makes into bufferutil by putting a counting wrapper in its place in the module
// cache before ws loads (the native binding's own properties are not writable). Then a ws server echoes
// one masked client message back.
const CHILD = `
'use strict';
const path = require('node:path');
const Module = require('node:module');
const { createHash } = require('node:crypto');
${PAYLOAD_SOURCE}
const calls = { mask: 0, unmask: 0 };
let bufferutil = null;
try {
  const id = require.resolve('bufferutil');
  const real = require(id);
  bufferutil = { native: String(real.mask).includes('[native code]') };
  const wrapper = new Module(id);
  wrapper.filename = id;
  wrapper.loaded = true;
  wrapper.exports = {
    mask: (...a) => { calls.mask++; return real.mask(...a); },
    unmask: (...a) => { calls.unmask++; return real.unmask(...a); },
  };
  require.cache[id] = wrapper;
} catch (e) {}
const WebSocket = require('ws');
const bufferUtil = require(path.join(path.dirname(require.resolve('ws')), 'lib', 'buffer-util.js'));
const sent = payload();
const wss = new WebSocket.WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false }, () => {
  const client = new WebSocket('ws://127.0.0.1:' + wss.address().port, { perMessageDeflate: false });
  client.binaryType = 'nodebuffer';
  client.on('open', () => client.send(sent));
  client.on('message', (data, isBinary) => {
    process.stdout.write(JSON.stringify({
      jsMask: bufferUtil.mask.name === '_mask',
      jsUnmask: bufferUtil.unmask.name === '_unmask',
      bufferutil,
      calls,
      isBinary,
      bytes: data.length,
      sha256: createHash('sha256').update(data).digest('hex'),
    }));
    client.close();
    wss.close();
  });
});
wss.on('connection', (socket) => socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary })));
`;

interface ChildResult {
  jsMask: boolean;
  jsUnmask: boolean;
  bufferutil: { native: boolean } | null;
  calls: { mask: number; unmask: number };
  isBinary: boolean;
  bytes: number;
  sha256: string;
}

function runChild(noBufferUtil: boolean): ChildResult {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.WS_NO_BUFFER_UTIL;
  if (noBufferUtil) env.WS_NO_BUFFER_UTIL = '1';
  const child = spawnSync(process.execPath, ['-e', CHILD], { cwd: root, env, encoding: 'utf8', timeout: 30_000 });
  if (child.status !== 0) throw new Error(`child (WS_NO_BUFFER_UTIL=${noBufferUtil ? 1 : 'unset'}) exited ${child.status}: ${child.stderr}`);
  return JSON.parse(child.stdout) as ChildResult;
}

function expectedDigest(): string {
  // The very source the child runs, evaluated here too, so that both sides make the same payload.
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const payload = new Function(`${PAYLOAD_SOURCE}; return payload();`)() as Buffer;
  return createHash('sha256').update(payload).digest('hex');
}

function resolves(id: string): boolean {
  try {
    require.resolve(id);
    return true;
  } catch {
    return false;
  }
}

// Node's own http.websocketMask, where it exists, comes before both paths in ws's choice.
const nodeMasks = typeof (http as unknown as { websocketMask?: unknown }).websocketMask === 'function';

describe.skipIf(nodeMasks)('ws masking paths (this Node has no http.websocketMask, so ws picks bufferutil or JS)', () => {
  it('with WS_NO_BUFFER_UTIL=1 ws masks and unmasks in JavaScript, and a 1 MiB message comes back identical', () => {
    const r = runChild(true);
    expect(r.jsMask).toBe(true);
    expect(r.jsUnmask).toBe(true);
    // bufferutil may be installed: ws must not have called it.
    expect(r.calls).toEqual({ mask: 0, unmask: 0 });
    expect(r).toMatchObject({ isBinary: true, bytes: 1 << 20, sha256: expectedDigest() });
  });

  const installed = resolves('bufferutil');
  const title = 'with bufferutil installed ws masks and unmasks through it, and the same message comes back identical';
  it.skipIf(!installed)(installed ? title : `${title} (skipped: bufferutil is not installed)`, () => {
    const r = runChild(false);
    expect(r.bufferutil).not.toBeNull();
    expect(r.jsMask).toBe(false);
    expect(r.jsUnmask).toBe(false);
    // The client masked the 1 MiB message and the server unmasked it, both through bufferutil.
    expect(r.calls.mask).toBeGreaterThan(0);
    expect(r.calls.unmask).toBeGreaterThan(0);
    expect(r).toMatchObject({ isBinary: true, bytes: 1 << 20, sha256: expectedDigest() });
  });
});
