import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ESLint } from 'eslint';

/**
 * The layer rule in eslint.config.js, run by ESLint itself on imports a change could add: each
 * forbidden one must fail `npm run lint`, each allowed one must pass, static or import().
 */

const ROOT = path.resolve(import.meta.dirname, '../..');
const LAYER_RULES = new Set(['no-restricted-imports', 'no-restricted-syntax']);

let eslint: ESLint | undefined;

/** The layer rule's complaints about `specifier` imported from `file` (a path in the repo). */
async function complaints(file: string, specifier: string, how: 'static' | 'dynamic') {
  eslint ??= new ESLint({ cwd: ROOT });
  const script =
    how === 'static'
      ? `import * as imported from '${specifier}';\nexport const kept = imported;\n`
      : `export const kept = () => import('${specifier}');\n`;
  const code = file.endsWith('.svelte')
    ? `<script lang="ts">\n${script.replace('export const', 'const')}console.log(kept);\n</script>\n`
    : script;
  const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
  return result!.messages.filter((m) => LAYER_RULES.has(m.ruleId ?? '')).map((m) => m.message);
}

const CASES: { file: string; forbidden: string[]; allowed: string[] }[] = [
  {
    file: 'src-main/contract/trial.ts',
    forbidden: [
      '../engine/util/vectors.js',
      '../engine/backend.js',
      '../web/csp.js',
      'zod',
      'sharp',
    ],
    allowed: ['./api.js'],
  },
  {
    file: 'src-main/contract/schemas.ts',
    forbidden: ['../engine/backend.js', 'sharp'],
    allowed: ['zod', './api.js'],
  },
  {
    file: 'src-main/engine/library/trial.ts',
    forbidden: [
      '../engine.js',
      '../backend.js',
      '../../server/server.js',
      '../../cli/main.js',
      '../../shell/ipc.js',
      '../../web/csp.js',
      'electron',
    ],
    allowed: ['../catalog/catalog.js', '../../contract/api.js', 'sharp'],
  },
  {
    file: 'src-main/cli/commands/trial.ts',
    forbidden: [
      '../../engine/engine.js',
      '../../engine/catalog/catalog.js',
      '../../shell/main.js',
      'better-sqlite3',
      'onnxruntime-node',
      'electron',
    ],
    allowed: ['../../engine/backend.js', '../../server/server.js', '../../contract/api.js'],
  },
  {
    file: 'src-main/server/trial.ts',
    forbidden: ['../engine/vector-store.js', '../cli/main.js', '../shell/ipc.js', 'hnswlib-node'],
    allowed: ['../engine/backend.js', '../web/csp.js'],
  },
  {
    file: 'src-main/shell/trial.ts',
    forbidden: ['../engine/util/vectors.js', '../server/server.js', 'better-sqlite3', 'chokidar'],
    allowed: ['../engine/backend.js', 'electron', './channels.js'],
  },
  {
    file: 'src-renderer/lib/trial.ts',
    forbidden: [
      '../../src-main/engine/backend.js',
      '../../src-main/contract/schemas.js',
      '../../src-main/shell/channels.js',
      'zod',
      'node:fs',
      'fs',
      'path/posix',
      'electron',
      'sharp',
    ],
    allowed: ['../../src-main/contract/api.js', '../../src-main/contract/format.js', 'svelte'],
  },
  {
    file: 'src-renderer/components/Trial.svelte',
    forbidden: ['../../src-main/engine/engine.js', 'node:path'],
    allowed: ['../../src-main/contract/api.js', '../lib/format.js'],
  },
];

for (const { file, forbidden, allowed } of CASES) {
  describe(`the layer rule in ${file}`, () => {
    for (const how of ['static', 'dynamic'] as const) {
      test(`refuses ${how} imports of ${forbidden.join(', ')}`, async () => {
        for (const specifier of forbidden) {
          const found = await complaints(file, specifier, how);
          assert.equal(found.length, 1, `${how} import of ${specifier}: ${found.join('; ')}`);
        }
      });
      test(`lets through ${how} imports of ${allowed.join(', ')}`, async () => {
        for (const specifier of allowed) {
          assert.deepEqual(await complaints(file, specifier, how), [], `${how} ${specifier}`);
        }
      });
    }
  });
}
