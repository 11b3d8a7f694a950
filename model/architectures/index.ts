// The registry of backbone architectures, by the name a config's `model.arch` (and a spec's `arch`)
// gives them.
import type { Architecture, ArchitectureConfig, ArchitectureName } from './architecture.js';
import { lenet5 } from './lenet5.js';
import { mlp } from './mlp.js';

// The mapped type makes the compiler insist on a record for every arch the config schema allows,
// filed under its own name.
const ARCHITECTURES = { mlp, lenet5 } satisfies { [N in ArchitectureName]: Architecture<ArchitectureConfig<N>> };

/** Every architecture's name, in registry order. */
export const ARCHITECTURE_NAMES = Object.keys(ARCHITECTURES) as ArchitectureName[];

export function architecture(name: string): Architecture {
  if (!Object.hasOwn(ARCHITECTURES, name)) {
    throw new Error(`unknown model architecture ${JSON.stringify(name)}; the known ones are ${ARCHITECTURE_NAMES.join(', ')}`);
  }
  return ARCHITECTURES[name as ArchitectureName];
}
