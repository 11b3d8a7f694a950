// The models bench:step times, as run configs: the built-in mlp and lenet5, and a small ResNet-style
// layer list.
import { runConfigSchema, type RunConfig } from '../config/schema.js';
import { loadTaskData } from '../data/tasks.js';
import { buildModelSpec, initTensors } from '../model/spec.js';
import { TaskTrainer } from '../worker/trainer.js';
import type { Arch } from './step-args.js';

/** A small ResNet-style network for 28 x 28 x 1 images: a 3 x 3 stem, one residual block of two 3 x 3
 *  convolutions (BatchNormalization after each, the block's input added back before the last ReLU), a
 *  stride-2 3 x 3 convolution to 32 channels, global average pooling and the Dense softmax head. */
export const RESNET_LAYERS: Record<string, unknown>[] = [
  ...convBn('stem', 16, 1),
  { type: 'Activation', name: 'stem_relu', activation: 'relu' },
  ...convBn('block_conv1', 16, 1),
  { type: 'Activation', name: 'block_relu1', activation: 'relu' },
  ...convBn('block_conv2', 16, 1),
  { type: 'Add', name: 'block_add', inputs: ['block_conv2_bn', 'stem_relu'] },
  { type: 'Activation', name: 'block_relu2', activation: 'relu' },
  ...convBn('down', 32, 2),
  { type: 'Activation', name: 'down_relu', activation: 'relu' },
  { type: 'GlobalAveragePooling2D', name: 'pool' },
  { type: 'Dense', name: 'head', units: 10, activation: 'softmax' },
];

/** A 3 x 3 'same' convolution without bias, then BatchNormalization (`<name>_bn`). */
function convBn(name: string, filters: number, strides: number): Record<string, unknown>[] {
  return [
    { type: 'Conv2D', name, filters, kernel_size: 3, strides, padding: 'same', use_bias: false, kernel_initializer: 'he_normal' },
    { type: 'BatchNormalization', name: `${name}_bn` },
  ];
}

function modelOf(arch: Arch): Record<string, unknown> {
  if (arch === 'mlp') return { arch: 'mlp', hidden: [256, 256] };
  if (arch === 'lenet5') return { arch: 'lenet5' };
  return { name: 'resnet', layers: RESNET_LAYERS };
}

/** The run config of one benchmark: one mnist task, hybrid (sparsity on), Adam, the model at this batch.
 *  `steps` is large so that every timed round falls in the dense warm-up: the S_t update is dense there,
 *  the costliest phase of a step. `task` names the task (trainers alive together need distinct names). */
export function benchConfig(arch: Arch, batch: number, task = 'digits'): RunConfig {
  return runConfigSchema.parse({
    seed: 0,
    model: modelOf(arch),
    tasks: [{ name: task, dataset: { source: 'mnist', train: 4096, test: 64 } }],
    train: { steps: 1_000_000, batch_size: batch, optimizer: { type: 'adam', lr: 1e-3 }, lr_schedule: 'constant', baseline: false },
  });
}

/** A hybrid TaskTrainer for task 0 of `config`, holding W initialised as the coordinator does. */
export async function makeTrainer(config: RunConfig): Promise<TaskTrainer> {
  const data = await loadTaskData(config.tasks[0], config.seed);
  const spec = buildModelSpec(config.model, data.inputShape);
  const trainer = new TaskTrainer({ spec, data, weight: config.tasks[0].weight, train: config.train, sparsity: config.sparsity, seed: config.seed });
  trainer.setShared(initTensors(spec.shared, config.seed, 'shared'));
  return trainer;
}
