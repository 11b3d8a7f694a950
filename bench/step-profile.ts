// bench:step --profile (bench/step.ts): where the CPU time of one training step goes, kernel by kernel.
import * as tf from '@tensorflow/tfjs-core';
import type { TaskTrainer } from '../worker/trainer.js';
import { median } from './median.js';

export interface KernelCost {
  kernel: string;
  calls: number;
  /** Median over the profiled rounds of the kernel's CPU time per round. */
  ms: number;
}

export interface RoundProfile {
  /** Median CPU time of a whole round. */
  roundMs: number;
  /** Median of the kernels' summed CPU time per round; roundMs minus this is tfjs' engine and JavaScript. */
  kernelMs: number;
  kernels: KernelCost[];
}

/**
 * Per-kernel CPU time of `trainer.round` on the current backend, medians over `rounds` rounds after 3
 * unprofiled ones, costliest first. Every registered kernel is wrapped for the duration (and restored
 * after); a kernel called inside another (this project's kernels call the backend's) counts in its
 * caller. CPU time (process.cpuUsage) rather than wall time, which the machine's load inflates; it
 * includes V8's helper threads (garbage collection) while a kernel runs.
 */
export function profileRound(trainer: TaskTrainer, rounds: number): RoundProfile {
  const backendName = tf.getBackend();
  const configs = tf.getKernelsForBackend(backendName);
  const cpuMs = () => {
    const used = process.cpuUsage();
    return (used.user + used.system) / 1000;
  };
  let current = new Map<string, { calls: number; ms: number }>();
  let depth = 0;
  for (const config of configs) {
    const inner = config.kernelFunc;
    tf.unregisterKernel(config.kernelName, backendName);
    tf.registerKernel({
      ...config,
      kernelFunc: (args) => {
        if (depth > 0) return inner(args);
        depth++;
        const start = cpuMs();
        try {
          return inner(args);
        } finally {
          depth--;
          const cost = current.get(config.kernelName) ?? { calls: 0, ms: 0 };
          cost.calls++;
          cost.ms += cpuMs() - start;
          current.set(config.kernelName, cost);
        }
      },
    });
  }
  const perRound: Map<string, { calls: number; ms: number }>[] = [];
  const roundMs: number[] = [];
  try {
    for (let i = 0; i < 3 + rounds; i++) {
      current = new Map();
      const start = cpuMs();
      trainer.round(i);
      if (i >= 3) {
        roundMs.push(cpuMs() - start);
        perRound.push(current);
      }
    }
  } finally {
    for (const config of configs) {
      tf.unregisterKernel(config.kernelName, backendName);
      tf.registerKernel(config);
    }
  }
  const names = new Set(perRound.flatMap((r) => [...r.keys()]));
  const kernels = [...names].map((kernel) => ({ kernel, calls: perRound[0].get(kernel)?.calls ?? 0, ms: median(perRound.map((r) => r.get(kernel)?.ms ?? 0)) })).sort((x, y) => y.ms - x.ms);
  const kernelMs = median(perRound.map((r) => [...r.values()].reduce((sum, k) => sum + k.ms, 0)));
  return { roundMs: median(roundMs), kernelMs, kernels };
}

/** The profile as bench:step prints it: a summary line, then one tab-separated line per kernel. */
export function formatProfile(profile: RoundProfile, title: string, rounds: number): string {
  const { roundMs, kernelMs, kernels } = profile;
  return [
    `profile: ${title}, CPU ms per round (medians of ${rounds}): round ${roundMs.toFixed(2)}, ` +
      `kernels ${kernelMs.toFixed(2)}, the rest (tfjs engine, JavaScript) ${(roundMs - kernelMs).toFixed(2)}`,
    ['kernel', 'calls', 'ms', 'share of round'].join('\t'),
    ...kernels.map((k) => [k.kernel, k.calls, k.ms.toFixed(3), `${((100 * k.ms) / roundMs).toFixed(1)}%`].join('\t')),
  ].join('\n');
}
