// Bounds of the run config that come from the machine, not from taste: timers within what Node's timers
// take, arrays within what V8 and the tensor backends hold, chunks within what both sides buffer.
import { z } from 'zod';

/** The longest delay Node's setTimeout/setInterval take: 2^31-1 ms (about 24.8 days). A longer one is
 *  clamped to 1 ms with a warning, which turns a heartbeat or a deadline into a busy loop. */
export const MAX_TIMER_MS = 2 ** 31 - 1;
/** A worker silent for this many heartbeats has lapsed (config/settings.ts, lapseMs). */
export const LAPSE_HEARTBEATS = 3;
/** The round driver arms the deadline timer this many ms after the deadline (coordinator/round-driver.ts). */
export const DEADLINE_SLACK_MS = 5;
/** The longest heartbeat, in whole seconds, whose lapse (LAPSE_HEARTBEATS of them) is still a valid timer delay. */
export const MAX_HEARTBEAT_SECONDS = Math.floor(MAX_TIMER_MS / (LAPSE_HEARTBEATS * 1000));
/** The longest round deadline, in whole seconds, whose timer (deadline + slack) Node still takes. */
export const MAX_ROUND_TIMEOUT_SECONDS = Math.floor((MAX_TIMER_MS - DEADLINE_SLACK_MS) / 1000);
/** The shortest heartbeat: heartbeats are timed in whole ms, and Node fires a delay below 1 ms after 1 ms. */
export const MIN_HEARTBEAT_SECONDS = 0.001;
/**
 * The most entries one array may hold, be it a tensor, a batch or a data set: 2^30, 4 GiB as float32.
 * V8 (Node 20) refuses typed arrays over 2^32 elements ("Invalid typed array length"), and tfjs' wasm
 * backend addresses 4 GiB of memory in all, so 2^30 float32 entries is the most any backend here holds.
 */
export const MAX_ARRAY_ENTRIES = 2 ** 30;
/** MAX_ARRAY_ENTRIES as the messages write it. */
export const MAX_ARRAY_ENTRIES_TEXT = '2^30 = 1073741824 entries (4 GiB as float32)';
/** The smallest distributed.chunk_bytes: a piece of a tensor must carry whole float32 entries, and the
 *  tensor streams (compression/tensor-stream.ts, pieceEntries) take no less than 1 KiB. */
export const MIN_CHUNK_BYTES = 1024;
/** The largest distributed.chunk_bytes: a frame carries up to two chunks and is held whole in memory on
 *  both sides (the coordinator admits frames of twice that), and a worker must accept a welcome of two
 *  chunks before it knows its run's chunk size, so this bounds what any coordinator can make a worker
 *  hold (worker/wire-limits.ts). Past a few MiB a bigger chunk gains nothing. */
export const MAX_CHUNK_BYTES = 64 * 1024 * 1024;

/** Replicas of one task: the coordinator keeps a push buffer of W's size for each, so the bound is one
 *  of memory, not of the protocol. */
export const MAX_REPLICAS = 256;

/** A zod error option for a bound: the value given, the limit and why there is one. */
export function tooLarge(limit: number | string, why: string) {
  return { error: (issue: { input?: unknown }) => `${String(issue.input)} is too large: at most ${limit}; ${why}` };
}
export function tooSmall(limit: number | string, why: string) {
  return { error: (issue: { input?: unknown }) => `${String(issue.input)} is too small: at least ${limit}; ${why}` };
}

export const positiveInt = z.number().int().positive();
/** A count of entries that ends up as the length of one array (a tensor dimension, a data set size). */
export const arrayCount = (what: string) => positiveInt.max(MAX_ARRAY_ENTRIES, tooLarge(MAX_ARRAY_ENTRIES_TEXT, `${what}, and one array holds at most that`));
export const fraction = z.number().min(0).max(1);
