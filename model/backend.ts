// Chooses the tfjs backend that computes the training step, and says what actually computes.
//
// The native TensorFlow packages (@tensorflow/tfjs-node-gpu, @tensorflow/tfjs-node) are not
// dependencies: they cannot install everywhere, so they are loaded with import() when present and
// their absence is normal. tfjs-node-gpu 4.22 needs CUDA 11.2 and cuDNN 8.1; without them it loads
// anyway and silently runs on the CPU, so a GPU is only claimed when TensorFlow itself reports a GPU
// device (tfjs-node's binding enumerates TensorFlow's devices: isUsingGpuDevice).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { registerWasmTrainingKernels, WASM_TRAINING_KERNELS } from './kernels/index.js';

export type BackendRequest = 'auto' | 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

export interface BackendChoice {
  name: 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';
  /** What computes, e.g. "GPU (TensorFlow, CUDA)", "CPU (wasm, SIMD, 1 thread)". */
  device: string;
}

/** Where the dynamic linker finds shared libraries; injectable for tests. */
export interface LibraryLookup {
  /** Output of `ldconfig -p` ('' where it cannot run). */
  ldconfigOutput(): string;
  /** LD_LIBRARY_PATH, if set. */
  ldLibraryPath(): string | undefined;
  fileExists(path: string): boolean;
}

export interface BackendOptions {
  /** One line per message; defaults to stderr (stdout may carry --json output). */
  log?: (line: string) => void;
  /** Loads a package by name; defaults to import(). Tests pass stand-in modules. */
  importModule?: (specifier: string) => Promise<unknown>;
  /** Register the wasm training kernels when wasm is chosen (default true). */
  kernels?: boolean;
  /** How to look for the CUDA libraries when TensorFlow finds no GPU; defaults to this machine's. */
  libraryLookup?: LibraryLookup;
}

export const TFJS_NODE_GPU = '@tensorflow/tfjs-node-gpu';
export const TFJS_NODE = '@tensorflow/tfjs-node';
export const TFJS_WASM = '@tensorflow/tfjs-backend-wasm';

/** The libraries tfjs-node-gpu 4.22 (TensorFlow 2.9: CUDA 11.2, cuDNN 8.1) opens for its GPU device. */
export const CUDA_LIBRARIES = [
  'libcudart.so.11.0',
  'libcublas.so.11',
  'libcublasLt.so.11',
  'libcufft.so.10',
  'libcurand.so.10',
  'libcusolver.so.11',
  'libcusparse.so.11',
  'libcudnn.so.8',
] as const;

export const systemLibraryLookup: LibraryLookup = {
  ldconfigOutput() {
    for (const command of ['ldconfig', '/sbin/ldconfig', '/usr/sbin/ldconfig']) {
      try {
        return execFileSync(command, ['-p'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      } catch {
        // not on PATH or not runnable here: try the next location
      }
    }
    return '';
  },
  ldLibraryPath: () => process.env.LD_LIBRARY_PATH,
  fileExists: (path) => existsSync(path),
};

/** The CUDA_LIBRARIES that neither the linker cache (ldconfig -p) nor an LD_LIBRARY_PATH directory holds. */
export function missingCudaLibraries(lookup: LibraryLookup = systemLibraryLookup): string[] {
  const cached = new Set<string>();
  for (const line of lookup.ldconfigOutput().split('\n')) {
    // "\tlibcudart.so.11.0 (libc6,x86-64) => /usr/local/cuda/lib64/libcudart.so.11.0"
    const name = line.trim().split(/\s+/)[0];
    if (name) cached.add(name);
  }
  const dirs = (lookup.ldLibraryPath() ?? '').split(':').filter((dir) => dir !== '');
  return CUDA_LIBRARIES.filter((lib) => !cached.has(lib) && !dirs.some((dir) => lookup.fileExists(join(dir, lib))));
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0];
}

/** A failed import of `specifier` because the package itself is absent (not a broken install). */
function isNotInstalled(error: unknown, specifier: string): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  const notFound = code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || /Cannot find (package|module)|Could not resolve|Failed to load url/.test(message);
  return notFound && message.includes(specifier);
}

