// The run config's model section: a built-in network, a Keras-like layer list, or model files (checked
// in full by the model graph, which knows each layer class; model/graph.ts).
import { z } from 'zod';
import { arrayCount } from './bounds.js';

/** The head's layer name(s), when not the model's last Dense layer. */
const headNames = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

/** One layer of a layer list, Keras-like: its class, name and inputs, and its Keras arguments beside them
 *  (checked by the model graph, which knows each class). */
const layerEntrySchema = z.looseObject({ type: z.string().min(1), name: z.string().min(1).optional(), inputs: z.array(z.string().min(1)).min(1).optional() });

/** How `from` with one file per task starts W: the element-wise mean or median of the tasks' weights, or
 *  one task's model (by index) as the anchor. */
export const mergeSchema = z.union([z.enum(['mean', 'median']), z.strictObject({ anchor: z.number().int().min(0) })]);

/** The built-in networks, by name. */
const builtinModelSchema = z.discriminatedUnion('arch', [
  z.strictObject({ arch: z.literal('mlp'), hidden: z.array(arrayCount("a layer's bias has one entry per unit (and its kernel inputs x units)")).min(1).default([256, 256]) }),
  z.strictObject({ arch: z.literal('lenet5') }),
]);

/** A built-in network, a layer list, or model files (one for all tasks, or one per task). */
export const modelSchema = z.union([
  builtinModelSchema,
  z.strictObject({ name: z.string().min(1).optional(), layers: z.array(layerEntrySchema).min(1), head: headNames.optional() }),
  z.strictObject({ from: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]), head: headNames.optional(), merge: mergeSchema.default('mean') }),
]);
