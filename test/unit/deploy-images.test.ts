// deploy/Dockerfile and deploy/Dockerfile.gpu: linted by dockerfile-utils (the Dockerfile language
// server's validator), and checked for what the images must do. No Docker engine exists here, so the
// images are never built in these tests.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validate } from 'dockerfile-utils';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PORTS, deployPath, repoRoot } from '../support/deploy.js';

interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

/** Instructions with continuation lines joined and comments dropped. */
function instructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending: { text: string; line: number } | undefined;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trimEnd();
    if (!pending && (line.trim() === '' || line.trimStart().startsWith('#'))) return;
    if (pending && line.trimStart().startsWith('#')) return;
    const cont = line.endsWith('\\');
    const body = cont ? line.slice(0, -1) : line;
    pending = pending ? { text: `${pending.text} ${body.trim()}`, line: pending.line } : { text: body.trim(), line: i + 1 };
    if (!cont) {
      const [keyword, ...rest] = pending.text.split(/\s+/);
      out.push({ keyword: keyword.toUpperCase(), args: rest.join(' '), line: pending.line });
      pending = undefined;
    }
  });
  return out;
}

/** The instructions of each build stage, the FROM first. */
function stages(list: Instruction[]): Instruction[][] {
  const out: Instruction[][] = [];
  for (const ins of list) {
    if (ins.keyword === 'FROM') out.push([ins]);
    else if (out.length > 0) out[out.length - 1].push(ins);
  }
  return out;
}

const stageName = (stage: Instruction[]) => /\bAS\s+(\S+)/i.exec(stage[0].args)?.[1];
const args = (stage: Instruction[], keyword: string) => stage.filter((i) => i.keyword === keyword).map((i) => i.args);
const jsonArray = (text: string): string[] => JSON.parse(text) as string[];

const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { bin: Record<string, string>; peerDependencies?: Record<string, string> };
const tfjsCoreVersion = (JSON.parse(readFileSync(join(repoRoot, 'node_modules/@tensorflow/tfjs-core/package.json'), 'utf8')) as { version: string }).version;
const tsconfig = JSON.parse(readFileSync(join(repoRoot, 'tsconfig.json'), 'utf8')) as { include: string[] };

function checkCommon(file: string) {
  const text = readFileSync(deployPath(file), 'utf8');
  const list = instructions(text);
  const all = stages(list);
  const final = all[all.length - 1];
  const build = all.find((s) => stageName(s) === 'build');
  return { text, list, all, final, build };
}

