import { builtinModules } from 'node:module';
import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * Layers import only downwards: contract <- engine <- doors (cli, server, shell) <- renderer,
 * with web/ (what both doors that serve the renderer share) beside the engine. Enforced with
 * ESLint's own no-restricted-imports (regex patterns on the import specifier, one block per
 * layer) rather than a plugin: the folder names are unique, so the specifier alone says which
 * layer an import reaches, and the rule needs no resolver or extra dependency to keep working.
 * no-restricted-syntax applies the same patterns to import(), which no-restricted-imports
 * does not see. ESLint applies only the last block matching a file, so every file falls in
 * exactly one.
 */
const DOOR_FOLDERS = '(cli|server|shell)';
const forbid = (regex, message) => ({ regex, message });
const noRenderer = forbid('src-renderer', 'the renderer sits above every other layer');
const noDoors = forbid(`(^|/)${DOOR_FOLDERS}/`, 'doors (cli, server, shell) sit above this layer');
const noEngine = forbid('(^|/)engine/', 'the engine sits above this layer');
const noWeb = forbid('(^|/)web/', 'web/ belongs to the doors that serve the renderer');
const noElectron = forbid('^electron$', 'Electron belongs to the shell only');
/** Doors reach the engine through its one service interface. */
const onlyBackend = forbid(
  '(^|/)engine/(?!backend\\.js$)',
  'doors use the engine only through engine/backend.ts, its one service interface',
);
/** Engine parts a door must not drive itself: it asks the backend. */
const ENGINE_LIBRARIES = 'onnxruntime-node|better-sqlite3|hnswlib-node|sharp|chokidar';
const noEngineLibraries = forbid(
  `^(${ENGINE_LIBRARIES})$`,
  'a door asks engine/backend.ts instead of using the engine libraries itself',
);
/** Below the engine facade: parts take what they need, never the Engine or the backend. */
const noFacade = forbid(
  '(^|/)(engine|backend)\\.js$',
  'engine parts take the catalog, model and paths they need, not the Engine facade above them',
);
const dynamicImport = ({ regex, message }) => ({
  selector: `ImportExpression > Literal[value=/${regex.replaceAll('/', '\\/')}/]`,
  message,
});
const layer = (files, patterns) => ({
  files,
  rules: {
    'no-restricted-imports': ['error', { patterns }],
    'no-restricted-syntax': ['error', ...patterns.map(dynamicImport)],
  },
});

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'out/', 'test-artifacts/', 'bench-results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    files: ['src-renderer/**/*.svelte', 'src-renderer/**/*.svelte.ts'],
    languageOptions: {
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] },
    },
  },
  {
    files: ['src-renderer/**'],
    languageOptions: { globals: globals.browser },
  },
  // The renderer bundles the contract's types and wording: it depends on no package, and only
  // schemas.ts (never bundled) brings zod.
  layer(
    ['src-main/contract/**'],
    [
      noEngine,
      noWeb,
      noDoors,
      noRenderer,
      forbid('^(?![./])', 'the contract has no dependencies: the renderer bundles it'),
    ],
  ),
  layer(
    ['src-main/contract/schemas.ts'],
    [
      noEngine,
      noWeb,
      noDoors,
      noRenderer,
      forbid('^(?![./]|zod$)', 'the schemas depend on zod alone'),
    ],
  ),
  layer(['src-main/web/**'], [noEngine, noDoors, noRenderer, noElectron]),
  layer(['src-main/engine/**'], [noFacade, noWeb, noDoors, noRenderer, noElectron]),
  layer(
    ['src-main/engine/engine.ts', 'src-main/engine/backend.ts'],
    [noWeb, noDoors, noRenderer, noElectron],
  ),
  // The CLI hosts the server door (`ferret serve`); neither reaches into the Electron shell.
  layer(
    ['src-main/cli/**'],
    [
      onlyBackend,
      noEngineLibraries,
      forbid('(^|/)shell/', 'the shell is another door'),
      noElectron,
      noRenderer,
    ],
  ),
  layer(
    ['src-main/server/**'],
    [
      onlyBackend,
      noEngineLibraries,
      forbid('(^|/)(cli|shell)/', 'doors do not import each other'),
      noElectron,
      noRenderer,
    ],
  ),
  layer(
    ['src-main/shell/**'],
    [
      onlyBackend,
      noEngineLibraries,
      forbid('(^|/)(cli|server)/', 'doors do not import each other'),
      noRenderer,
    ],
  ),
  layer(
    ['src-renderer/**'],
    [
      forbid('src-main/(?!contract/)', 'the renderer sees only the contract'),
      forbid(
        '(^zod$|contract/schemas)',
        'request validation is the engine side; it would bundle zod',
      ),
      forbid(
        `^(electron|node:.*|${builtinModules.join('|')}|${ENGINE_LIBRARIES})(/|$)`,
        'the renderer is a sandboxed web page: no Node, Electron or engine library',
      ),
    ],
  ),
  {
    files: ['**/*.mjs', 'bin/**'],
    languageOptions: { globals: globals.node },
  },
);
