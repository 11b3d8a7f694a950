// The options of bench:step (bench/step.ts) and their command line.
import { benchCommand, integerAtLeast, namesOf, parseOver } from './args.js';

/** mlp and lenet5 are the built-in networks (layer lists run by model/forward.ts); resnet is a small
 *  ResNet-style layer list (bench/step.ts, RESNET_LAYERS). */
export type Arch = 'mlp' | 'lenet5' | 'resnet';
export type BackendName = 'wasm' | 'cpu' | 'tensorflow';

export const ARCHS: readonly Arch[] = ['mlp', 'lenet5', 'resnet'];
const BACKENDS: readonly BackendName[] = ['wasm', 'cpu', 'tensorflow'];

export interface BenchOptions {
  json: boolean;
  profile: boolean;
  steps: number;
  warmup: number;
  cpuSteps: number;
  models: Arch[];
  /** The models the cpu backend runs, of `models`: tfjs' cpu kernels take minutes for a resnet step. */
  cpuModels: Arch[];
  batches: number[];
  backends: BackendName[];
}

export const DEFAULT_OPTIONS: BenchOptions = {
  json: false,
  profile: false,
  steps: 25,
  warmup: 5,
  cpuSteps: 3,
  models: [...ARCHS],
  cpuModels: ['mlp', 'lenet5'],
  batches: [64, 128],
  backends: [...BACKENDS],
};

/** The command line (after the script name) as options; unknown flags are errors. */
export function parseArgs(argv: readonly string[]): BenchOptions {
  const d = DEFAULT_OPTIONS;
  const batch = integerAtLeast(1);
  const program = benchCommand('bench:step', 'Times the training step TaskTrainer.round per model, batch size and backend.')
    .option('--json', 'one JSON object {"rows": [...], "forward_backward": [...]} on stdout instead of the tables')
    .option('--profile', 'also CPU time per kernel of the lenet5 step at the largest batch')
    .option('--steps <n>', `timed steps (default: ${d.steps})`, integerAtLeast(1))
    .option('--warmup <n>', `untimed steps first (default: ${d.warmup})`, integerAtLeast(0))
    .option('--cpu-steps <n>', `timed steps on the cpu backend, whose lenet5 step takes seconds (default: ${d.cpuSteps})`, integerAtLeast(1))
    .option('--models <list>', `of ${ARCHS.join(',')} (default: ${d.models.join(',')})`, namesOf(ARCHS))
    .option('--cpu-models <list>', `those of --models the cpu backend runs, whose resnet step takes minutes (default: ${d.cpuModels.join(',')})`, namesOf(ARCHS))
    .option('--batches <list>', `batch sizes (default: ${d.batches.join(',')})`, (value: string) => value.split(',').map(batch))
    .option('--backends <list>', `of ${BACKENDS.join(',')}, each where available (default: ${d.backends.join(',')})`, namesOf(BACKENDS));
  return parseOver(program, argv, d);
}