describe.each(['Dockerfile', 'Dockerfile.gpu'])('deploy/%s', (file) => {
  const { text, final, build } = checkCommon(file);

  it('passes dockerfile-utils validation with no diagnostics', () => {
    expect(validate(text).map((d) => `line ${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
  });

  it('the lint does flag a broken Dockerfile (so an empty result above means something)', () => {
    expect(validate(`${text}\nCOPY onlyone\nFROBNICATE x\n`).length).toBeGreaterThanOrEqual(2);
  });

  it('builds with npm ci, then drops the dev dependencies', () => {
    expect(build, 'a stage named "build"').toBeDefined();
    const runs = args(build!, 'RUN').join('\n');
    const ci = runs.indexOf('npm ci');
    const prune = runs.indexOf('npm prune --omit=dev');
    expect(ci).toBeGreaterThanOrEqual(0);
    expect(prune).toBeGreaterThan(ci);
    // `npm ci` runs `prepare` (tsc): the sources must be in the stage before it.
    const copyAll = build!.findIndex((i) => i.keyword === 'COPY' && /^\.\s+\./.test(i.args));
    const ciIndex = build!.findIndex((i) => i.keyword === 'RUN' && i.args.includes('npm ci'));
    expect(copyAll).toBeGreaterThan(0);
    expect(copyAll).toBeLessThan(ciIndex);
    expect(pkg.bin.hybrid).toBe('dist/cli.js');
  });

  it('runs as a non-root user, with the checkpoint directory as a volume and the hybrid bin as entrypoint', () => {
    const users = args(final, 'USER');
    expect(users.length).toBe(1);
    const user = users[0].split(':')[0];
    expect(user === 'root' || user === '0').toBe(false);
    const volumes = args(final, 'VOLUME').flatMap(jsonArray);
    expect(volumes).toContain('/var/lib/hybrid/checkpoints');
    // The run directory (--out) must be writable too: it is where results.json and the bundle go.
    expect(volumes).toContain('/var/lib/hybrid/run');
    const mkdir = args(final, 'RUN').join('\n');
    expect(mkdir).toMatch(/mkdir -p \/var\/lib\/hybrid\/checkpoints \/var\/lib\/hybrid\/run/);
    expect(mkdir).toMatch(new RegExp(`chown -R ${user}:\\d+ /var/lib/hybrid`));

    const entrypoint = jsonArray(args(final, 'ENTRYPOINT')[0]);
    const bin = entrypoint[entrypoint.length - 1];
    expect(bin).toBe('/usr/local/bin/hybrid');
    expect(mkdir).toContain(`ln -s /app/${pkg.bin.hybrid} ${bin}`);
    expect(mkdir).toContain(`chmod 0755 /app/${pkg.bin.hybrid}`);
    expect(args(final, 'WORKDIR')).toContain('/app');
    const exposed = args(final, 'EXPOSE').join(' ').split(/\s+/).map(Number);
    expect(exposed).toEqual(expect.arrayContaining([DEFAULT_PORTS.port, DEFAULT_PORTS.coordinatorMetrics, DEFAULT_PORTS.workerMetrics]));
  });

  it('copies from the build stage only what exists (or is built), and the build context keeps what tsc needs', () => {
    const copied = args(final, 'COPY')
      .map((a) => /^--from=build\s+\/src\/(\S+)\s/.exec(a)?.[1])
      .filter((p): p is string => p !== undefined);
    expect(copied).toEqual(expect.arrayContaining(['package.json', 'dist', 'proto', 'examples']));
    for (const path of copied) {
      if (path === 'dist' || path === 'node_modules') continue; // made in the build stage
      expect(existsSync(join(repoRoot, path)), `${path} exists in the repository`).toBe(true);
    }
    const ignore = readFileSync(deployPath(`${file}.dockerignore`), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    expect(ignore).toEqual(expect.arrayContaining(['**/node_modules', 'dist', '.git', 'deploy']));
    const needed = ['package.json', 'package-lock.json', 'tsconfig.json', 'examples', 'proto', ...tsconfig.include];
    for (const path of needed) {
      expect(
        ignore.some((p) => p === path || p === `${path}/` || p === `/${path}`),
        `${path} is kept in the build context`,
      ).toBe(false);
    }
  });
});

describe('deploy/Dockerfile (CPU)', () => {
  const { final, all } = checkCommon('Dockerfile');
  it("is based on Node 20 slim and installs Debian's Fashion-MNIST and tini", () => {
    for (const stage of all) expect(stage[0].args).toMatch(/^node:20-bookworm-slim\b/);
    const runs = args(final, 'RUN').join('\n');
    expect(runs).toMatch(/apt-get install -y --no-install-recommends [^\n]*\bdataset-fashion-mnist\b/);
    expect(runs).toMatch(/\btini\b/);
    expect(jsonArray(args(final, 'ENTRYPOINT')[0])[0]).toBe('/usr/bin/tini');
  });
});

describe('deploy/Dockerfile.gpu', () => {
  const { list, final, all } = checkCommon('Dockerfile.gpu');
  const argDefault = (name: string) =>
    list
      .filter((i) => i.keyword === 'ARG')
      .map((i) => new RegExp(`^${name}=(\\S+)$`).exec(i.args)?.[1])
      .find(Boolean);

  it('runs on a CUDA 11.2 + cuDNN 8 runtime, which libtensorflow 2.9 (tfjs-node-gpu 4.x) is built for', () => {
    expect(argDefault('CUDA_IMAGE')).toMatch(/^nvidia\/cuda:11\.2(\.\d+)?-cudnn8-runtime-ubuntu20\.04$/);
    expect(final[0].args).toBe('${CUDA_IMAGE}');
    expect(argDefault('NODE_IMAGE')).toMatch(/^node:20-/);
  });

  it('installs @tensorflow/tfjs-node-gpu at the version of the tfjs in the lock file, at build time', () => {
    const installs = all.flatMap((s) => args(s, 'RUN')).join('\n');
    const m = /npm install [^\n]*@tensorflow\/tfjs-node-gpu@(\d+\.\d+\.\d+)/.exec(installs);
    expect(m, 'an `npm install @tensorflow/tfjs-node-gpu@X.Y.Z`').not.toBeNull();
    expect(m![1]).toBe(tfjsCoreVersion);
    if (pkg.peerDependencies?.['@tensorflow/tfjs-node-gpu']) expect(pkg.peerDependencies['@tensorflow/tfjs-node-gpu']).toContain(m![1]);
    // The install must not bring the dev dependencies back.
    expect(installs).toMatch(/npm install --omit=dev [^\n]*tfjs-node-gpu/);
    // The node_modules with the GPU binding is the one the final image ships.
    expect(args(final, 'COPY')).toContain('--from=gpu-deps /app/node_modules ./node_modules');
  });

  it('brings Node 20, the Fashion-MNIST files and tini into the CUDA image', () => {
    const copies = args(final, 'COPY');
    expect(copies).toContain('--from=node /usr/local/bin/node /usr/local/bin/node');
    expect(copies).toContain('--from=datasets /usr/share/datasets/fashion-mnist /usr/share/datasets/fashion-mnist');
    expect(args(final, 'RUN').join('\n')).toMatch(/\btini\b/);
    expect(args(final, 'ENV').join(' ')).toMatch(/CUDA_CACHE_PATH=\/tmp\//);
  });
});
