// PNG and JPEG files: a cheap check of every file before training (the header is readable and the file
// is not cut short), and the full decode into RGBA bytes (pngjs, jpeg-js), then to float channels.
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { DataError } from './dataset.js';

export type ImageFormat = 'png' | 'jpeg';

export interface ImageHeader {
  format: ImageFormat;
  width: number;
  height: number;
}

export interface RgbaImage {
  width: number;
  height: number;
  /** width * height * 4 bytes, row-major RGBA. */
  data: Uint8Array;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** The IEND chunk every PNG ends with: zero length, type, CRC. */
const PNG_IEND = Buffer.from([0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);
/** Bit depths each PNG colour type allows (PNG spec, IHDR). */
const PNG_DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
/** Start-of-frame markers (baseline, progressive, lossless, arithmetic); C4, C8 and CC are not frames. */
const JPEG_SOF = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);
/** The largest image decoded: jpeg-js' own default, so a hostile header cannot ask for gigabytes. */
const MAX_PIXELS = 100e6;

/** Whether a file name is one this reader decodes. */
export function isImageName(name: string): boolean {
  return /\.(png|jpe?g)$/i.test(name);
}

function readAt(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  const n = readSync(fd, buf, 0, length, position);
  return buf.subarray(0, n);
}

function bad(file: string, why: string): DataError {
  return new DataError(`${file}: ${why}`, file);
}

function pngHeader(fd: number, size: number, head: Buffer, file: string): ImageHeader {
  if (head.length < 33 || head.readUInt32BE(8) !== 13 || head.toString('latin1', 12, 16) !== 'IHDR') throw bad(file, 'PNG without a valid IHDR header chunk');
  const width = head.readUInt32BE(16);
  const height = head.readUInt32BE(20);
  const depth = head[24];
  const colorType = head[25];
  if (width === 0 || height === 0) throw bad(file, `PNG of ${width}x${height} pixels`);
  if (!PNG_DEPTHS[colorType]?.includes(depth)) throw bad(file, `PNG with colour type ${colorType} and bit depth ${depth}, which the PNG format does not define`);
  const tail = readAt(fd, Math.max(0, size - PNG_IEND.length), PNG_IEND.length);
  if (!tail.equals(PNG_IEND)) throw bad(file, `truncated or corrupt: the PNG does not end with an IEND chunk (${size} bytes)`);
  return { format: 'png', width, height };
}

function jpegHeader(fd: number, size: number, file: string): ImageHeader {
  let pos = 2;
  let frame: ImageHeader | undefined;
  // Walk the marker segments up to the frame header; each is FF, marker, then a big-endian length.
  while (frame === undefined) {
    const seg = readAt(fd, pos, 10);
    if (seg.length < 4) throw bad(file, `truncated: the JPEG ends at byte ${size} before its frame header`);
    if (seg[0] !== 0xff) throw bad(file, `corrupt JPEG: no marker at byte ${pos}`);
    const marker = seg[1];
    if (marker === 0xff) {
      pos++; // fill byte
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      pos += 2;
      continue;
    }
    if (marker === 0xda || marker === 0xd9) throw bad(file, `corrupt JPEG: ${marker === 0xda ? 'a scan' : 'the end of the image'} before any frame header`);
    const length = seg.readUInt16BE(2);
    if (length < 2) throw bad(file, `corrupt JPEG: segment of length ${length} at byte ${pos}`);
    if (JPEG_SOF.has(marker)) {
      if (seg.length < 9) throw bad(file, `truncated: the JPEG ends inside its frame header`);
      const height = seg.readUInt16BE(5);
      const width = seg.readUInt16BE(7);
      if (width === 0 || height === 0) throw bad(file, `JPEG of ${width}x${height} pixels (a height given later by a DNL marker is not supported)`);
      frame = { format: 'jpeg', width, height };
    }
    pos += 2 + length;
  }
  // The end-of-image marker cannot occur inside entropy-coded data (an FF there is followed by 00 or a
  // restart marker), so its absence near the end means the file was cut short.
  const tail = readAt(fd, Math.max(0, size - 1024), Math.min(size, 1024));
  if (tail.lastIndexOf(Buffer.from([0xff, 0xd9])) < 0) throw bad(file, `truncated or corrupt: the JPEG has no end-of-image marker near its end (${size} bytes)`);
  return frame;
}

/** Checks a PNG or JPEG file cheaply, reading its header and its last bytes only: the format, the size,
 *  and that it is not cut short. A DataError names the file. */
export function checkImageFile(file: string): ImageHeader {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException | null)?.code;
    throw bad(file, code === 'ENOENT' ? 'file not found' : `cannot read (${(err as Error).message})`);
  }
  try {
    const size = fstatSync(fd).size;
    const head = readAt(fd, 0, 64);
    let header: ImageHeader;
    if (head.length >= 8 && head.subarray(0, 8).equals(PNG_SIGNATURE)) header = pngHeader(fd, size, head, file);
    else if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) header = jpegHeader(fd, size, file);
    else throw bad(file, size === 0 ? 'empty file' : `not a PNG or JPEG file (it starts with bytes ${head.subarray(0, 8).toString('hex')})`);
    if (header.width * header.height > MAX_PIXELS) throw bad(file, `${header.width}x${header.height} pixels, more than the ${MAX_PIXELS / 1e6} million this reader decodes`);
    return header;
  } finally {
    closeSync(fd);
  }
}

/** Decodes a PNG or JPEG file to RGBA bytes; a DataError names the file. */
export function decodeImageFile(file: string): RgbaImage {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException | null)?.code;
    throw bad(file, code === 'ENOENT' ? 'file not found' : `cannot read (${(err as Error).message})`);
  }
  const isPng = buf.length >= 8 && buf.subarray(0, 8).equals(PNG_SIGNATURE);
  try {
    if (isPng) {
      const png = PNG.sync.read(buf);
      return { width: png.width, height: png.height, data: png.data };
    }
    if (buf.length >= 2 && buf[0] === 0xff && buf[1] === 0xd8) {
      // tolerantDecoding off: a damaged file is an error, not an image with grey blocks.
      const img = jpeg.decode(buf, { useTArray: true, formatAsRGBA: true, tolerantDecoding: false, maxResolutionInMP: MAX_PIXELS / 1e6 });
      return { width: img.width, height: img.height, data: img.data };
    }
  } catch (err) {
    throw bad(file, `cannot decode the ${isPng ? 'PNG' : 'JPEG'} (${err instanceof Error ? err.message : String(err)})`);
  }
  throw bad(file, 'not a PNG or JPEG file');
}

/** RGBA bytes as `channels` floats per pixel in [0, 1]: grey by luma (ITU-R BT.601 weights, as PIL's
 *  "L"), RGB as is. Alpha is dropped, not composited: a transparent pixel keeps its colour. */
export function rgbaToChannels(img: RgbaImage, channels: 1 | 3): Float32Array {
  const pixels = img.width * img.height;
  const out = new Float32Array(pixels * channels);
  const d = img.data;
  const s = 1 / 255;
  if (channels === 1) for (let p = 0; p < pixels; p++) out[p] = (0.299 * d[4 * p] + 0.587 * d[4 * p + 1] + 0.114 * d[4 * p + 2]) * s;
  else {
    for (let p = 0; p < pixels; p++) {
      out[3 * p] = d[4 * p] * s;
      out[3 * p + 1] = d[4 * p + 1] * s;
      out[3 * p + 2] = d[4 * p + 2] * s;
    }
  }
  return out;
}
