// A tf.io save handler that writes a LayersModel into a folder as model.json + weights.bin, as
// tfjs-node's file:// handler does (not installable here: only the wasm backend is). What `model.from`
// reads back (tfjs-artifact.ts).
import type * as tfjs from '@tensorflow/tfjs-core';
import { writeFilesAtomically } from '../../lib/atomic-write.js';

export function fileSaveHandler(dir: string): tfjs.io.IOHandler {
  return {
    save(artifacts) {
      const data = artifacts.weightData ?? new ArrayBuffer(0);
      const bytes = Array.isArray(data) ? Buffer.concat(data.map((b) => new Uint8Array(b))) : new Uint8Array(data);
      const json = {
        modelTopology: artifacts.modelTopology,
        format: 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
      };
      // weights.bin first: model.json, which names it, is renamed into place last.
      writeFilesAtomically(dir, [
        { name: 'weights.bin', data: bytes },
        { name: 'model.json', data: new TextEncoder().encode(JSON.stringify(json)) },
      ]);
      return Promise.resolve({ modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: bytes.byteLength } });
    },
  };
}
