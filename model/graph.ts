// A model as a graph of Keras layers: from a model file's topology (Sequential or functional, in the
// Keras 2 form of files/artifact.ts) or from a run config's layer list, checked layer by layer
// (class, arguments, shapes) before anything trains, and split into the backbone (whose parameters are
// W + S_t) and the head (each task's own Dense layers, the last one sized to the task's classes).
import type { InboundRef, Topology } from './files/artifact.js';
import { declaredInputShape } from './layers/core.js';
import { type GraphLayer, LayerError, layerKind, type WeightDecl } from './layers/index.js';

/** A model that cannot be built: the message names the layer (name and class) at fault. */
export class ModelGraphError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelGraphError';
  }
}

function where(layer: { name: string; className: string }): string {
  return `layer "${layer.name}" (${layer.className})`;
}

// ---------------------------------------------------------------------------------------------------
// Layers from a topology or a layer list

/** The graph's layers from a file's topology, inputs first. */
export function layersFromTopology(topology: Topology): GraphLayer[] {
  const raw = topology.config.layers;
  if (!Array.isArray(raw) || raw.length === 0) throw new ModelGraphError('the topology lists no layers');
  if (topology.class_name === 'Sequential') {
    return sequential(raw.map((l) => ({ name: String(l.config.name), className: l.class_name, config: l.config, inputs: [] })));
  }
  const layers = raw.map((l): GraphLayer => {
    const name = String(l.config.name ?? l.name);
    const nodes = l.inbound_nodes ?? [];
    const me = { name, className: l.class_name };
    if (nodes.length > 1) throw new ModelGraphError(`${where(me)} is called ${nodes.length} times; a layer shared between calls is not supported`);
    const inputs = (nodes[0] ?? []).map((ref: InboundRef) => {
      if (ref[1] !== 0 || ref[2] !== 0) throw new ModelGraphError(`${where(me)} takes output ${ref[2]} of call ${ref[1]} of "${ref[0]}"; only single-call, single-output layers are supported`);
      return ref[0];
    });
    return { name, className: l.class_name, config: l.config, inputs };
  });
  const inputs = topology.config.input_layers ?? [];
  const outputs = topology.config.output_layers ?? [];
  if (inputs.length > 1) throw new ModelGraphError(`the model has ${inputs.length} inputs; hybrid takes models with one input`);
  if (outputs.length > 1) throw new ModelGraphError(`the model has ${outputs.length} outputs; hybrid takes models with one output (the head)`);
  return ordered(layers, outputs[0]?.[0]);
}

/** A run config's layer list: `{ "type": "Dense", "units": 10, "name"?: ..., "inputs"?: [...] }` per layer,
 *  each taking the previous layer's output unless it names its inputs. */
export function layersFromList(list: readonly Record<string, unknown>[]): GraphLayer[] {
  const counts = new Map<string, number>();
  const named = list.map((entry, i): GraphLayer => {
    const { type, name, inputs, ...args } = entry;
    if (typeof type !== 'string') throw new ModelGraphError(`model.layers[${i}]: "type" must name a Keras layer class, e.g. "Dense"`);
    // Keras' automatic names: the class in snake case (keras.src.utils.naming.to_snake_case), numbered
    // from the second on.
    const base = type
      .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
      .replace(/([a-z])([A-Z])/g, '$1_$2')
      .toLowerCase();
    const n = counts.get(base) ?? 0;
    counts.set(base, n + 1);
    const layerName = typeof name === 'string' ? name : n === 0 ? base : `${base}_${n}`;
    if (inputs !== undefined && !(Array.isArray(inputs) && inputs.every((x) => typeof x === 'string'))) {
      throw new ModelGraphError(`model.layers[${i}] (${layerName}): "inputs" must be a list of layer names`);
    }
    return { name: layerName, className: type, config: { ...args, name: layerName }, inputs: (inputs as string[] | undefined) ?? [] };
  });
  if (named.some((l) => l.inputs.length > 0)) return ordered(chainUnnamed(named), undefined);
  return sequential(named);
}

/** A chain: each layer takes the one before; an input layer is added in front when there is none. */
function sequential(layers: GraphLayer[]): GraphLayer[] {
  const out = layers[0].className === 'InputLayer' ? [layers[0]] : [{ name: 'input', className: 'InputLayer', config: { name: 'input', ...inputShapeOf(layers[0]) }, inputs: [] }];
  const rest = layers[0].className === 'InputLayer' ? layers.slice(1) : layers;
  for (const l of rest) out.push({ ...l, inputs: [out[out.length - 1].name] });
  return out;
}

function inputShapeOf(first: GraphLayer): Record<string, unknown> {
  try {
    const shape = declaredInputShape(first.config);
    return shape ? { batch_input_shape: [null, ...shape] } : {};
  } catch (err) {
    throw new ModelGraphError(`${where(first)}: ${(err as Error).message}`);
  }
}

/** Layer lists with some named inputs: the unnamed ones still take the previous entry. */
function chainUnnamed(layers: GraphLayer[]): GraphLayer[] {
  const hasInput = layers.some((l) => l.className === 'InputLayer');
  const out: GraphLayer[] = hasInput ? [] : [{ name: 'input', className: 'InputLayer', config: { name: 'input' }, inputs: [] }];
  for (const l of layers) {
    const previous = out[out.length - 1];
    out.push(l.inputs.length > 0 || l.className === 'InputLayer' || !previous ? l : { ...l, inputs: [previous.name] });
  }
  return out;
}

