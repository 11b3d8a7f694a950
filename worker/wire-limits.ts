// How big a frame from the coordinator may be: before the first welcome (any config) and after it (this
// run's model). The chunk size is bounded by the config schema, and the most classes a task state's
// head may declare by model/limits.ts classesBound. A coordinator that passes one is broken, or not a
// hybrid coordinator of this release: the worker ends rather than allocate what it says.
import { MAX_CHUNK_BYTES, type RunConfig } from '../config/schema.js';
import { taskOptimizer } from '../config/settings.js';
import { slotCount } from '../optim/optimizer.js';
import { headSpec, totalSize, type ModelSpec } from '../model/spec.js';

/** The config JSON of a welcome, at most (a run config is a few kilobytes; label maps make it longer). */
const MAX_CONFIG_JSON_BYTES = 4 * 1024 * 1024;

/** Tensor names, shapes, part fields and protobuf framing on top of the tensors' bytes. */
const FRAMING_BYTES = 1 << 20;
const FRAMING_BYTES_PER_TENSOR = 4096;

/** Encoded bytes per entry, at most: F32 is 4; TOPK's values and positions stay under 5. */
const MAX_ENCODED_BYTES_PER_ENTRY = 5;

/**
 * The largest frame a coordinator may send before its first welcome: a welcome holds the run config,
 * W when W fits one chunk and the task's state when it fits one chunk, so two of the largest chunks the
 * schema allows, the config and framing. (Once welcomed, the worker knows its run's far smaller bound.)
 */
export const PRE_WELCOME_MAX_FRAME_BYTES = 2 * MAX_CHUNK_BYTES + MAX_CONFIG_JSON_BYTES + FRAMING_BYTES;

/**
 * The largest frame of this run a coordinator sends: a welcome (its config JSON, W and the task state
 * each when they fit one chunk) or a part of an update or task state (at most a chunk of tensor data,
 * and a piece's encoding may pass the chunk a little: twice the chunk, as the coordinator allows for
 * pushes), whichever whole messages of this model cannot exceed.
 */
export function maxFrameBytes(config: RunConfig, spec: ModelSpec, classes: number, configJsonBytes: number): number {
  const shared = totalSize(spec.shared);
  // Each tensor of a task state travels with its optimizer slots.
  const copies = 1 + slotCount(taskOptimizer(config.train).type);
  const w = MAX_ENCODED_BYTES_PER_ENTRY * shared;
  const head = headSpec(spec, classes);
  // S_t with its slots, its support (a byte per entry), the head with its slots, the statistics.
  const state = 4 * copies * shared + shared + 4 * copies * totalSize(head) + 4 * totalSize(spec.stats);
  const tensors = spec.shared.length + head.length + spec.stats.length;
  const framing = FRAMING_BYTES + FRAMING_BYTES_PER_TENSOR * tensors * (2 + 2 * copies);
  return configJsonBytes + Math.min(2 * config.distributed.chunk_bytes, w + state) + framing;
}
