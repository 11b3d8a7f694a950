// initBackend's choice logic with stand-in packages: a fake importModule that fails like a missing
// package, or returns a module that registers a 'tensorflow' backend (tfjs' cpu backend wearing
// tfjs-node's isUsingGpuDevice flag), and a fake library lookup for the CUDA check.
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CUDA_LIBRARIES, initBackend, missingCudaLibraries, systemLibraryLookup, type LibraryLookup } from '../../model/backend.js';

type Loader = () => Promise<unknown>;

function notInstalled(specifier: string): Error {
  return Object.assign(new Error(`Cannot find package '${specifier}' imported from /work/main/model/backend.ts`), { code: 'ERR_MODULE_NOT_FOUND' });
}

/** importModule over `packages`; any other specifier fails as an absent package does. */
function importer(packages: Record<string, Loader>): (specifier: string) => Promise<unknown> {
  return async (specifier) => {
    const load = packages[specifier];
    if (load === undefined) throw notInstalled(specifier);
    return load();
  };
}

/** A stand-in for tfjs-node(-gpu): registers 'tensorflow' once (as a cached module would) with the given GPU flag. */
function fakeTensorflowPackage(usesGpu: boolean): Loader {
  return async () => {
    if (tf.findBackendFactory('tensorflow') === null) {
      tf.registerBackend('tensorflow', () => Object.assign(new MathBackendCPU(), { isUsingGpuDevice: usesGpu }));
    }
    return { version: 'stand-in' };
  };
}

/** A lookup where the linker cache holds `cached` and LD_LIBRARY_PATH dirs hold `inDirs` (dir -> names). */
function lookup(cached: string[], inDirs: Record<string, string[]> = {}): LibraryLookup {
  return {
    ldconfigOutput: () => `${cached.length} libs found in cache \`/etc/ld.so.cache'\n` + cached.map((name) => `\t${name} (libc6,x86-64) => /usr/local/cuda/lib64/${name}`).join('\n'),
    ldLibraryPath: () => Object.keys(inDirs).join(':'),
    fileExists: (path) => Object.entries(inDirs).some(([dir, names]) => names.some((name) => path === `${dir}/${name}`)),
  };
}

const ALL_CUDA = lookup([...CUDA_LIBRARIES]);
const NO_CUDA = lookup([]);

function collect(): { lines: string[]; log: (line: string) => void } {
  const lines: string[] = [];
  return { lines, log: (line) => lines.push(line) };
}

beforeAll(() => {
  tf.env().set('PROD', true);
});

afterEach(async () => {
  await tf.setBackend('cpu');
  if (tf.findBackendFactory('tensorflow') !== null) tf.removeBackend('tensorflow');
  if (tf.findBackendFactory('stand-in-wasm') !== null) tf.removeBackend('stand-in-wasm');
});