type Attempt = { ok: true; choice: BackendChoice } | { ok: false; reason: string };

/** Imports `specifier` (which registers backend `backendName`) and makes that backend current. */
async function activate(specifier: string, backendName: string, importModule: (s: string) => Promise<unknown>): Promise<{ module?: unknown; reason?: string }> {
  let module: unknown;
  try {
    module = await importModule(specifier);
  } catch (error) {
    return { reason: isNotInstalled(error, specifier) ? `${specifier} is not installed` : `${specifier} failed to load: ${firstLine(error)}` };
  }
  if (tf.findBackendFactory(backendName) === null) {
    return { reason: `${specifier} loaded but registered no '${backendName}' backend` };
  }
  let ready = false;
  try {
    ready = await tf.setBackend(backendName);
  } catch (error) {
    return { reason: `the '${backendName}' backend of ${specifier} failed to initialise: ${firstLine(error)}` };
  }
  if (!ready) return { reason: `the '${backendName}' backend of ${specifier} failed to initialise` };
  return { module };
}

/** Whether the current (tfjs-node) backend computes on a GPU, as TensorFlow's device list says. */
function tensorflowUsesGpu(): boolean {
  const backend = tf.backend() as unknown as { isUsingGpuDevice?: unknown; binding?: { isUsingGpuDevice?: unknown } };
  if (typeof backend.binding?.isUsingGpuDevice === 'function') return (backend.binding.isUsingGpuDevice as () => unknown)() === true;
  return backend.isUsingGpuDevice === true;
}

function noGpuReason(lookup: LibraryLookup): string {
  const missing = missingCudaLibraries(lookup);
  if (missing.length > 0) {
    return (
      `${TFJS_NODE_GPU} loaded but TensorFlow found no GPU device: missing ${missing.join(', ')} ` +
      `(tfjs-node-gpu 4.22 needs CUDA 11.2 and cuDNN 8.1 on the linker path: ldconfig or LD_LIBRARY_PATH)`
    );
  }
  return (
    `${TFJS_NODE_GPU} loaded but TensorFlow found no GPU device although the CUDA 11.2 / cuDNN 8.1 libraries are on the ` +
    `linker path (no NVIDIA driver or GPU visible? check nvidia-smi and CUDA_VISIBLE_DEVICES)`
  );
}

interface Context {
  importModule: (specifier: string) => Promise<unknown>;
  lookup: LibraryLookup;
  kernels: boolean;
  log: (line: string) => void;
}

/** tfjs-node-gpu with a real GPU; `cpuFallback` is set when it loaded but computes on the CPU. */
async function tryTensorflowGpu(ctx: Context): Promise<Attempt & { cpuFallback?: BackendChoice }> {
  const { reason } = await activate(TFJS_NODE_GPU, 'tensorflow', ctx.importModule);
  if (reason !== undefined) return { ok: false, reason };
  if (tensorflowUsesGpu()) return { ok: true, choice: { name: 'tensorflow-gpu', device: 'GPU (TensorFlow, CUDA)' } };
  return { ok: false, reason: noGpuReason(ctx.lookup), cpuFallback: { name: 'tensorflow', device: `CPU (TensorFlow native, via ${TFJS_NODE_GPU})` } };
}

/** TensorFlow native from tfjs-node, else from tfjs-node-gpu (on whatever device it found). */
async function tryTensorflow(ctx: Context): Promise<Attempt> {
  const reasons: string[] = [];
  for (const specifier of [TFJS_NODE, TFJS_NODE_GPU]) {
    const { reason } = await activate(specifier, 'tensorflow', ctx.importModule);
    if (reason === undefined) {
      const device = tensorflowUsesGpu() ? 'GPU (TensorFlow, CUDA)' : 'CPU (TensorFlow native)';
      return { ok: true, choice: { name: 'tensorflow', device } };
    }
    reasons.push(reason);
  }
  return { ok: false, reason: reasons.join('; ') };
}

