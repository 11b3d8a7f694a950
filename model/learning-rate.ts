// The learning-rate schedule, shared by the coordinator's optimizer (W) and the workers' (S_t, heads), so
// both sides scale their steps identically at every round.
export type LrSchedule = 'constant' | 'cosine';

/** Multiplier of the base learning rate at `step` of `totalSteps`. */
export function lrScale(schedule: LrSchedule, step: number, totalSteps: number): number {
  if (schedule === 'constant' || totalSteps <= 1) return 1;
  const progress = Math.min(1, Math.max(0, step / totalSteps));
  return 0.5 * (1 + Math.cos(Math.PI * progress));
}
