// ESLint 9 flat config.
// - typescript-eslint's recommended rules with type information: tsconfig.test.json for test/ and vitest.config.ts,
//   tsconfig.json for everything else.
// - The layering of the source tree, enforced by eslint-plugin-boundaries. Imports are resolved by
//   eslint-import-resolver-typescript, so `../lib/random.js` is read as lib/random.ts.
import path from 'node:path';
import js from '@eslint/js';
import boundaries from 'eslint-plugin-boundaries';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

// Layers, lowest first. `allow` lists what a layer may import besides itself; anything else is refused
// (`default: 'disallow'`), so a new folder has to be given a place here before anything can import it.
const layers = [
  { type: 'lib', pattern: 'lib', allow: [] },
  // config/ and proto/ share a layer and, unlike the pairs below, may import each other.
  { type: 'config', pattern: 'config', allow: ['lib', 'proto'] },
  { type: 'proto', pattern: 'proto', allow: ['lib', 'config'] },
  // compression/ and optim/ share a layer but know nothing of each other.
  { type: 'compression', pattern: 'compression', allow: ['lib', 'config', 'proto'] },
  { type: 'optim', pattern: 'optim', allow: ['lib', 'config', 'proto'] },
  // data/ and model/ share a layer but know nothing of each other.
  { type: 'data', pattern: 'data', allow: ['lib', 'config', 'proto', 'compression', 'optim'] },
  { type: 'model', pattern: 'model', allow: ['lib', 'config', 'proto', 'compression', 'optim'] },
  // coordinator/ and worker/ never import each other.
  { type: 'coordinator', pattern: 'coordinator', allow: ['lib', 'config', 'proto', 'compression', 'optim', 'data', 'model'] },
  { type: 'worker', pattern: 'worker', allow: ['lib', 'config', 'proto', 'compression', 'optim', 'data', 'model'] },
  { type: 'launch', pattern: 'launch', allow: ['lib', 'config', 'proto', 'compression', 'optim', 'data', 'model', 'coordinator', 'worker'] },
  { type: 'cli', file: 'cli.ts', allow: ['lib', 'config', 'proto', 'compression', 'optim', 'data', 'model', 'coordinator', 'worker', 'launch'] },
  { type: 'bench', pattern: 'bench', allow: ['lib', 'config', 'proto', 'compression', 'optim', 'data', 'model', 'coordinator', 'worker', 'launch', 'cli'] },
  // Runnable examples (examples/own-models/): they use the project as bench does.
  { type: 'examples', pattern: 'examples', allow: ['lib', 'config', 'proto', 'compression', 'optim', 'data', 'model', 'coordinator', 'worker', 'launch', 'cli'] },
  { type: 'test', pattern: 'test', allow: ['*'] },
  { type: 'tooling', file: 'vitest.config.ts', allow: ['*'] },
];
// Folders are elements; the single files at the root (cli.ts, vitest.config.ts) are file categories.
const entity = (type) => {
  const layer = layers.find((l) => l.type === type);
  return layer?.file ? { file: { categories: type } } : { element: { type } };
};
const allowed = (types) => (types.includes('*') ? [{ element: { type: '*' } }, { file: { categories: '*' } }] : types.map(entity));

export default defineConfig(
  { ignores: ['dist/', 'node_modules/', 'proto/hybrid.pb.js', 'proto/hybrid.pb.d.ts', 'bench/out/', 'runs/'] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  { languageOptions: { parserOptions: { project: ['./tsconfig.json'], tsconfigRootDir: import.meta.dirname } } },
  { files: ['test/**/*.ts', 'vitest.config.ts'], languageOptions: { parserOptions: { project: ['./tsconfig.test.json'], tsconfigRootDir: import.meta.dirname } } },
  {
    rules: {
      // Numbers, booleans, arrays (shapes) and null in messages read as intended; objects and unknowns do not.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true, allowArray: true, allowNullish: true }],
    },
  },
  {
    // tfjs' ops return rank-generic tensors that the code narrows with `as`; spelling the rank as a type
    // argument instead says the same thing less plainly.
    files: ['model/**/*.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/no-unnecessary-type-assertion': 'off' },
  },
  {
    // Tests read JSON, YAML and command output as untyped data and assert on it; their async callbacks
    // follow vitest's and mocks' signatures.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/restrict-template-expressions': 'off',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-base-to-string': 'off',
    },
  },
  {
    // Plain JavaScript (this file): no type information.
    files: ['**/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    files: ['**/*.ts'],
    plugins: { boundaries },
    settings: {
      // tsconfig.test.json covers every .ts file; `.js` suffixes resolve to the `.ts` files next to them.
      'import/resolver': { typescript: { project: [path.join(import.meta.dirname, 'tsconfig.test.json')] } },
      'boundaries/root-path': import.meta.dirname,
      'boundaries/elements': layers.filter((l) => l.pattern).map(({ type, pattern }) => ({ type, pattern, partialMatch: false })),
      'boundaries/files': layers.filter((l) => l.file).map(({ type, file }) => ({ category: type, pattern: file })),
      // import, export ... from, and import(): the default is import declarations only.
      'boundaries/dependency-nodes': ['import', 'export', 'dynamic-import'],
    },
    rules: {
      'boundaries/dependencies': ['error', { default: 'disallow', policies: layers.map(({ type, allow }) => ({ from: entity(type), allow: { to: allowed([type, ...allow]) } })) }],
      // Every .ts file belongs to a layer, and every local import lands in one.
      'boundaries/no-unknown-files': 'error',
      'boundaries/no-unknown-dependencies': 'error',
    },
  },
);