async function tryWasm(ctx: Context): Promise<Attempt> {
  const { module, reason } = await activate(TFJS_WASM, 'wasm', ctx.importModule);
  if (reason !== undefined) return { ok: false, reason };
  let simd = 'SIMD unknown';
  try {
    simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true ? 'SIMD' : 'no SIMD';
  } catch {
    // the flag belongs to the wasm package; a stand-in may not register it
  }
  const getThreadsCount = (module as { getThreadsCount?: unknown } | undefined)?.getThreadsCount;
  const threads = typeof getThreadsCount === 'function' ? Number((getThreadsCount as () => unknown)()) : 1;
  if (ctx.kernels) {
    registerWasmTrainingKernels();
    ctx.log(`backend: wasm training kernels registered: ${WASM_TRAINING_KERNELS.map(([name]) => name).join(', ')}`);
  }
  return { ok: true, choice: { name: 'wasm', device: `CPU (wasm, ${simd}, ${threads} thread${threads === 1 ? '' : 's'})` } };
}

async function tryCpu(): Promise<Attempt> {
  if (!(await tf.setBackend('cpu'))) return { ok: false, reason: "tfjs' cpu backend failed to initialise" };
  return { ok: true, choice: { name: 'cpu', device: 'CPU (JavaScript)' } };
}

async function chooseAuto(ctx: Context): Promise<BackendChoice> {
  const gpu = await tryTensorflowGpu(ctx);
  if (gpu.ok) return gpu.choice;
  ctx.log(`backend: tensorflow-gpu skipped: ${gpu.reason}`);
  if (gpu.cpuFallback !== undefined) {
    // Its TensorFlow still runs on the CPU; @tensorflow/tfjs-node would register the same backend name.
    ctx.log(`backend: using ${TFJS_NODE_GPU}'s TensorFlow on the CPU as 'tensorflow'`);
    return gpu.cpuFallback;
  }
  // tfjs-node-gpu is known to be absent or broken here: only tfjs-node is left to try.
  const native = await activate(TFJS_NODE, 'tensorflow', ctx.importModule);
  if (native.reason === undefined) return { name: 'tensorflow', device: 'CPU (TensorFlow native)' };
  ctx.log(`backend: tensorflow skipped: ${native.reason}`);
  const wasm = await tryWasm(ctx);
  if (wasm.ok) return wasm.choice;
  ctx.log(`backend: wasm skipped: ${wasm.reason}`);
  const cpu = await tryCpu();
  if (cpu.ok) return cpu.choice;
  throw new Error(`no tfjs backend could be initialised: ${cpu.reason}`);
}

async function chooseExplicit(request: Exclude<BackendRequest, 'auto'>, ctx: Context): Promise<BackendChoice> {
  const attempt = request === 'tensorflow-gpu' ? await tryTensorflowGpu(ctx) : request === 'tensorflow' ? await tryTensorflow(ctx) : request === 'wasm' ? await tryWasm(ctx) : await tryCpu();
  if (!attempt.ok) throw new Error(`backend '${request}' is unavailable: ${attempt.reason}`);
  return attempt.choice;
}

/** Every backend a user may ask for (--backend), in the order `auto` tries them after itself. */
export const BACKEND_REQUESTS: readonly BackendRequest[] = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

/**
 * Makes the requested tfjs backend current and returns what computes. `auto` takes tensorflow-gpu
 * (only with a real GPU), else tensorflow, else wasm, else cpu, logging why each was skipped; an
 * explicit request that cannot be met throws an Error saying why. Calling it again is harmless.
 */
export async function initBackend(request: BackendRequest, options: BackendOptions = {}): Promise<BackendChoice> {
  if (!BACKEND_REQUESTS.includes(request)) {
    throw new Error(`unknown backend '${String(request)}': expected one of ${BACKEND_REQUESTS.join(', ')}`);
  }
  const ctx: Context = {
    importModule: options.importModule ?? ((specifier) => import(specifier)),
    lookup: options.libraryLookup ?? systemLibraryLookup,
    kernels: options.kernels ?? true,
    log: options.log ?? ((line) => process.stderr.write(`${line}\n`)),
  };
  const choice = request === 'auto' ? await chooseAuto(ctx) : await chooseExplicit(request, ctx);
  ctx.log(`backend: ${choice.name} (${request === 'auto' ? 'auto' : 'requested'}) computes on ${choice.device}`);
  return choice;
}
