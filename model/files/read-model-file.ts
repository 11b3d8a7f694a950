// Reads a user's model file, whatever its format, into the neutral form of artifact.ts: a TF.js
// LayersModel (model.json and its weight shards) or a Keras 3 `.keras` archive. The extension decides;
// a file with another extension is recognised by its first bytes (a zip is a .keras file, a JSON object a
// model.json), so a renamed download still reads. Formats that are recognisably something else get a
// message saying how to convert them, since that is what the user needs next.
import { open, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { ModelFileError, type ModelArtifact } from './artifact.js';
import { readKeras3Model } from './keras3.js';
import { readTfjsModel } from './tfjs-artifact.js';

export type ModelFileFormat = ModelArtifact['format'];

const CONVERT_KERAS2 =
  'Keras 2 HDF5 model files are not read: load it in Keras 3 and save it as .keras (model.save("model.keras")), or convert it with tensorflowjs_converter --input_format keras to a model.json';
const CONVERT_SAVED_MODEL = 'TensorFlow SavedModels are not read: save the model from Keras 3 as .keras, or convert it with tensorflowjs_converter --output_format tfjs_layers_model';

/** Reads a model file: `.json` (TF.js model.json), `.keras` (Keras 3), or a directory holding model.json. */
export async function readModelFile(file: string): Promise<ModelArtifact> {
  const path = resolve(file);
  const format = await modelFileFormat(path);
  if (format === 'keras3') return readKeras3Model(path);
  return readTfjsModel((await isDirectory(path)) ? join(path, 'model.json') : path);
}

/** The format of a model file, by extension or, failing that, by content; throws ModelFileError for a
 *  missing file or one of neither format. */
export async function modelFileFormat(file: string): Promise<ModelFileFormat> {
  const path = resolve(file);
  if (await isDirectory(path)) {
    if (await exists(join(path, 'model.json'))) return 'tfjs';
    if (await exists(join(path, 'saved_model.pb'))) throw new ModelFileError(`${path}: ${CONVERT_SAVED_MODEL}`, path);
    throw new ModelFileError(`${path} is a directory without a model.json; give a model.json or a .keras file`, path);
  }
  const ext = extname(path).toLowerCase();
  if (ext === '.json') return 'tfjs';
  if (ext === '.keras') return 'keras3';
  if (ext === '.h5' || ext === '.hdf5') throw new ModelFileError(`${path}: ${CONVERT_KERAS2}`, path);
  if (ext === '.pb') throw new ModelFileError(`${path}: ${CONVERT_SAVED_MODEL}`, path);
  const head = await firstBytes(path, 64);
  if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) return 'keras3';
  if (Buffer.from(head).toString('latin1').trimStart().startsWith('{')) return 'tfjs';
  if (Buffer.from(head.subarray(0, 8)).toString('latin1') === '\x89HDF\r\n\x1a\n') throw new ModelFileError(`${path}: ${CONVERT_KERAS2}`, path);
  throw new ModelFileError(`${path} is neither a TF.js model.json nor a Keras 3 .keras file (by its extension "${ext}" or its content)`, path);
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new ModelFileError(`${path} is missing`, path);
    throw new ModelFileError(`${path} cannot be read (${(err as Error).message})`, path);
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function firstBytes(path: string, n: number): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const buf = new Uint8Array(n);
    const { bytesRead } = await handle.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
