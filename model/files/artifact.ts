// A user's model as read from a file, in one form whatever the file was: the Keras 2 topology that
// TF.js writes into a model.json (Sequential or functional), and the weights by TF.js variable name
// (`<layer name>/<weight>`, e.g. conv1/kernel, bn1/moving_mean). The readers (tfjs-artifact.ts,
// keras3.ts) turn their format into this; model/graph reads only this.

/** One layer of a topology: Keras' class name and its config (snake_case keys, as Keras writes them). */
export interface TopologyLayer {
  class_name: string;
  /** The layer's name is config.name; functional topologies repeat it beside class_name. */
  config: Record<string, unknown> & { name: string };
  name?: string;
  /** Functional graphs only: for each call of the layer (node), its inputs as [layer, node, tensor, kwargs]. */
  inbound_nodes?: InboundRef[][];
}

/** One input of a layer call: the producing layer's name, its node (call) index and output index. */
export type InboundRef = [layer: string, nodeIndex: number, tensorIndex: number, kwargs?: Record<string, unknown>];

/** A model's topology in Keras 2 form. Sequential models list their layers in order, the first one
 *  carrying `batch_input_shape` (or an InputLayer first); functional ones name their inputs and outputs. */
export interface Topology {
  class_name: 'Sequential' | 'Functional' | 'Model';
  config: { name?: string; layers: TopologyLayer[]; input_layers?: [string, number, number][]; output_layers?: [string, number, number][] };
}

/** One weight, by TF.js variable name; values row-major in Keras' layout (a Dense kernel is [in, out],
 *  a Conv2D kernel [kh, kw, cin, cout]). */
export interface NamedWeight {
  name: string;
  shape: number[];
  values: Float32Array;
}

/** A model read from a file. */
export interface ModelArtifact {
  /** The file it came from, resolved: model.json or the .keras file. */
  file: string;
  format: 'tfjs' | 'keras3';
  topology: Topology;
  weights: NamedWeight[];
}

/** A model file that cannot be read: missing, malformed, or with weights that do not match its manifest.
 *  The message names the file (and the weight or shard where one is at fault). */
export class ModelFileError extends Error {
  constructor(
    message: string,
    readonly file: string,
  ) {
    super(message);
    this.name = 'ModelFileError';
  }
}
