// MGDA's coefficients: the min-norm point of the hull of the (optionally normalised) task gradients.
// Sener & Koltun 2018, "Multi-Task Learning as Multi-Objective Optimization" (NeurIPS; arXiv:1810.04650).
//
// The MGDA-UB variant (solving on the shared representation's gradient instead of the shared parameters')
// does not apply here, because the coordinator sees gradients for W, not for a shared representation.
//
// Normalising the gradients by a diagonal D turns the Gram matrix into D G D, so the scaled problem is
// solved without touching a vector. The update is sum alpha_t (D_t g_t), as LibMTL applies it (Sener &
// Koltun's own training script puts alpha on the unscaled losses instead); it is returned as coefficients
// on the unscaled g_t, c_t = alpha_t D_t, because that is what the coordinator holds.
import { checkGram } from './gram.js';
import { minNormPoint, type MinNormOptions } from './min-norm.js';

/** How each gradient is scaled before solving, as in the reference code's gradient_normalizers. */
export type MgdaNormalization = 'none' | 'l2' | 'loss' | 'loss+';

export interface MgdaOptions extends MinNormOptions {
  /** 'none' (default): D_t = 1; 'l2': 1 / ||g_t||; 'loss': 1 / L_t; 'loss+': 1 / (L_t ||g_t||). */
  normalize?: MgdaNormalization;
  /** The tasks' losses L_t, positive; required by 'loss' and 'loss+'. */
  losses?: readonly number[];
}

/** The diagonal D of the normalisation. A zero gradient keeps D_t = 1: scaling a zero vector changes nothing, and 1 keeps c_t finite. */
export function mgdaScales(gram: readonly (readonly number[])[], normalize: MgdaNormalization = 'none', losses?: readonly number[]): number[] {
  checkGram(gram);
  const n = gram.length;
  const norm = (t: number): number => {
    const s = Math.sqrt(Math.max(gram[t][t], 0));
    return s > 0 ? s : 1;
  };
  const loss = (t: number): number => {
    if (losses === undefined || losses.length !== n) throw new RangeError(`normalize '${normalize}' needs one loss per task (${n}), got ${losses?.length ?? 'none'}`);
    const l = losses[t];
    if (!(Number.isFinite(l) && l > 0)) throw new RangeError(`normalize '${normalize}' needs positive finite losses, task ${t} has ${l}`);
    return l;
  };
  const scales = new Array<number>(n);
  for (let t = 0; t < n; t++) {
    switch (normalize) {
      case 'none':
        scales[t] = 1;
        break;
      case 'l2':
        scales[t] = 1 / norm(t);
        break;
      case 'loss':
        scales[t] = 1 / loss(t);
        break;
      case 'loss+':
        scales[t] = 1 / (loss(t) * norm(t));
        break;
      default:
        throw new RangeError(`unknown normalize: ${String(normalize)}`);
    }
  }
  return scales;
}

/** c with d = sum_t c_t g_t the MGDA direction, for the unscaled gradients behind `gram`. */
export function mgdaCoefficients(gram: readonly (readonly number[])[], options: MgdaOptions = {}): number[] {
  const scales = mgdaScales(gram, options.normalize ?? 'none', options.losses);
  const scaled = gram.map((row, i) => row.map((g, j) => scales[i] * g * scales[j]));
  const { alpha } = minNormPoint(scaled, { maxIterations: options.maxIterations, tolerance: options.tolerance });
  return alpha.map((a, t) => a * scales[t]);
}