/** Layers in an order where each comes after its inputs, checking names, references and cycles. */
function ordered(layers: GraphLayer[], output: string | undefined): GraphLayer[] {
  const byName = new Map<string, GraphLayer>();
  for (const l of layers) {
    if (byName.has(l.name)) throw new ModelGraphError(`two layers are named "${l.name}"`);
    byName.set(l.name, l);
  }
  for (const l of layers) {
    for (const i of l.inputs) if (!byName.has(i)) throw new ModelGraphError(`${where(l)} takes the output of "${i}", which is not a layer of the model`);
  }
  const done = new Set<string>();
  const visiting = new Set<string>();
  const out: GraphLayer[] = [];
  const visit = (l: GraphLayer) => {
    if (done.has(l.name)) return;
    if (visiting.has(l.name)) throw new ModelGraphError(`${where(l)} is part of a cycle`);
    visiting.add(l.name);
    for (const i of l.inputs) visit(byName.get(i)!);
    visiting.delete(l.name);
    done.add(l.name);
    out.push(l);
  };
  for (const l of layers) visit(l);
  const last = output ?? out[out.length - 1].name;
  if (!byName.has(last)) throw new ModelGraphError(`the model's output "${last}" is not one of its layers`);
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Building: shapes, weights, the head

/** One layer with its output shape and weights, as built. */
export interface BuiltNode {
  layer: GraphLayer;
  outputShape: number[];
  weights: WeightDecl[];
}

/** Every layer checked and its shapes inferred from one example's shape; errors name the layer. */
export function buildNodes(layers: readonly GraphLayer[], inputShape: readonly number[]): BuiltNode[] {
  const shapes = new Map<string, number[]>();
  const inputs = layers.filter((l) => l.className === 'InputLayer');
  if (inputs.length !== 1) throw new ModelGraphError(`the model must have one input layer, it has ${inputs.length}`);
  return layers.map((layer) => {
    try {
      const kind = layerKind(layer.className);
      if (layer.className === 'InputLayer') {
        const declared = declaredInputShape(layer.config);
        if (declared && declared.join() !== inputShape.join()) {
          throw new LayerError(`takes examples of shape [${declared.join(', ')}], the task's data has [${inputShape.join(', ')}]`);
        }
        shapes.set(layer.name, [...inputShape]);
        return { layer, outputShape: [...inputShape], weights: [] };
      }
      if (layer.inputs.length === 0) throw new LayerError('takes no input');
      const built = kind.build(
        layer,
        layer.inputs.map((i) => shapes.get(i)!),
      );
      shapes.set(layer.name, built.outputShape);
      return { layer, ...built };
    } catch (err) {
      if (err instanceof LayerError) throw new ModelGraphError(`${where(layer)}: ${err.message}`);
      throw err;
    }
  });
}

/** The head: the named layers, or the model's last Dense layer (past a final softmax Activation). Each
 *  head layer is a Dense layer taking the one before, and nothing but the head takes their outputs. */
export function headLayers(nodes: readonly BuiltNode[], named: readonly string[] | undefined): string[] {
  const layers = nodes.map((n) => n.layer);
  const byName = new Map(layers.map((l) => [l.name, l]));
  const output = layers[layers.length - 1];
  let head: string[];
  if (named && named.length > 0) {
    for (const n of named) if (!byName.has(n)) throw new ModelGraphError(`model.head names "${n}", which is not a layer of the model`);
    head = [...named];
  } else {
    const last = output.className === 'Activation' || output.className === 'Softmax' ? byName.get(output.inputs[0]) : output;
    if (!last || last.className !== 'Dense') {
      throw new ModelGraphError(`${where(output)} is the model's output and is not a Dense layer; name the head's layer(s) with model.head`);
    }
    head = [last.name];
  }
  head.forEach((name, i) => {
    const l = byName.get(name)!;
    if (l.className !== 'Dense') throw new ModelGraphError(`${where(l)} cannot be a head layer: each task's head is made of Dense layers`);
    if (i > 0 && l.inputs[0] !== head[i - 1]) throw new ModelGraphError(`${where(l)} does not take the output of the head layer before it, "${head[i - 1]}"`);
    const users = layers.filter((u) => u.inputs.includes(name)).map((u) => u.name);
    const allowed = i + 1 < head.length ? [head[i + 1]] : output.name === name ? [] : [output.name];
    if (users.some((u) => !allowed.includes(u))) throw new ModelGraphError(`${where(l)} is in the head, but "${users.join('", "')}" of the backbone takes its output`);
  });
  const lastHead = byName.get(head[head.length - 1])!;
  // Heads train with softmax cross-entropy on the last layer's pre-activation outputs.
  const act = lastHead.config.activation ?? 'linear';
  if (act !== 'softmax' && act !== 'linear') {
    throw new ModelGraphError(`${where(lastHead)} is the head's last layer with activation ${JSON.stringify(act)}; hybrid trains heads with softmax cross-entropy: use softmax or linear`);
  }
  if (lastHead.name !== output.name && !(output.inputs[0] === lastHead.name && (output.className === 'Activation' || output.className === 'Softmax'))) {
    throw new ModelGraphError(`the head's last layer "${lastHead.name}" must be the model's output (or feed only a final Activation)`);
  }
  return head;
}
