// What a bundle that cannot be written or read is refused with: the message names the file and the part.
export class BundleError extends Error {
  override name = 'BundleError';
}
