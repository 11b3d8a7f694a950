// What a follower shard tells the lead of a push it holds (PushArrived): with a multi-task gradient
// method, also the push's dot products over this shard's slices with itself and with each push it held
// before it, so that every pair is reported once, by the later of the two. The lead adds them to its own
// slices' and has the round's Gram matrix over all of W without any gradient crossing (docs/shards.md).
import type { PushArrived } from '../proto/codec.js';
import { supportByTensor } from './aggregation.js';
import { dotsWith } from './aggregators/gram.js';
import type { CompletePush } from './push-receiver.js';

export function pushArrived(push: CompletePush, before: readonly CompletePush[], withDots: boolean): PushArrived {
  if (!withDots) return { task: push.task, baseVersion: push.baseVersion };
  const pairs = [push, ...before.filter((p) => p !== push)];
  const byTensor = pairs.map((p) => ({ gradient: p.gradient, support: p.support && supportByTensor(p.support, p.gradient.length) }));
  const values = dotsWith(push.gradient, byTensor[0].support, byTensor);
  return { task: push.task, baseVersion: push.baseVersion, dots: pairs.map((p, i) => ({ task: p.task, baseVersion: p.baseVersion, value: values[i] })) };
}
