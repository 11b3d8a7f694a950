// Every format this project writes (the wire's tensors, checkpoints, bundles, TF.js weight files) is
// little-endian, and typed arrays are read and written in the host's order: a big-endian host is
// refused rather than misread.

/** Whether this host stores numbers little-endian. */
export const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Throws unless the host is little-endian; `what` names the format that needs it. */
export function requireLittleEndian(what: string): void {
  if (!LITTLE_ENDIAN) throw new Error(`hybrid: ${what} are little-endian and this host is big-endian, which is not supported`);
}