describe('initBackend auto', () => {
  it('takes tfjs-node-gpu when TensorFlow reports a GPU device', async () => {
    const { lines, log } = collect();
    const choice = await initBackend('auto', { log, importModule: importer({ '@tensorflow/tfjs-node-gpu': fakeTensorflowPackage(true) }), libraryLookup: NO_CUDA });
    expect(choice).toEqual({ name: 'tensorflow-gpu', device: 'GPU (TensorFlow, CUDA)' });
    expect(tf.getBackend()).toBe('tensorflow');
    expect(lines.at(-1)).toBe('backend: tensorflow-gpu (auto) computes on GPU (TensorFlow, CUDA)');
  });

  it('does not claim a GPU when tfjs-node-gpu loaded without one, and names the missing CUDA libraries', async () => {
    const { lines, log } = collect();
    const choice = await initBackend('auto', {
      log,
      importModule: importer({ '@tensorflow/tfjs-node-gpu': fakeTensorflowPackage(false) }),
      libraryLookup: lookup(['libcudart.so.11.0', 'libcublas.so.11']),
    });
    expect(choice.name).toBe('tensorflow');
    expect(choice.device).toMatch(/^CPU \(TensorFlow native/);
    const skipped = lines.find((line) => line.startsWith('backend: tensorflow-gpu skipped:'));
    expect(skipped).toContain('no GPU device');
    expect(skipped).toContain('libcudnn.so.8');
    expect(skipped).toContain('libcublasLt.so.11');
    expect(skipped).not.toContain('libcudart.so.11.0');
  });

  it('takes tfjs-node when tfjs-node-gpu is not installed, saying why it skipped the GPU package', async () => {
    const { lines, log } = collect();
    const choice = await initBackend('auto', { log, importModule: importer({ '@tensorflow/tfjs-node': fakeTensorflowPackage(false) }) });
    expect(choice).toEqual({ name: 'tensorflow', device: 'CPU (TensorFlow native)' });
    expect(lines).toContain('backend: tensorflow-gpu skipped: @tensorflow/tfjs-node-gpu is not installed');
  });

  it('takes wasm when neither native package is installed', async () => {
    const { lines, log } = collect();
    const choice = await initBackend('auto', { log, importModule: importer({ '@tensorflow/tfjs-backend-wasm': () => import('@tensorflow/tfjs-backend-wasm') }) });
    expect(choice.name).toBe('wasm');
    expect(choice.device).toMatch(/^CPU \(wasm, (SIMD|no SIMD), \d+ threads?\)$/);
    expect(tf.getBackend()).toBe('wasm');
    expect(lines).toContain('backend: tensorflow-gpu skipped: @tensorflow/tfjs-node-gpu is not installed');
    expect(lines).toContain('backend: tensorflow skipped: @tensorflow/tfjs-node is not installed');
    expect(lines.at(-1)).toBe(`backend: wasm (auto) computes on ${choice.device}`);
  });

  it('falls back to cpu when nothing else loads, saying why for each', async () => {
    const { lines, log } = collect();
    const choice = await initBackend('auto', { log, importModule: importer({}) });
    expect(choice).toEqual({ name: 'cpu', device: 'CPU (JavaScript)' });
    expect(tf.getBackend()).toBe('cpu');
    expect(lines).toEqual([
      'backend: tensorflow-gpu skipped: @tensorflow/tfjs-node-gpu is not installed',
      'backend: tensorflow skipped: @tensorflow/tfjs-node is not installed',
      'backend: wasm skipped: @tensorflow/tfjs-backend-wasm is not installed',
      'backend: cpu (auto) computes on CPU (JavaScript)',
    ]);
  });

  it('reports a package that is installed but broken differently from a missing one', async () => {
    const { lines, log } = collect();
    await initBackend('auto', {
      log,
      importModule: importer({
        '@tensorflow/tfjs-node-gpu': async () => {
          throw new Error('libtensorflow.so.2: cannot open shared object file: No such file or directory');
        },
      }),
    });
    expect(lines[0]).toBe('backend: tensorflow-gpu skipped: @tensorflow/tfjs-node-gpu failed to load: libtensorflow.so.2: cannot open shared object file: No such file or directory');
  });
});

describe('initBackend with an explicit request', () => {
  it('tensorflow-gpu without a GPU device fails, naming the missing libraries', async () => {
    const request = initBackend('tensorflow-gpu', {
      log: () => {},
      importModule: importer({ '@tensorflow/tfjs-node-gpu': fakeTensorflowPackage(false) }),
      libraryLookup: lookup(['libcudart.so.11.0'], { '/opt/cudnn/lib': ['libcudnn.so.8'] }),
    });
    await expect(request).rejects.toThrow(
      /backend 'tensorflow-gpu' is unavailable: .*no GPU device: missing libcublas\.so\.11, libcublasLt\.so\.11, libcufft\.so\.10, libcurand\.so\.10, libcusolver\.so\.11, libcusparse\.so\.11 /,
    );
  });

  it('tensorflow-gpu without a GPU device but with every library found points at the driver instead', async () => {
    const request = initBackend('tensorflow-gpu', { log: () => {}, importModule: importer({ '@tensorflow/tfjs-node-gpu': fakeTensorflowPackage(false) }), libraryLookup: ALL_CUDA });
    await expect(request).rejects.toThrow(/no GPU device although the CUDA 11\.2 \/ cuDNN 8\.1 libraries are on the linker path/);
  });

  it('tensorflow-gpu that is not installed fails saying so', async () => {
    await expect(initBackend('tensorflow-gpu', { log: () => {}, importModule: importer({}) })).rejects.toThrow(
      "backend 'tensorflow-gpu' is unavailable: @tensorflow/tfjs-node-gpu is not installed",
    );
  });

  it('tensorflow takes tfjs-node', async () => {
    const choice = await initBackend('tensorflow', { log: () => {}, importModule: importer({ '@tensorflow/tfjs-node': fakeTensorflowPackage(false) }) });
    expect(choice).toEqual({ name: 'tensorflow', device: 'CPU (TensorFlow native)' });
  });

  it('tensorflow that is not installed fails, naming both packages tried', async () => {
    await expect(initBackend('tensorflow', { log: () => {}, importModule: importer({}) })).rejects.toThrow(
      "backend 'tensorflow' is unavailable: @tensorflow/tfjs-node is not installed; @tensorflow/tfjs-node-gpu is not installed",
    );
  });

  it('wasm that is not installed fails saying so', async () => {
    await expect(initBackend('wasm', { log: () => {}, importModule: importer({}) })).rejects.toThrow("backend 'wasm' is unavailable: @tensorflow/tfjs-backend-wasm is not installed");
  });

  it('a package that registers no backend is reported as such', async () => {
    await expect(initBackend('tensorflow', { log: () => {}, importModule: importer({ '@tensorflow/tfjs-node': async () => ({}) }) })).rejects.toThrow(
      "@tensorflow/tfjs-node loaded but registered no 'tensorflow' backend",
    );
  });

  it('an unknown request is refused, listing the valid ones', async () => {
    await expect(initBackend('gpu' as never)).rejects.toThrow("unknown backend 'gpu': expected one of auto, tensorflow-gpu, tensorflow, wasm, cpu");
  });
});

describe('missingCudaLibraries', () => {
  it('finds libraries in the linker cache and in LD_LIBRARY_PATH directories', () => {
    const missing = missingCudaLibraries(
      lookup(['libcudart.so.11.0', 'libcublas.so.11', 'libcublasLt.so.11'], { '/opt/cuda/lib64': ['libcufft.so.10', 'libcurand.so.10'], '/opt/cudnn/lib': ['libcudnn.so.8'] }),
    );
    expect(missing).toEqual(['libcusolver.so.11', 'libcusparse.so.11']);
  });

  it('does not take a library of another major version for the one needed', () => {
    expect(missingCudaLibraries(lookup(['libcudart.so.12', 'libcudnn.so.9']))).toEqual([...CUDA_LIBRARIES]);
  });

  it('reports every library where nothing is found', () => {
    expect(missingCudaLibraries(NO_CUDA)).toEqual([...CUDA_LIBRARIES]);
    expect(missingCudaLibraries(ALL_CUDA)).toEqual([]);
  });

  it('runs against this machine’s linker without failing', () => {
    const missing = missingCudaLibraries(systemLibraryLookup);
    expect(missing.every((lib) => (CUDA_LIBRARIES as readonly string[]).includes(lib))).toBe(true);
  });
});
