// Bilinear resizing of images held as floats, HWC. Pixel centres are aligned (half-pixel offsets, as
// PIL, OpenCV and TensorFlow 2 resize), so an image keeps its position when scaled. Shrinking by more than
// two samples only the nearest pixels, without averaging the rest: fine for model inputs near the stored size.

/** Resizes `src` (sh x sw x c) to dh x dw x c, written to out[offset ..]. Pure apart from `out`. */
export function resizeBilinear(src: Float32Array, sh: number, sw: number, c: number, dh: number, dw: number, out: Float32Array, offset = 0): void {
  if (src.length !== sh * sw * c) throw new RangeError(`resize: ${src.length} values are not ${sh}x${sw}x${c}`);
  if (out.length < offset + dh * dw * c) throw new RangeError(`resize: the output holds ${out.length - offset} values after offset ${offset}, need ${dh}x${dw}x${c}`);
  if (sh === dh && sw === dw) {
    out.set(src, offset);
    return;
  }
  const sy = sh / dh;
  const sx = sw / dw;
  // Per output column, the two source columns and the weight of the right one; likewise per row.
  const x0 = new Int32Array(dw);
  const x1 = new Int32Array(dw);
  const fx = new Float32Array(dw);
  for (let j = 0; j < dw; j++) {
    const x = Math.min(Math.max((j + 0.5) * sx - 0.5, 0), sw - 1);
    x0[j] = Math.floor(x);
    x1[j] = Math.min(x0[j] + 1, sw - 1);
    fx[j] = x - x0[j];
  }
  for (let i = 0; i < dh; i++) {
    const y = Math.min(Math.max((i + 0.5) * sy - 0.5, 0), sh - 1);
    const r0 = Math.floor(y);
    const r1 = Math.min(r0 + 1, sh - 1);
    const fy = y - r0;
    for (let j = 0; j < dw; j++) {
      const a = (r0 * sw + x0[j]) * c;
      const b = (r0 * sw + x1[j]) * c;
      const d = (r1 * sw + x0[j]) * c;
      const e = (r1 * sw + x1[j]) * c;
      const o = offset + (i * dw + j) * c;
      for (let ch = 0; ch < c; ch++) {
        const top = src[a + ch] + (src[b + ch] - src[a + ch]) * fx[j];
        const bottom = src[d + ch] + (src[e + ch] - src[d + ch]) * fx[j];
        out[o + ch] = top + (bottom - top) * fy;
      }
    }
  }
}
